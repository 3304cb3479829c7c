// Waiting until dns-01 records can be seen before the CA is asked to look
// (the step certbot does with a blind sleep, and the most reported trouble
// with lego and cert-manager): every authoritative server of each record's
// zone is asked directly until all of them serve the value.
#pragma once

#include <string>
#include <vector>

#include "client/challenge/solver_set.h"
#include "core/clock.h"

namespace acmekit::client::challenge {

struct DnsPropagationOptions {
  int fixed_seconds = -1;      // >= 0: sleep this long instead of checking
  int timeout_seconds = 120;   // give up after this long, naming the lagging servers
  int interval_seconds = 2;    // between two rounds of queries
  std::vector<std::string> resolvers;  // to find zones and servers; empty: /etc/resolv.conf
};

class DnsPropagationWait : public PropagationWait {
 public:
  explicit DnsPropagationWait(DnsPropagationOptions options, Clock* clock = nullptr);
  Status wait_visible(const std::vector<Task>& tasks) override;

 private:
  DnsPropagationOptions options_;
  SystemClock system_clock_;
  Clock& clock_;
};

}  // namespace acmekit::client::challenge
