#include "core/crypto/tls_probe.h"

#include <gtest/gtest.h>

#include <chrono>

#include "../../tls_server.h"

namespace acmekit::crypto {
namespace {

using namespace std::chrono_literals;
using test_support::TlsServer;

const TlsServer::Options kProbeCert{
    .subject_cn = "probe.test", .san = "DNS:probe.test,DNS:*.wild.test,IP:127.0.0.1", .days = 30};

TEST(TlsProbeTest, ReportsServedCertificateWithoutTrustingIt) {
  TlsServer tls;
  ASSERT_NO_FATAL_FAILURE(tls.start(kProbeCert));
  ASSERT_TRUE(tls.ready()) << "openssl s_server did not start";

  auto res = probe_tls("127.0.0.1", tls.port(), "probe.test", "", 5s);
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->peer, "127.0.0.1:" + std::to_string(tls.port()));
  EXPECT_FALSE(res->protocol.empty());
  EXPECT_EQ(res->leaf.subject_cn, "probe.test");
  EXPECT_EQ(res->leaf.issuer_cn, "probe.test");  // self-signed
  EXPECT_EQ(res->leaf.dns_names, (std::vector<std::string>{"probe.test", "*.wild.test"}));
  EXPECT_EQ(res->leaf.ip_addresses, std::vector<std::string>{"127.0.0.1"});
  const auto left = res->leaf.not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::days(29));
  EXPECT_LE(left, std::chrono::days(30) + 1min);
  EXPECT_TRUE(res->chain.empty());
  // Served, but not trusted: reported, not refused.
  EXPECT_FALSE(res->verified);
  EXPECT_NE(res->verify_error.find("self-signed"), std::string::npos) << res->verify_error;
  EXPECT_TRUE(res->name_matches);
}

TEST(TlsProbeTest, CaBundleMakesItVerify) {
  TlsServer tls;
  ASSERT_NO_FATAL_FAILURE(tls.start(kProbeCert));
  ASSERT_TRUE(tls.ready()) << "openssl s_server did not start";

  auto res = probe_tls("127.0.0.1", tls.port(), "", tls.cert().string(), 5s);
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_TRUE(res->verified) << res->verify_error;
  EXPECT_EQ(res->verify_error, "");
  EXPECT_TRUE(res->name_matches);  // no SNI: the IP literal is checked against iPAddress SANs
}

TEST(TlsProbeTest, NameMismatchIsReportedSeparately) {
  TlsServer tls;
  ASSERT_NO_FATAL_FAILURE(tls.start(kProbeCert));
  ASSERT_TRUE(tls.ready()) << "openssl s_server did not start";

  auto other = probe_tls("127.0.0.1", tls.port(), "other.test", tls.cert().string(), 5s);
  ASSERT_TRUE(other.has_value()) << other.error().detail;
  EXPECT_TRUE(other->verified) << other->verify_error;
  EXPECT_FALSE(other->name_matches);

  auto wildcard = probe_tls("127.0.0.1", tls.port(), "a.wild.test", tls.cert().string(), 5s);
  ASSERT_TRUE(wildcard.has_value()) << wildcard.error().detail;
  EXPECT_TRUE(wildcard->name_matches);

  auto too_deep = probe_tls("127.0.0.1", tls.port(), "a.b.wild.test", tls.cert().string(), 5s);
  ASSERT_TRUE(too_deep.has_value()) << too_deep.error().detail;
  EXPECT_FALSE(too_deep->name_matches);
}

TEST(TlsProbeTest, ClosedPortIsNetworkErrorNamingTheTarget) {
  const uint16_t port = test_support::free_loopback_port();
  ASSERT_NE(port, 0);
  auto res = probe_tls("127.0.0.1", port, "", "", 2s);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(res.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << res.error().detail;
}

TEST(TlsProbeTest, MissingCaBundleIsInvalidArgument) {
  auto res = probe_tls("127.0.0.1", 1, "", "/nonexistent/acmekit-ca.pem", 1s);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(res.error().detail.find("/nonexistent/acmekit-ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::crypto
