#include "client/renewal/due.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace acmekit::client::renewal {
using namespace std::chrono;

namespace {

std::string fmt_dur(system_clock::duration d) {
  auto s = duration_cast<seconds>(d).count();
  if (s >= 2 * 86400) return fmt::format("{} days", s / 86400);
  if (s >= 2 * 3600) return fmt::format("{} hours", s / 3600);
  return fmt::format("{} seconds", s);
}

std::string fmt_time(system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", floor<seconds>(t));
}

}  // namespace

DueDecision renewal_due(system_clock::time_point not_before, system_clock::time_point not_after,
                        system_clock::time_point now, const AriWindow* ari, Revocation revocation) {
  const auto lifetime = not_after - not_before;
  const auto left = not_after - now;
  if (revocation == Revocation::kRevoked) {
    // The window the CA suggested was for a certificate that is no longer
    // good for anything (RFC 5280 §3.3): not used.
    return DueDecision{.due = true, .reason = "the live certificate was revoked", .renew_at = now};
  }
  if (ari) {
    // RFC 9773 §4.2: renew at the moment chosen in the CA's window; a moment
    // in the past means now.
    DueDecision d{.renew_at = ari->renew_at, .ari = *ari};
    const std::string window = fmt_time(ari->start) + " to " + fmt_time(ari->end);
    const std::string why = ari->explanation_url.empty() ? "" : " (" + ari->explanation_url + ")";
    if (left <= system_clock::duration::zero()) {
      d.due = true;
      d.reason = "expired";
    } else if (now >= ari->end) {
      d.due = true;
      d.reason = "the CA's renewal window (ARI) " + window + " has passed" + why;
    } else if (now >= ari->renew_at) {
      d.due = true;
      d.reason = "inside the CA's renewal window (ARI) " + window + why;
    } else {
      d.reason = fmt::format("{} left of {}; the CA's renewal window (ARI) is {}, renews at {}{}", fmt_dur(left),
                             fmt_dur(lifetime), window, fmt_time(ari->renew_at), why);
    }
    return d;
  }
  const auto renew_at = not_after - lifetime / 3;
  DueDecision d{.renew_at = renew_at};
  if (left <= system_clock::duration::zero()) {
    d.due = true;
    d.reason = "expired";
  } else {
    d.due = now >= renew_at;
    d.reason = fmt::format("{} left of {} (renews below {})", fmt_dur(left), fmt_dur(lifetime),
                           fmt_dur(lifetime / 3));
  }
  return d;
}

}  // namespace acmekit::client::renewal
