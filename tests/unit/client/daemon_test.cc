// The daemon's schedule (client/daemon.h next_wait) and its metrics text:
// pure functions of a pass's report.
#include "client/daemon.h"

#include <gtest/gtest.h>

namespace acmekit::client {
namespace {
using namespace std::chrono_literals;
using std::chrono::seconds;

const auto kNow = std::chrono::system_clock::time_point{} + seconds(1'767'225'600);

TEST(DaemonScheduleTest, SleepsUntilTheNextLineageIsDuePlusJitterAtMostTheInterval) {
  std::mt19937_64 rng{1};
  DaemonOptions o{.check_interval = 43200, .jitter = 0};
  RenewReport report;
  report.next_due = {{"a.test", kNow + 2h}};
  EXPECT_EQ(next_wait(report, kNow, o, rng), seconds(7200));
  report.next_due = {{"a.test", kNow + 48h}};
  EXPECT_EQ(next_wait(report, kNow, o, rng), seconds(43200));
  report.next_due = {{"a.test", kNow - 1h}};  // overdue: soon, not at once in a loop
  EXPECT_EQ(next_wait(report, kNow, o, rng), seconds(1));
  o.jitter = 600;
  report.next_due = {{"a.test", kNow + 2h}};
  for (int i = 0; i < 20; ++i) {
    const auto w = next_wait(report, kNow, o, rng);
    EXPECT_GE(w, seconds(7200));
    EXPECT_LE(w, seconds(7800));
  }
}

TEST(DaemonScheduleTest, WakesForAriFetchesRateLimitHoldsAndRetriesFailuresWithinTheHour) {
  std::mt19937_64 rng{1};
  const DaemonOptions o{.check_interval = 43200, .jitter = 0};
  RenewReport report;
  report.next_ari_fetch = kNow + 30min;  // RFC 9773 §4.3.2: after Retry-After
  EXPECT_EQ(next_wait(report, kNow, o, rng), seconds(1801));
  report.next_rate_limit_release = kNow + 10min;
  EXPECT_EQ(next_wait(report, kNow, o, rng), seconds(601));
  RenewReport failed;
  failed.failed.push_back({"a.test", "boom"});
  EXPECT_EQ(next_wait(failed, kNow, o, rng), seconds(3600));
  Result<RenewReport> pass_failed = std::unexpected(Error{.kind = ErrorKind::kIo, .detail = "pre hook failed"});
  EXPECT_EQ(next_wait(pass_failed, kNow, o, rng), seconds(3600));
}

TEST(DaemonMetricsTest, RendersWhatThePassesDid) {
  RenewalMetrics metrics;
  RenewReport report;
  report.results = {{"good.test", std::nullopt}, {"bad.test", std::string("refused")}};
  metrics.record_pass(report, kNow, {{.name = "good.test", .not_after = kNow + 24h}});
  const std::string text = metrics.render(kNow);
  EXPECT_NE(text.find("acmekit_certificates_managed 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("acmekit_certificate_expiry_seconds{lineage=\"good.test\"} 86400\n"), std::string::npos);
  EXPECT_NE(text.find("acmekit_renewal_last_result{lineage=\"bad.test\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("acmekit_renewal_last_result{lineage=\"good.test\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("acmekit_renewal_failures_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("acmekit_renewal_passes_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::client
