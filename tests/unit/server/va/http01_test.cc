// http-01 (RFC 8555 §8.3) against real HTTP servers on 127.0.0.1.
#include <gtest/gtest.h>

#include "../../tls_server.h"
#include "challtestsrv.h"
#include "http_test_server.h"
#include "server/va/validator.h"

namespace acmekit::server::va {
namespace {

using test_support::HttpTestServer;
using Request = HttpTestServer::Request;

constexpr char kToken[] = "tok3n_-A";
constexpr char kKeyAuth[] = "tok3n_-A.thumbprint-of-the-account-key";
constexpr char kPath[] = "/.well-known/acme-challenge/tok3n_-A";

ValidationRequest http01(const std::string& type, const std::string& value) {
  return {.identifier = {type, value}, .challenge_type = wire::ChallengeType::kHttp01, .token = kToken, .key_authorization = kKeyAuth};
}

ValidatorOptions options_for(uint16_t http_port, uint16_t tls_port = 443) {
  ValidatorOptions o;
  o.http01_port = http_port;
  o.tlsalpn01_port = tls_port;
  o.hosts = {{"x.test", {"127.0.0.1"}}, {"y.test", {"127.0.0.1"}}};
  o.dns_resolvers = {"127.0.0.1:1"};  // never asked: every name is in hosts
  // The test servers are on loopback, which the default policy refuses.
  o.address_policy = AddressPolicy::allowing({"127.0.0.0/8"}).value();
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

// The problem type's short name, or "" when the validation succeeded.
std::string outcome(const Status& s) { return s ? "" : s.error().short_type(); }

TEST(VaHttp01Test, KeyAuthorizationWithTrailingWhitespaceIsAccepted) {
  HttpTestServer server([](const Request& r) {
    return r.target == kPath ? HttpTestServer::response(200, std::string(kKeyAuth) + " \r\n")
                             : HttpTestServer::response(404, "");
  });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(http01("dns", "x.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].target, kPath);
  EXPECT_EQ(server.requests()[0].host, "x.test");
}

TEST(VaHttp01Test, IpIdentifierConnectsToTheAddressItself) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  o.hosts.clear();
  auto status = make_validator(o)->validate(http01("ip", "127.0.0.1"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].host, "127.0.0.1");
}

TEST(VaHttp01Test, NameIsResolvedThroughDnsWhenNotInHosts) {
  test_support::ChallTestSrv dns;
  ASSERT_NO_FATAL_FAILURE(dns.start());
  dns.post("add-a", R"({"host":"dns-named.test.","addresses":["127.0.0.1"]})");
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  o.dns_resolvers = {dns.dns_server()};
  auto status = make_validator(o)->validate(http01("dns", "dns-named.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(VaHttp01Test, WrongBodyIsUnauthorizedNamingUrlAndAddress) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, "tok3n_-A.someone-else"); });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find(std::string("http://x.test") + kPath), std::string::npos) << status.error().detail;
  EXPECT_NE(status.error().detail.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos)
      << status.error().detail;
}

TEST(VaHttp01Test, NotFoundIsUnauthorized) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(404, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "unauthorized");
  EXPECT_NE(status.error().detail.find("404"), std::string::npos) << status.error().detail;
}

TEST(VaHttp01Test, OversizedBodyIsUnauthorized) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, std::string(kKeyAuth) + std::string(100'000, ' ')); });
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(outcome(make_validator(options_for(server.port()))->validate(http01("dns", "x.test"))), "unauthorized");
}

TEST(VaHttp01Test, RedirectToTheOtherConfiguredPortIsFollowed) {
  HttpTestServer target([](const Request& r) {
    return r.target == "/moved" ? HttpTestServer::response(200, kKeyAuth) : HttpTestServer::response(404, "");
  });
  ASSERT_NE(target.port(), 0);
  const std::string location = "http://y.test:" + std::to_string(target.port()) + "/moved";
  HttpTestServer first([&](const Request&) { return HttpTestServer::redirect(location); });
  ASSERT_NE(first.port(), 0);
  // target.port() is the configured tls-alpn-01 port: it stands in for 443.
  auto status = make_validator(options_for(first.port(), target.port()))->validate(http01("dns", "x.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  ASSERT_EQ(target.requests().size(), 1u);
  EXPECT_EQ(target.requests()[0].host, "y.test:" + std::to_string(target.port()));
}

TEST(VaHttp01Test, RelativeRedirectOnTheSameServerIsFollowed) {
  HttpTestServer server([](const Request& r) {
    return r.target == kPath ? HttpTestServer::redirect("/elsewhere") : HttpTestServer::response(200, kKeyAuth);
  });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(http01("dns", "x.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[1].target, "/elsewhere");
  EXPECT_EQ(server.requests()[1].host, "x.test");
}

TEST(VaHttp01Test, RedirectLoopStopsAtTheLimit) {
  HttpTestServer server([](const Request& r) { return HttpTestServer::redirect(r.target); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  o.max_redirects = 3;
  auto status = make_validator(o)->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "incorrectResponse");
  EXPECT_EQ(server.requests().size(), 4u);  // the first request and 3 redirects
}

TEST(VaHttp01Test, RedirectToAnotherPortIsRefused) {
  const uint16_t other = test_support::free_loopback_port();
  HttpTestServer server([&](const Request&) {
    return HttpTestServer::redirect("http://x.test:" + std::to_string(other) + "/");
  });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port()))->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "incorrectResponse");
  EXPECT_NE(status.error().detail.find(std::to_string(other)), std::string::npos) << status.error().detail;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(VaHttp01Test, RedirectToAnotherSchemeIsRefused) {
  HttpTestServer server([](const Request&) { return HttpTestServer::redirect("ftp://x.test/file"); });
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(outcome(make_validator(options_for(server.port()))->validate(http01("dns", "x.test"))),
            "incorrectResponse");
}

TEST(VaHttp01Test, HttpsRedirectDoesNotVerifyTheCertificate) {
  test_support::TlsServer tls;  // self-signed, answers any GET with its status page
  ASSERT_NO_FATAL_FAILURE(tls.start());
  ASSERT_TRUE(tls.ready());
  HttpTestServer server([](const Request&) { return HttpTestServer::redirect("https://y.test/"); });
  ASSERT_NE(server.port(), 0);
  auto status = make_validator(options_for(server.port(), tls.port()))->validate(http01("dns", "x.test"));
  // The TLS hop worked (untrusted certificate and all); its page is simply
  // not the key authorization.
  ASSERT_EQ(outcome(status), "unauthorized") << status.error().message();
  EXPECT_NE(status.error().detail.find("https://y.test/"), std::string::npos) << status.error().detail;
}

TEST(VaHttp01Test, NothingListeningIsAConnectionProblem) {
  const uint16_t port = test_support::free_loopback_port();
  auto status = make_validator(options_for(port))->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "connection");
  EXPECT_NE(status.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << status.error().detail;
}

TEST(VaHttp01Test, UnresolvableNameIsADnsProblem) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ValidatorOptions o = options_for(server.port());
  o.timeout = std::chrono::milliseconds(500);
  auto status = make_validator(o)->validate(http01("dns", "unknown.test"));
  ASSERT_EQ(outcome(status), "dns");
  EXPECT_NE(status.error().detail.find("127.0.0.1:1"), std::string::npos) << status.error().detail;
  EXPECT_TRUE(server.requests().empty());
}

// Issue 17: the validation address policy, on the addresses connected to.
TEST(VaHttp01Test, ReservedAddressIsRefusedByDefaultNamingItsRange) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  o.address_policy = AddressPolicy();
  auto status = make_validator(o)->validate(http01("dns", "x.test"));
  ASSERT_EQ(outcome(status), "connection");
  EXPECT_EQ(status.error().detail,
            "x.test: 127.0.0.1 is a reserved address (127.0.0.0/8: Loopback, RFC 1122 §3.2.1.3); refusing to connect");
  auto ip = make_validator(o)->validate(http01("ip", "127.0.0.1"));
  ASSERT_EQ(outcome(ip), "connection");
  EXPECT_NE(ip.error().detail.find("127.0.0.1 is a reserved address"), std::string::npos) << ip.error().detail;
  EXPECT_TRUE(server.requests().empty());
}

TEST(VaHttp01Test, ReservedAddressesOfANameAreSkipped) {
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(server.port());
  // 10.0.0.1 first: were it tried, the validation would wait for it.
  o.hosts["x.test"] = {"10.0.0.1", "169.254.169.254", "127.0.0.1"};
  o.timeout = std::chrono::milliseconds(2000);
  auto status = make_validator(o)->validate(http01("dns", "x.test"));
  EXPECT_TRUE(status.has_value()) << status.error().message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(VaHttp01Test, RedirectToAReservedAddressIsRefused) {
  // Where the redirects point (never reached): the configured tls-alpn-01
  // port, so plan_hop lets them through.
  HttpTestServer server([](const Request&) { return HttpTestServer::response(200, kKeyAuth); });
  ASSERT_NE(server.port(), 0);
  ValidatorOptions o = options_for(0, server.port());
  o.address_policy = AddressPolicy::allowing({"127.0.0.1/32"}).value();  // the first hop only
  o.hosts["meta.test"] = {"169.254.169.254"};
  const std::string port = std::to_string(server.port());
  struct Case {
    std::string location;
    std::string refused;
  };
  for (const Case& k : {Case{"http://127.0.0.2:" + port + "/", "127.0.0.2 is a reserved address (127.0.0.0/8"},
                        Case{"http://[::ffff:127.0.0.3]:" + port + "/", "::ffff:127.0.0.3 is a reserved address (127.0.0.0/8"},
                        Case{"http://[::1]:" + port + "/", "::1 is a reserved address (::1/128"},
                        Case{"http://meta.test/latest/meta-data/", "meta.test: 169.254.169.254 is a reserved address (169.254.0.0/16"}}) {
    HttpTestServer first([&](const Request&) { return HttpTestServer::redirect(k.location); });
    ASSERT_NE(first.port(), 0);
    o.http01_port = first.port();
    auto status = make_validator(o)->validate(http01("dns", "x.test"));
    ASSERT_EQ(outcome(status), "connection") << k.location;
    EXPECT_NE(status.error().detail.find(k.refused), std::string::npos) << status.error().detail;
    EXPECT_NE(status.error().detail.find("refusing to connect"), std::string::npos) << status.error().detail;
    EXPECT_EQ(first.requests().size(), 1u) << k.location;
  }
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace acmekit::server::va
