// dns-01 (RFC 8555 §8.4) answered through the zone's primary DNS server:
// TSIG-signed DNS UPDATEs (RFC 2136, RFC 8945) add the TXT records and
// delete them again. Values are added to the RRset, never replacing it, so
// an apex and its wildcard (two values at one name) are answered at once;
// all records of one zone go in one UPDATE (one serial bump, one NOTIFY).
// certbot's dns-rfc2136 plugin takes the same credentials file (it sends
// one UPDATE per record).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/challenge/solver.h"
#include "core/clock.h"
#include "core/dns/update.h"

namespace acmekit::client::challenge {

class Rfc2136Solver : public Solver, public BatchSolver {
 public:
  // Reads certbot's INI credentials file (dns_rfc2136_server, _port, _name,
  // _secret, _algorithm); warns when others may read it. Errors name the
  // file and the key, never the secret. resolvers (HOST[:PORT]; empty:
  // /etc/resolv.conf) are asked whether _acme-challenge.NAME is a CNAME.
  static Result<std::unique_ptr<Rfc2136Solver>> from_credentials(const std::string& path,
                                                                  std::vector<std::string> resolvers = {});
  explicit Rfc2136Solver(dns::UpdateServer server, std::vector<std::string> resolvers = {});

  ChallengeType type() const override;  // dns-01
  // Follows a CNAME at task.dns_name (validation delegated to another zone,
  // as lego and cert-manager allow: the record goes to the CNAME's target),
  // finds that name's zone at the server (SOA), then adds the TXT value
  // (RFC 2136 §2.5.1). Errors name the server and its answer.
  Status present(const Task& task) override;
  // Deletes exactly that value (RFC 2136 §2.5.4). Fine if it is not there.
  Status cleanup(const Task& task) override;
  // The same for many tasks: their records grouped by zone, one UPDATE per
  // zone (split every Updater::kMaxRecordsPerUpdate records).
  Status present_all(std::span<const Task> tasks) override;
  Status cleanup_all(std::span<const Task> tasks) override;

 private:
  struct Target {
    std::string name;  // where the TXT record goes
    std::string zone;  // the zone that holds it, at the update server
  };
  Result<Target> target_of(const std::string& dns_name);
  Status update_all(std::span<const Task> tasks, bool add);

  SystemClock clock_;  // TSIG signs with the real time (RFC 8945 §5.2.3)
  dns::Updater updater_;
  std::vector<std::string> resolvers_;
  std::mutex mu_;
  std::map<std::string, Target> targets_;  // by Task::dns_name
};

}  // namespace acmekit::client::challenge
