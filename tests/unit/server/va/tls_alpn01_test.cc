// tls-alpn-01 (RFC 8737 §3) against an in-process OpenSSL server, and the
// probe underneath it.
#include <openssl/sha.h>

#include <gtest/gtest.h>

#include "alpn_test_server.h"
#include "core/crypto/tls_alpn_probe.h"
#include "http_test_server.h"
#include "server/va/validator.h"
#include "../../tls_server.h"

namespace acmekit::server::va {
namespace {

using test_support::AcmeTlsCert;
using test_support::AlpnTestServer;

constexpr char kKeyAuth[] = "tok3n.thumbprint-of-the-account-key";

// SHA-256 computed with OpenSSL directly, not with acmekit's digest code.
std::string sha256_of(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return std::string(reinterpret_cast<char*>(d), sizeof d);
}

ValidationRequest alpn01(const std::string& type, const std::string& value) {
  return {.identifier = {type, value}, .challenge_type = wire::ChallengeType::kTlsAlpn01, .token = "tok3n", .key_authorization = kKeyAuth};
}

ValidatorOptions options_for(uint16_t port) {
  ValidatorOptions o;
  o.tlsalpn01_port = port;
  o.hosts = {{"x.test", {"127.0.0.1"}}};
  o.dns_resolvers = {"127.0.0.1:1"};  // never asked: every name is in hosts
  // The test servers are on loopback, which the default policy refuses.
  o.address_policy = AddressPolicy::allowing({"127.0.0.0/8"}).value();
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

std::string outcome(const Status& s) { return s ? "" : s.error().short_type(); }

TEST(VaTlsAlpn01Test, ProperCertificateValidates) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test", .acme_identifier = sha256_of(kKeyAuth)}, true);
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  EXPECT_EQ(server.server_names(), (std::vector<std::string>{"x.test"}));
}

TEST(VaTlsAlpn01Test, IpIdentifierUsesTheReverseNameAsSni) {
  AlpnTestServer server({.subject_alt_name = "IP:127.0.0.1", .acme_identifier = sha256_of(kKeyAuth)}, true);
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(alpn01("ip", "127.0.0.1"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  // RFC 8738 §6.
  EXPECT_EQ(server.server_names(), (std::vector<std::string>{"1.0.0.127.in-addr.arpa"}));
}

// Issue 17: the validation address policy.
TEST(VaTlsAlpn01Test, ReservedAddressIsRefusedByDefault) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test", .acme_identifier = sha256_of(kKeyAuth)}, true);
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  o.address_policy = AddressPolicy();
  auto status = make_validator(o)->validate(alpn01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "connection");
  EXPECT_EQ(status.error().detail,
            "x.test: 127.0.0.1 is a reserved address (127.0.0.0/8: Loopback, RFC 1122 §3.2.1.3); refusing to connect");
  auto ip = make_validator(o)->validate(alpn01("ip", "::1"));
  ASSERT_EQ(outcome(ip), "connection");
  EXPECT_NE(ip.error().detail.find("::1 is a reserved address (::1/128"), std::string::npos) << ip.error().detail;
  EXPECT_TRUE(server.server_names().empty());
}

TEST(VaTlsAlpn01Test, WrongDigestIsUnauthorized) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test", .acme_identifier = sha256_of("tok3n.other-key")}, true);
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << status.error().detail;
}

TEST(VaTlsAlpn01Test, ServerWithoutAlpnIsUnauthorized) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test", .acme_identifier = sha256_of(kKeyAuth)}, false);
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("acme-tls/1"), std::string::npos) << status.error().detail;
}

TEST(VaTlsAlpn01Test, NonCriticalExtensionIsUnauthorized) {
  AlpnTestServer server(
      {.subject_alt_name = "DNS:x.test", .acme_identifier = sha256_of(kKeyAuth), .critical = false}, true);
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(outcome(make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"))), "unauthorized");
}

TEST(VaTlsAlpn01Test, MissingExtensionIsUnauthorized) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test"}, true);
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(outcome(make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"))), "unauthorized");
}

TEST(VaTlsAlpn01Test, ExtraSubjectAltNameIsUnauthorized) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test,DNS:other.test", .acme_identifier = sha256_of(kKeyAuth)},
                        true);
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("other.test"), std::string::npos) << status.error().detail;
}

TEST(VaTlsAlpn01Test, NothingListeningIsAConnectionProblem) {
  EXPECT_EQ(outcome(make_validator(options_for(test_support::free_loopback_port()))->validate(alpn01("dns", "x.test"))),
            "connection");
}

TEST(VaTlsAlpn01Test, PlainHttpServerIsATlsProblem) {
  test_support::HttpTestServer server([](const auto&) { return test_support::HttpTestServer::response(400, ""); });
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(outcome(make_validator(options_for(server.port()))->validate(alpn01("dns", "x.test"))), "tls");
}

TEST(VaTlsAlpnProbeTest, ReportsWhatTheServerPresented) {
  AlpnTestServer server({.subject_alt_name = "DNS:x.test,IP:127.0.0.1", .acme_identifier = sha256_of(kKeyAuth)},
                        true);
  ASSERT_NE(server.port(), 0);
  auto found = crypto::probe_tls_alpn("127.0.0.1", server.port(), "x.test", std::chrono::milliseconds(5000));
  ASSERT_TRUE(found.has_value()) << found.error().message();
  EXPECT_EQ(found->peer, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(found->alpn, "acme-tls/1");
  EXPECT_EQ(found->subject_alt_name_count, 2u);
  EXPECT_EQ(found->leaf.dns_names, (std::vector<std::string>{"x.test"}));
  EXPECT_EQ(found->leaf.ip_addresses, (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_TRUE(found->acme_identifier_present);
  EXPECT_TRUE(found->acme_identifier_critical);
  EXPECT_EQ(found->acme_identifier, sha256_of(kKeyAuth));
}

TEST(VaTlsAlpnProbeTest, ExtensionNotHoldingAnOctetStringReadsAsEmpty) {
  // extnValue must be DER(OCTET STRING); here it is raw bytes.
  AlpnTestServer server({.subject_alt_name = "DNS:x.test", .acme_identifier = "not DER at all", .der_encoded = false},
                        true);
  ASSERT_NE(server.port(), 0);
  auto found = crypto::probe_tls_alpn("127.0.0.1", server.port(), "x.test", std::chrono::milliseconds(5000));
  ASSERT_TRUE(found.has_value()) << found.error().message();
  EXPECT_TRUE(found->acme_identifier_present);
  EXPECT_TRUE(found->acme_identifier.empty());
}

TEST(VaTlsAlpnProbeTest, ConnectAndHandshakeFailuresDiffer) {
  auto refused = crypto::probe_tls_alpn("127.0.0.1", test_support::free_loopback_port(), "x.test",
                                        std::chrono::milliseconds(2000));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  test_support::HttpTestServer http([](const auto&) { return test_support::HttpTestServer::response(400, ""); });
  auto not_tls = crypto::probe_tls_alpn("127.0.0.1", http.port(), "x.test", std::chrono::milliseconds(2000));
  ASSERT_FALSE(not_tls.has_value());
  EXPECT_EQ(not_tls.error().kind, ErrorKind::kProtocol);
  EXPECT_NE(not_tls.error().detail.find("127.0.0.1:" + std::to_string(http.port())), std::string::npos);
}

}  // namespace
}  // namespace acmekit::server::va
