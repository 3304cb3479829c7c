// acmekit daemon: stays up, renews when due (with jitter), exposes
// Prometheus metrics, logs to stderr for journald. Stops on SIGTERM/SIGINT.
#include <atomic>
#include <csignal>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "cli/acmekit/renew_pass.h"
#include "client/metrics_server.h"
#include "client/store/lineage_index.h"

namespace acmekit::cli {
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

// What /metrics shows; written after each pass, read by the scrape thread.
struct MetricsState {
  std::mutex mu;
  std::vector<client::store::LineageValidity> lineages;
  std::map<std::string, bool> last_result;  // lineage -> last attempt succeeded
  std::map<std::string, int64_t> last_success;
  int64_t passes = 0, failures = 0, last_pass = 0;

  std::string render() {
    std::lock_guard lock(mu);
    const int64_t now = std::chrono::duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    std::ostringstream m;
    m << "# HELP acmekit_certificates_managed Lineages in CONFIG_DIR/live.\n"
      << "# TYPE acmekit_certificates_managed gauge\n"
      << "acmekit_certificates_managed " << lineages.size() << "\n"
      << "# HELP acmekit_certificate_expiry_seconds Seconds until the live certificate expires.\n"
      << "# TYPE acmekit_certificate_expiry_seconds gauge\n";
    for (const auto& l : lineages) {
      auto left = std::chrono::duration_cast<seconds>(l.not_after.time_since_epoch()).count() - now;
      m << "acmekit_certificate_expiry_seconds{lineage=\"" << client::prometheus_label(l.name) << "\"} " << left << "\n";
    }
    m << "# HELP acmekit_renewal_last_result 1 if the lineage's last renewal attempt succeeded, 0 if it failed.\n"
      << "# TYPE acmekit_renewal_last_result gauge\n";
    for (const auto& [name, ok] : last_result) {
      m << "acmekit_renewal_last_result{lineage=\"" << client::prometheus_label(name) << "\"} " << (ok ? 1 : 0) << "\n";
    }
    m << "# HELP acmekit_renewal_last_success_timestamp_seconds When the lineage was last renewed.\n"
      << "# TYPE acmekit_renewal_last_success_timestamp_seconds gauge\n";
    for (const auto& [name, t] : last_success) {
      m << "acmekit_renewal_last_success_timestamp_seconds{lineage=\"" << client::prometheus_label(name) << "\"} " << t << "\n";
    }
    m << "# HELP acmekit_renewal_passes_total Renewal passes since start.\n"
      << "# TYPE acmekit_renewal_passes_total counter\n"
      << "acmekit_renewal_passes_total " << passes << "\n"
      << "# HELP acmekit_renewal_failures_total Failed renewal attempts since start.\n"
      << "# TYPE acmekit_renewal_failures_total counter\n"
      << "acmekit_renewal_failures_total " << failures << "\n"
      << "# HELP acmekit_last_pass_timestamp_seconds When the last renewal pass ended.\n"
      << "# TYPE acmekit_last_pass_timestamp_seconds gauge\n"
      << "acmekit_last_pass_timestamp_seconds " << last_pass << "\n";
    return m.str();
  }
};

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return make_error(ErrorKind::kInvalidArgument, "--metrics-listen wants ADDR:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = std::atoi(listen.c_str() + colon + 1);
  if (port < 0 || port > 65535) return make_error(ErrorKind::kInvalidArgument, "bad port in --metrics-listen");
  return std::pair{host, static_cast<uint16_t>(port)};
}

}  // namespace

int cmd_daemon(const GlobalOptions& g, const DaemonOptions& o) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  MetricsState state;
  std::unique_ptr<client::MetricsServer> metrics;
  if (!o.metrics_listen.empty()) {
    auto listen = parse_listen(o.metrics_listen);
    if (!listen) return report_error(listen.error());
    auto server = client::MetricsServer::start(listen->first, listen->second, [&state] { return state.render(); });
    if (!server) return report_error(server.error());
    metrics = std::move(*server);
    spdlog::info("metrics on http://{}:{}/metrics", listen->first, metrics->port());
  }
  std::mt19937_64 rng{std::random_device{}()};
  spdlog::info("daemon started: config {}, check at least every {} s, jitter up to {} s", g.config_dir,
               o.check_interval, o.jitter);

  while (!g_stop) {
    auto pass = renew_pass(g, o.renew, now_for_due());
    seconds wait(o.check_interval);
    {
      std::lock_guard lock(state.mu);
      ++state.passes;
      const int64_t now = std::chrono::duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
      state.last_pass = now;
      if (!pass) {
        spdlog::error("renewal pass failed: {}", pass.error().message());
        ++state.failures;
        wait = std::min(wait, seconds(3600));
      } else {
        for (const auto& [name, err] : pass->results) {
          state.last_result[name] = !err.has_value();
          if (!err) state.last_success[name] = now;
          else ++state.failures;
        }
        // Failures retry within the hour; otherwise sleep until the next
        // lineage comes due, plus jitter so many hosts do not hit the CA
        // at the same second.
        if (!pass->failed.empty()) wait = std::min(wait, seconds(3600));
        if (pass->next_due) {
          auto until = std::chrono::duration_cast<seconds>(pass->next_due->second - now_for_due());
          if (o.jitter > 0) until += seconds(std::uniform_int_distribution<int>(0, o.jitter)(rng));
          wait = std::clamp(until, seconds(1), wait);
        }
        // RFC 9773 §4.3.2: ask for renewal information again as soon as
        // possible after Retry-After (a pass fetches only what is due).
        if (pass->next_ari_fetch) {
          auto until = std::chrono::duration_cast<seconds>(*pass->next_ari_fetch - now_for_due()) + seconds(1);
          wait = std::clamp(until, seconds(1), wait);
        }
        // A rate-limited account is tried again when its hold ends.
        if (pass->next_rate_limit_release) {
          auto until = std::chrono::duration_cast<seconds>(*pass->next_rate_limit_release - now_for_due()) + seconds(1);
          wait = std::clamp(until, seconds(1), wait);
        }
      }
    }
    // The directory scan happens outside the lock so a scrape never waits on disk.
    auto lineages = client::store::scan_lineages(client::store::LineageStore(g.config_dir)).lineages;
    {
      std::lock_guard lock(state.mu);
      state.lineages = std::move(lineages);
    }
    spdlog::info("next renewal check in {} s", wait.count());
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!g_stop && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  spdlog::info("daemon stopping");
  return kExitOk;
}

}  // namespace acmekit::cli
