// Rate limits as a client sees them, against the in-process CA over HTTPS
// with a fake clock: the refused newOrder is HTTP 429 application/problem+json
// of type rateLimited (RFC 8555 §6.7) with a Retry-After header (§6.6) that
// counts down as the clock moves, a fresh Replay-Nonce, and a counter per
// limit in /metrics.
#include <mutex>

#include "ca_fixture.h"
#include "support/fake_clock.h"
#include "core/wire/rfc3339.h"

namespace acmekit::server::wfe::probe {
namespace {

using namespace std::chrono_literals;

using test_support::FakeClock;

// 2026-01-01T00:00:00Z
const auto kStart = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'767'225'600);

Json new_order_payload(const std::string& name) { return {{"identifiers", {{{"type", "dns"}, {"value", name}}}}}; }

TEST(CaRateLimitProbe, TheThirdOrderIsRateLimitedWithARetryAfterThatCountsDown) {
  FakeClock clock(kStart);
  ra::RaOptions options{.validation_threads = 2};
  options.rate_limits.new_orders_per_account = {2, 1h};
  auto started = InProcessCa::start({}, options, &clock);
  ASSERT_TRUE(started) << started.error().message();
  InProcessCa& ca = **started;
  auto account = ca.new_account();
  ASSERT_TRUE(account) << account.error().message();

  ASSERT_TRUE(ca.new_order(*account, {"probe.test"}));
  ASSERT_TRUE(ca.new_order(*account, {"www.probe.test"}));

  Response refused = ca.post(*account, ca.url("/acme/new-order"), new_order_payload("issue.test"));
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.headers.get("content-type").value_or(""), "application/problem+json");
  EXPECT_EQ(refused.headers.get("retry-after").value_or(""), "3600");
  EXPECT_TRUE(refused.headers.get("replay-nonce"));
  Json doc = Json::parse(refused.body, nullptr, false);
  EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:rateLimited") << refused.body;
  EXPECT_EQ(doc.value("status", 0), 429);
  EXPECT_EQ(doc.value("detail", ""), "too many new orders for this account: 2 in the last 1h0m (limit 2); "
                                     "retry after 2026-01-01T01:00:00Z");

  clock.advance(15min);
  refused = ca.post(*account, ca.url("/acme/new-order"), new_order_payload("issue.test"));
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.headers.get("retry-after").value_or(""), "2700");

  // Another account is not limited.
  auto other = ca.new_account();
  ASSERT_TRUE(other);
  EXPECT_TRUE(ca.new_order(*other, {"issue.test"}));

  // Prometheus: refusals per limit, every limit listed.
  const std::string metrics = ca.metrics_text();
  EXPECT_NE(metrics.find("# TYPE acmekit_ca_rate_limited_total counter"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("acmekit_ca_rate_limited_total{limit=\"new_orders_per_account\"} 2\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("acmekit_ca_rate_limited_total{limit=\"certificates_per_name_set\"} 0\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("acmekit_ca_requests_total{endpoint=\"new-order\",status=\"429\"} 2\n"), std::string::npos)
      << metrics;

  // After Retry-After the oldest order has left the window.
  clock.advance(45min);
  EXPECT_TRUE(ca.new_order(*account, {"issue.test"}));
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
