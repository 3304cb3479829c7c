// acmekit daemon: renewal passes in a loop, each followed by a sleep until
// the next lineage comes due (plus jitter), the next renewalInfo fetch, or
// the end of a rate-limit hold, at most check_interval; after a failure
// within the hour. Prometheus metrics (and /health) on a small listener.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "client/renewal/pass.h"
#include "core/error.h"

namespace acmekit::client {

struct DaemonOptions {
  RenewOptions renew;                             // hooks and --cert-name apply to every pass
  std::string metrics_listen = "127.0.0.1:9108";  // "" disables metrics
  int check_interval = 43200;                     // longest sleep between passes, seconds
  int jitter = 600;                               // random extra delay before a due renewal, seconds
};

// How long to sleep after a pass that ended at `now` (a pass that failed
// as a whole, or had a failed lineage: within the hour).
std::chrono::seconds next_wait(const Result<RenewReport>& pass, std::chrono::system_clock::time_point now,
                               const DaemonOptions& options, std::mt19937_64& rng);

// What /metrics shows, fed after each pass. Thread safe.
class RenewalMetrics {
 public:
  // Publishes a pass and the lineages it left behind at once, so a scrape
  // never sees the pass's results without the lineages they changed.
  void record_pass(const Result<RenewReport>& pass, std::chrono::system_clock::time_point now,
                   std::vector<store::LineageValidity> lineages);
  std::string render(std::chrono::system_clock::time_point now) const;

 private:
  mutable std::mutex mu_;
  std::vector<store::LineageValidity> lineages_;
  std::map<std::string, bool> last_result_;  // lineage -> last attempt succeeded
  std::map<std::string, int64_t> last_success_;
  int64_t passes_ = 0, failures_ = 0, last_pass_ = 0;
};

// Runs passes until `stop` is set (checked every 200 ms while sleeping).
// Fails only when the metrics listener cannot start.
[[nodiscard]] Status run_daemon(const std::string& config_dir, const DaemonOptions& options, const RenewDeps& deps,
                                const std::atomic<bool>& stop);

}  // namespace acmekit::client
