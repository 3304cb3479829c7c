#include "client/api/poll.h"

#include <algorithm>
#include <cmath>

namespace acmekit::client::api {
using std::chrono::milliseconds;

milliseconds next_poll_delay(const PollPolicy& policy, int attempt,
                             std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) {
    return std::min<milliseconds>(std::chrono::duration_cast<milliseconds>(*retry_after),
                                  policy.max_retry_after);
  }
  double d = static_cast<double>(policy.first_delay.count()) * std::pow(policy.backoff, attempt);
  return std::min(milliseconds(static_cast<long long>(d)), policy.max_delay);
}

Status poll_until(Clock& clock, const PollPolicy& policy, std::string_view what,
                  const std::function<Result<PollStep>()>& step) {
  const auto deadline = clock.now() + policy.timeout;
  for (int attempt = 0;; ++attempt) {
    ACMEKIT_TRY(PollStep s, step());
    if (s.done) return {};
    auto delay = next_poll_delay(policy, attempt, s.retry_after);
    if (clock.now() + delay > deadline) {
      return make_error(ErrorKind::kTimeout,
                        "gave up waiting for " + std::string(what) + " after " +
                            std::to_string(policy.timeout.count() / 1000) + " s");
    }
    clock.sleep_for(delay);
  }
}

}  // namespace acmekit::client::api
