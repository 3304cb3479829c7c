#include "client/challenge/bounded_run.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace acmekit::client::challenge {

Status run_bounded(std::size_t n, int parallel, bool stop_at_failure,
                   const std::function<Status(std::size_t)>& job) {
  std::vector<std::optional<Status>> results(n);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (;;) {
      if (stop.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      results[i] = job(i);  // each slot written by exactly one thread
      if (!*results[i] && stop_at_failure) stop.store(true);
    }
  };
  const std::size_t threads = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(parallel, 1)));
  {
    std::vector<std::jthread> others;
    for (std::size_t t = 1; t < threads; ++t) others.emplace_back(worker);
    worker();
  }  // joined
  for (auto& r : results) {
    if (r && !*r) return std::move(*r);
  }
  return {};
}

}  // namespace acmekit::client::challenge
