// Polling a pending resource (RFC 8555 §7.5.1, §7.4): honour Retry-After when
// the server sends one, otherwise poll soon and back off, bounded by a
// deadline. Most of other clients' wall time is fixed sleeps here.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace acmekit::client::api {

struct PollPolicy {
  std::chrono::milliseconds first_delay{50};
  double backoff = 1.6;
  std::chrono::milliseconds max_delay{3'000};
  std::chrono::milliseconds max_retry_after{60'000};  // cap on one server-asked wait
  std::chrono::milliseconds timeout{180'000};
};

// One observation of the resource: done (stop polling) or not, and the
// Retry-After the server attached, if any.
struct PollStep {
  bool done = false;
  std::optional<std::chrono::seconds> retry_after;
};

// Calls `step` until it reports done, fails, or the deadline passes (then a
// kTimeout error naming `what`). The delay before the next call is the
// server's Retry-After when present (capped), else the backoff sequence.
Status poll_until(Clock& clock, const PollPolicy& policy, std::string_view what,
                  const std::function<Result<PollStep>()>& step);

// The delay before the next poll, exposed for tests.
std::chrono::milliseconds next_poll_delay(const PollPolicy& policy, int attempt,
                                          std::optional<std::chrono::seconds> retry_after);

}  // namespace acmekit::client::api
