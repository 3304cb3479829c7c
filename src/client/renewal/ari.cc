#include "client/renewal/ari.h"

#include <algorithm>
#include <random>

namespace acmekit::client::renewal {
using namespace std::chrono;

RandomFraction default_random() {
  auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
}

AriFailure classify_failure(const Error& e) {
  // RFC 9773 §4.3.3: connection and request timeouts and 5xx are temporary.
  if (e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kTimeout) return AriFailure::kTemporary;
  if (e.status >= 500 && e.status <= 599) return AriFailure::kTemporary;
  return AriFailure::kLongTerm;
}

bool fetch_due(const AriState* state, TimePoint not_after, TimePoint now) {
  if (now >= not_after) return false;  // §4.3: never after the certificate expired
  return state == nullptr || now >= state->next_fetch;
}

AriState after_answer(const AriState* previous, std::string cert_id, const wire::RenewalInfo& info,
                      std::optional<seconds> retry_after, TimePoint now, const RandomFraction& random) {
  AriState s{.cert_id = std::move(cert_id)};
  if (previous && previous->cert_id == s.cert_id) {
    s.server = previous->server;
    s.ca_bundle = previous->ca_bundle;
  }
  const auto start = floor<seconds>(info.window_start), end = floor<seconds>(info.window_end);
  const AriWindow* kept = previous && previous->cert_id == s.cert_id && previous->window ? &*previous->window : nullptr;
  if (kept && kept->start == start && kept->end == end) {
    s.window = *kept;  // the same window: the moment chosen for it stands
  } else {
    // §4.2 step 2: a uniform random time within the window.
    double u = std::clamp(random(), 0.0, 1.0);
    auto offset = duration_cast<seconds>(duration<double>(end - start) * u);
    s.window = AriWindow{.start = start, .end = end, .renew_at = std::min<TimePoint>(start + offset, end)};
  }
  s.window->explanation_url = info.explanation_url;
  if (retry_after) {
    s.next_fetch = now + std::clamp<seconds>(*retry_after, kMinRetryAfter, kMaxRetryAfter);  // §4.3.2
  } else {
    s.next_fetch = now + kLongTermErrorRetry;  // §4.3.3: no Retry-After is a long-term error
  }
  return s;
}

AriState after_failure(const AriState* previous, std::string cert_id, AriFailure failure, TimePoint now) {
  AriState s{.cert_id = std::move(cert_id)};
  if (previous && previous->cert_id == s.cert_id) {
    s.window = previous->window;
    s.failures = previous->failures;
    s.server = previous->server;
    s.ca_bundle = previous->ca_bundle;
  }
  switch (failure) {
    case AriFailure::kTemporary:
      // §4.3.3: exponential backoff with a capped number of tries, then a
      // long-term error.
      if (++s.failures < kMaxTemporaryTries) {
        s.next_fetch = now + kMinRetryAfter * (1 << (s.failures - 1));
        return s;
      }
      s.failures = 0;
      s.next_fetch = now + kLongTermErrorRetry;
      return s;
    case AriFailure::kLongTerm:
      s.failures = 0;
      s.next_fetch = now + kLongTermErrorRetry;  // §4.3.3
      return s;
    case AriFailure::kNoRenewalInfo:
      s.failures = 0;
      s.window.reset();  // the CA does not (or no longer) suggest windows: the 1/3 rule
      s.next_fetch = now + kNoRenewalInfoRecheck;
      return s;
  }
  return s;
}

}  // namespace acmekit::client::renewal
