#include "client/renewal/due.h"

#include <fmt/format.h>

namespace acmekit::client::renewal {
using namespace std::chrono;

DueDecision renewal_due(system_clock::time_point not_before, system_clock::time_point not_after,
                        system_clock::time_point now) {
  const auto lifetime = not_after - not_before;
  const auto renew_at = not_after - lifetime / 3;
  const auto left = not_after - now;
  auto fmt_dur = [](system_clock::duration d) {
    auto s = duration_cast<seconds>(d).count();
    if (s >= 2 * 86400) return fmt::format("{} days", s / 86400);
    if (s >= 2 * 3600) return fmt::format("{} hours", s / 3600);
    return fmt::format("{} seconds", s);
  };
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
