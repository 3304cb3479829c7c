// dns-01 (RFC 8555 §8.4) against pebble-challtestsrv as the DNS server.
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <gtest/gtest.h>

#include "challtestsrv.h"
#include "server/va/validator.h"

namespace acmekit::server::va {
namespace {


constexpr char kKeyAuth[] = "tok3n.thumbprint-of-the-account-key";

// base64url(SHA-256(key authorization)) computed with OpenSSL directly.
std::string txt_value(const std::string& key_authorization) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(), d);
  unsigned char b64[64] = {};
  const int n = EVP_EncodeBlock(b64, d, sizeof d);
  std::string s(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

class VaDns01Test : public test_support::ChallTestSrvTest {
 protected:

  static Status validate(const std::string& name, const std::string& type = "dns") {
    ValidatorOptions o;
    o.dns_resolvers = {srv_->dns_server()};
    o.timeout = std::chrono::milliseconds(2000);
    return make_validator(o)->validate(
        {.identifier = {type, name}, .challenge_type = wire::ChallengeType::kDns01, .token = "tok3n", .key_authorization = kKeyAuth});
  }
  static void set_txt(const std::string& host, const std::string& value) {
    srv_->post("set-txt", R"({"host":")" + host + R"(","value":")" + value + R"("})");
  }
};

std::string outcome(const Status& s) { return s ? "" : s.error().short_type(); }

TEST_F(VaDns01Test, MatchingRecordAmongOthersValidates) {
  set_txt("_acme-challenge.good.test.", "unrelated");
  set_txt("_acme-challenge.good.test.", txt_value(kKeyAuth));
  auto status = validate("good.test");
  EXPECT_TRUE(status.has_value()) << status.error().message();
}

TEST_F(VaDns01Test, CnameToAnotherZoneIsFollowed) {
  srv_->post("set-cname", R"({"host":"_acme-challenge.delegated.test.","target":"acme.validation.test."})");
  set_txt("acme.validation.test.", txt_value(kKeyAuth));
  auto status = validate("delegated.test");
  EXPECT_TRUE(status.has_value()) << status.error().message();
}

TEST_F(VaDns01Test, WrongValueIsUnauthorized) {
  set_txt("_acme-challenge.wrong.test.", txt_value("tok3n.other-key"));
  auto status = validate("wrong.test");
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("_acme-challenge.wrong.test"), std::string::npos) << status.error().detail;
}

TEST_F(VaDns01Test, NoRecordIsUnauthorized) {
  auto status = validate("absent.test");
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("no TXT record found at _acme-challenge.absent.test"), std::string::npos)
      << status.error().detail;
}

TEST_F(VaDns01Test, ServfailIsADnsProblemNamingTheServer) {
  srv_->post("set-servfail", R"({"host":"_acme-challenge.failing.test."})");
  auto status = validate("failing.test");
  ASSERT_EQ(outcome(status), "dns");
  EXPECT_NE(status.error().detail.find(srv_->dns_server()), std::string::npos) << status.error().detail;
}

TEST_F(VaDns01Test, IpIdentifierCannotUseDns01) {
  // RFC 8738 §7.
  EXPECT_EQ(outcome(validate("127.0.0.1", "ip")), "malformed");
}

}  // namespace
}  // namespace acmekit::server::va
