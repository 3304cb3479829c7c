// ACME Renewal Information (RFC 9773) on the client: what one lineage's live
// certificate looks like to its CA's renewalInfo, and how an answer or a
// failure changes it. No I/O here: ari_fetch.h asks the CA, ari_cache.h
// keeps the states on disk, due.h decides with them.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "client/renewal/due.h"
#include "core/error.h"
#include "core/wire/renewal_info.h"

namespace acmekit::client::renewal {

using TimePoint = std::chrono::system_clock::time_point;

// A uniform random number in [0, 1). Injected so tests choose the moment.
using RandomFraction = std::function<double()>;
// The default: seeded from std::random_device.
RandomFraction default_random();

// RFC 9773 §4.3 limits.
inline constexpr std::chrono::seconds kMinRetryAfter{60};             // §4.3.2: below 1 minute counts as 1 minute
inline constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};      // §4.3.2: above 1 day counts as 1 day
inline constexpr std::chrono::seconds kLongTermErrorRetry{6 * 3600};  // §4.3.3: 6 hours after a long-term error
// A CA whose directory has no renewalInfo is asked again after a day.
inline constexpr std::chrono::seconds kNoRenewalInfoRecheck{24 * 3600};
// §4.3.3: temporary errors back off 1, 2, 4, 8 minutes; the fifth in a row
// is a long-term error.
inline constexpr int kMaxTemporaryTries = 5;

// What the client knows about one lineage's live certificate.
struct AriState {
  std::string cert_id;  // RFC 9773 §4.1 identifier of the certificate this is about
  // The CA's last valid window and the moment chosen in it; nullopt when the
  // CA has no renewalInfo or never answered validly.
  std::optional<AriWindow> window;
  TimePoint next_fetch{};  // §4.3: renewalInfo is not asked again before this
  int failures = 0;        // temporary errors in a row
  // The CA it was asked at (directory URL, extra trust anchors), so asking
  // again about the same certificate needs no renewal conf read.
  std::string server, ca_bundle;
};

// How a fetch failed (§4.3.3).
enum class AriFailure {
  kTemporary,      // connection trouble, timeout, HTTP 5xx
  kLongTerm,       // anything else: 4xx, invalid object (an end <= start window, §4.2)
  kNoRenewalInfo,  // the CA's directory does not offer renewalInfo (§3)
};
AriFailure classify_failure(const Error& e);

// Whether renewalInfo should be asked for this certificate now: not after
// it expired (§4.3), and only once the previous answer's time has come.
// `state` is the cached state (nullptr when none, or about another
// certificate).
bool fetch_due(const AriState* state, TimePoint not_after, TimePoint now);

// The state after a valid answer. The moment to renew is chosen uniformly
// in the window (§4.2's algorithm, step 2) once per window: the previous
// choice is kept while the CA answers the same window. The next fetch is
// Retry-After clamped to [1 minute, 1 day] (§4.3.2), or 6 hours when the
// answer had none (§4.3.3 lists that as a long-term error).
AriState after_answer(const AriState* previous, std::string cert_id, const wire::RenewalInfo& info,
                      std::optional<std::chrono::seconds> retry_after, TimePoint now, const RandomFraction& random);

// The state after a failure: the previous window (the CA's last word) stays,
// except when the CA no longer offers renewalInfo at all.
AriState after_failure(const AriState* previous, std::string cert_id, AriFailure failure, TimePoint now);

}  // namespace acmekit::client::renewal
