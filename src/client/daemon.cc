#include "client/daemon.h"

#include <algorithm>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "client/metrics_server.h"
#include "client/store/lineage_index.h"

namespace acmekit::client {
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

int64_t unix_seconds(system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

}  // namespace

seconds next_wait(const Result<RenewReport>& pass, system_clock::time_point now, const DaemonOptions& o,
                  std::mt19937_64& rng) {
  seconds wait(o.check_interval);
  if (!pass) return std::min(wait, seconds(3600));
  // Failures retry within the hour; otherwise sleep until the next lineage
  // comes due, plus jitter so many hosts do not hit the CA at the same second.
  if (!pass->failed.empty()) wait = std::min(wait, seconds(3600));
  if (pass->next_due) {
    auto until = std::chrono::duration_cast<seconds>(pass->next_due->second - now);
    if (o.jitter > 0) until += seconds(std::uniform_int_distribution<int>(0, o.jitter)(rng));
    wait = std::clamp(until, seconds(1), wait);
  }
  // RFC 9773 §4.3.2: ask for renewal information again as soon as possible
  // after Retry-After (a pass fetches only what is due).
  if (pass->next_ari_fetch) {
    auto until = std::chrono::duration_cast<seconds>(*pass->next_ari_fetch - now) + seconds(1);
    wait = std::clamp(until, seconds(1), wait);
  }
  // A rate-limited account is tried again when its hold ends.
  if (pass->next_rate_limit_release) {
    auto until = std::chrono::duration_cast<seconds>(*pass->next_rate_limit_release - now) + seconds(1);
    wait = std::clamp(until, seconds(1), wait);
  }
  return wait;
}

void RenewalMetrics::record_pass(const Result<RenewReport>& pass, system_clock::time_point now,
                                 std::vector<store::LineageValidity> lineages) {
  std::lock_guard lock(mu_);
  lineages_ = std::move(lineages);
  ++passes_;
  last_pass_ = unix_seconds(now);
  if (!pass) {
    ++failures_;
    return;
  }
  for (const auto& [name, err] : pass->results) {
    last_result_[name] = !err.has_value();
    if (!err) last_success_[name] = last_pass_;
    else ++failures_;
  }
}

std::string RenewalMetrics::render(system_clock::time_point now_tp) const {
  std::lock_guard lock(mu_);
  const int64_t now = unix_seconds(now_tp);
  std::ostringstream m;
  m << "# HELP acmekit_certificates_managed Lineages in CONFIG_DIR/live.\n"
    << "# TYPE acmekit_certificates_managed gauge\n"
    << "acmekit_certificates_managed " << lineages_.size() << "\n"
    << "# HELP acmekit_certificate_expiry_seconds Seconds until the live certificate expires.\n"
    << "# TYPE acmekit_certificate_expiry_seconds gauge\n";
  for (const auto& l : lineages_) {
    m << "acmekit_certificate_expiry_seconds{lineage=\"" << prometheus_label(l.name) << "\"} "
      << unix_seconds(l.not_after) - now << "\n";
  }
  m << "# HELP acmekit_renewal_last_result 1 if the lineage's last renewal attempt succeeded, 0 if it failed.\n"
    << "# TYPE acmekit_renewal_last_result gauge\n";
  for (const auto& [name, ok] : last_result_) {
    m << "acmekit_renewal_last_result{lineage=\"" << prometheus_label(name) << "\"} " << (ok ? 1 : 0) << "\n";
  }
  m << "# HELP acmekit_renewal_last_success_timestamp_seconds When the lineage was last renewed.\n"
    << "# TYPE acmekit_renewal_last_success_timestamp_seconds gauge\n";
  for (const auto& [name, t] : last_success_) {
    m << "acmekit_renewal_last_success_timestamp_seconds{lineage=\"" << prometheus_label(name) << "\"} " << t << "\n";
  }
  m << "# HELP acmekit_renewal_passes_total Renewal passes since start.\n"
    << "# TYPE acmekit_renewal_passes_total counter\n"
    << "acmekit_renewal_passes_total " << passes_ << "\n"
    << "# HELP acmekit_renewal_failures_total Failed renewal attempts since start.\n"
    << "# TYPE acmekit_renewal_failures_total counter\n"
    << "acmekit_renewal_failures_total " << failures_ << "\n"
    << "# HELP acmekit_last_pass_timestamp_seconds When the last renewal pass ended.\n"
    << "# TYPE acmekit_last_pass_timestamp_seconds gauge\n"
    << "acmekit_last_pass_timestamp_seconds " << last_pass_ << "\n";
  return m.str();
}

Status run_daemon(const std::string& config_dir, const DaemonOptions& o, const RenewDeps& deps,
                  const std::atomic<bool>& stop) {
  RenewalMetrics metrics;
  std::unique_ptr<MetricsServer> server;
  if (!o.metrics_listen.empty()) {
    ACMEKIT_TRY(server, MetricsServer::start(o.metrics_listen, [&metrics] { return metrics.render(system_clock::now()); }));
    spdlog::info("metrics on {} (port {}): /metrics, /health", o.metrics_listen, server->port());
  }
  std::mt19937_64 rng{std::random_device{}()};
  spdlog::info("daemon started: config {}, check at least every {} s, jitter up to {} s", config_dir,
               o.check_interval, o.jitter);
  while (!stop) {
    auto pass = run_renewal_pass(config_dir, o.renew, deps);
    if (!pass) spdlog::error("renewal pass failed: {}", pass.error().message());
    // The directory scan happens outside the lock so a scrape never waits on disk.
    auto lineages = store::scan_lineages(store::LineageStore(config_dir)).lineages;
    metrics.record_pass(pass, system_clock::now(), std::move(lineages));
    const seconds wait = next_wait(pass, deps.clock->now(), o, rng);
    spdlog::info("next renewal check in {} s", wait.count());
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  spdlog::info("daemon stopping");
  return {};
}

}  // namespace acmekit::client
