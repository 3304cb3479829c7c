// When is a certificate due for renewal.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace acmekit::client::renewal {

// The CA's suggested renewal window for a certificate (RFC 9773 §4.2) and
// the moment the client chose in it.
struct AriWindow {
  std::chrono::system_clock::time_point start, end;
  std::chrono::system_clock::time_point renew_at;  // in [start, end], chosen once per window
  std::string explanation_url;                     // empty when the CA gave none
};

struct DueDecision {
  bool due = false;
  std::string reason;  // "12 days left of 90 (renews below 30)"
  std::chrono::system_clock::time_point renew_at;  // when it becomes due
  std::optional<AriWindow> ari;                    // the window the decision used, if any
};

// Whether the certificate is known to be revoked (we revoked it: RFC 8555
// §7.6, store/revocations.h).
enum class Revocation { kNotKnown, kRevoked };

// A revoked certificate is due at once, whatever its dates or the CA's window
// say (certbot renews a lineage whose certificate OCSP reports revoked). With
// the CA's window (RFC 9773), a certificate is due once `now` reaches the
// moment chosen in it, so also when the window lies in the past (§4.2 steps
// 3-5). Without one it is due once less than a third of its lifetime is
// left: a 90-day certificate at 30 days, a 6-day one at 2 days. Expired
// certificates are always due.
DueDecision renewal_due(std::chrono::system_clock::time_point not_before,
                        std::chrono::system_clock::time_point not_after,
                        std::chrono::system_clock::time_point now,
                        const AriWindow* ari = nullptr,
                        Revocation revocation = Revocation::kNotKnown);

}  // namespace acmekit::client::renewal
