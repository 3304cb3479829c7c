// The solvers one issuance may use, in the user's order of preference
// (--preferred-challenges), and the choice per authorization: the first
// preferred type the CA offers for that identifier (certbot's rule). A
// wildcard is only offered dns-01 (RFC 8555 §7.1.3), an IP address never
// dns-01 (RFC 8738 §7), so one order may use two solvers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "client/challenge/solver.h"
#include "core/wire/types.h"

namespace acmekit::client::challenge {

// A solver that answers dns-01: the records take time to reach every
// authoritative server, so the certifier asks it to wait before the CA is
// told to look (an optional ability, not part of Solver).
class PropagationWait {
 public:
  virtual ~PropagationWait() = default;
  // Returns once every record of `tasks` (dns-01 tasks: dns_name, dns_value)
  // is visible, or an error naming what is not.
  virtual Status wait_visible(const std::vector<Task>& tasks) = 0;
};

class SolverSet {
 public:
  SolverSet() = default;
  SolverSet(SolverSet&&) = default;
  SolverSet& operator=(SolverSet&&) = default;

  // Appends a solver (lower preference than those added before). `owned`
  // keeps it alive with the set; add(Solver&) borrows one that outlives it
  // (a shared standalone server).
  void add(std::unique_ptr<Solver> owned);
  void add(Solver& borrowed);
  // Waits for dns-01 records before the CA is asked to validate them.
  void set_propagation_wait(std::unique_ptr<PropagationWait> wait) { wait_ = std::move(wait); }
  PropagationWait* propagation_wait() const { return wait_.get(); }

  bool empty() const { return order_.empty(); }
  // "http-01, tls-alpn-01": what this set answers, for messages.
  std::string types() const;

  // The solver for an authorization, and its challenge; nullptr when none of
  // ours is offered.
  struct Choice {
    Solver* solver = nullptr;
    const wire::Challenge* challenge = nullptr;
  };
  Choice choose(const wire::Authorization& authz) const;

 private:
  std::vector<std::unique_ptr<Solver>> owned_;
  std::vector<Solver*> order_;
  std::unique_ptr<PropagationWait> wait_;
};

// certbot's spellings of --preferred-challenges ("dns", "http", "dns-01",
// "tls-alpn-01", comma-separated) as challenge types, in order, duplicates
// dropped. kInvalidArgument names an unknown one.
Result<std::vector<ChallengeType>> parse_preferred_challenges(const std::string& text);
// "http-01,dns-01": challenge types as certbot's renewal conf and messages write them.
std::string join_types(const std::vector<ChallengeType>& types, std::string_view separator);

}  // namespace acmekit::client::challenge
