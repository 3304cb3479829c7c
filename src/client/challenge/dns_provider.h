// dns-01 answered through a DNS provider (client/dns/provider.h: an API
// such as Cloudflare's, or RFC 2136 UPDATEs to the zone's primary):
// CNAME at _acme-challenge followed (the record goes to the target's zone,
// as for RFC 2136), the records of all tasks grouped by zone, one
// add_txt / delete_txt per zone, cleanup going on past failures. The zones'
// updates run at most max_parallel at once (bounded_run.h; by default the
// provider's parallel_zones(): kDefaultParallelZones, 1 for PowerDNS), the zones themselves found one name at a time first
// (each provider lists its zones once a run: client/dns/zone_cache.h). The
// propagation check is the SolverSet's (dns_propagation.h), as for every
// dns-01 solver.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/challenge/solver.h"
#include "client/dns/provider.h"

namespace acmekit::client::challenge {

class DnsProviderSolver : public Solver, public BatchSolver {
 public:
  // resolvers (HOST[:PORT]; empty: /etc/resolv.conf) are asked whether
  // _acme-challenge.NAME is a CNAME. max_parallel: zones updated at once
  // (0: the provider's parallel_zones()).
  DnsProviderSolver(std::unique_ptr<dns_api::Provider> provider, std::vector<std::string> resolvers = {},
                    int max_parallel = 0);

  ChallengeType type() const override;  // dns-01
  Status present(const Task& task) override;
  Status cleanup(const Task& task) override;
  Status present_all(std::span<const Task> tasks) override;
  Status cleanup_all(std::span<const Task> tasks) override;

 private:
  struct Target {
    std::string name;  // where the TXT record goes
    std::string zone;  // the provider's zone that holds it
  };
  Result<Target> target_of(const std::string& dns_name);
  Status update_all(std::span<const Task> tasks, bool add);

  std::unique_ptr<dns_api::Provider> provider_;
  std::vector<std::string> resolvers_;
  int max_parallel_;
  std::mutex mu_;  // one present_all / cleanup_all at a time (its zones in parallel)
  std::map<std::string, Target> targets_;  // by Task::dns_name
};

}  // namespace acmekit::client::challenge
