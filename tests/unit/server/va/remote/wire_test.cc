// The JSON between acmekit-ca and its remote perspectives.
#include "server/va/remote/wire.h"

#include <gtest/gtest.h>

#include "server/problems.h"

namespace acmekit::server::va::remote {
namespace {

TEST(MpicWireTest, ValidationRequestRoundTrips) {
  ValidationRequest r{.identifier = {.type = "dns", .value = "a.test"},
                      .challenge_type = wire::ChallengeType::kDns01,
                      .token = "tok",
                      .key_authorization = "tok.thumb"};
  auto back = decode_validation_request(encode_validation_request(r));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->identifier, r.identifier);
  EXPECT_EQ(back->challenge_type, wire::ChallengeType::kDns01);
  EXPECT_EQ(back->token, "tok");
  EXPECT_EQ(back->key_authorization, "tok.thumb");
}

TEST(MpicWireTest, CaaRequestRoundTripsWithIdentities) {
  CaaRequest r{.name = "b.test", .wildcard = true, .method = wire::ChallengeType::kTlsAlpn01,
               .account_uri = "https://ca/acme/acct/1"};
  auto back = decode_caa_request(encode_caa_request(r, {"ca.example"}));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->request.name, "b.test");
  EXPECT_TRUE(back->request.wildcard);
  EXPECT_EQ(back->request.method, wire::ChallengeType::kTlsAlpn01);
  EXPECT_EQ(back->request.account_uri, "https://ca/acme/acct/1");
  EXPECT_EQ(back->identities, std::vector<std::string>{"ca.example"});
}

TEST(MpicWireTest, BadRequestsNameTheMember) {
  EXPECT_FALSE(decode_validation_request("not json"));
  auto r = decode_validation_request(
      R"({"identifier":{"type":"dns","value":"a"},"type":"dns-02","token":"t","keyAuthorization":"k"})");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("dns-02"), std::string::npos);
  auto c = decode_caa_request(R"({"name":"a","wildcard":"no","method":"http-01","accountUri":"","identities":[]})");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("wildcard"), std::string::npos);
}

TEST(MpicWireTest, ResultsRoundTrip) {
  auto valid = decode_result(encode_result(Status{}));
  ASSERT_TRUE(valid);
  EXPECT_TRUE(*valid);
  auto invalid = decode_result(encode_result(problem("unauthorized", "wrong value at 10.0.0.1")));
  ASSERT_TRUE(invalid);
  ASSERT_FALSE(*invalid);
  EXPECT_EQ(invalid->error().kind, ErrorKind::kAcme);
  EXPECT_EQ(invalid->error().short_type(), "unauthorized");
  EXPECT_EQ(invalid->error().detail, "wrong value at 10.0.0.1");
  // A non-ACME error travels as a connection problem.
  auto io = decode_result(encode_result(make_error(ErrorKind::kIo, "boom")));
  ASSERT_TRUE(io);
  ASSERT_FALSE(*io);
  EXPECT_EQ(io->error().short_type(), "connection");
  EXPECT_FALSE(decode_result("{}"));
  EXPECT_FALSE(decode_result(R"({"status":"invalid"})"));
}

}  // namespace
}  // namespace acmekit::server::va::remote
