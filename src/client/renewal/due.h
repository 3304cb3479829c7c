// When is a certificate due for renewal.
#pragma once

#include <chrono>
#include <string>


namespace acmekit::client::renewal {

struct DueDecision {
  bool due = false;
  std::string reason;  // "12 days left of 90 (renews below 30)"
  std::chrono::system_clock::time_point renew_at;  // when it becomes due
};

// Without renewal information from the CA (RFC 9773), a certificate is due
// once less than a third of its lifetime is left: a 90-day certificate at
// 30 days, a 6-day one at 2 days. Expired certificates are always due.
DueDecision renewal_due(std::chrono::system_clock::time_point not_before,
                        std::chrono::system_clock::time_point not_after,
                        std::chrono::system_clock::time_point now);

}  // namespace acmekit::client::renewal
