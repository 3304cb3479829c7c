// Building the solvers of an issuance from its lineage settings, with the
// standalone servers shared: every issuance that answers http-01 or
// tls-alpn-01 on the same address:port goes through one server (they are
// thread safe), so concurrent renewals do not fight over the port.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/challenge/solver_set.h"
#include "client/install/web_server_factory.h"
#include "client/lineage_settings.h"

namespace acmekit::client::challenge {

// The lineage's web server locations for install::make_web_server.
install::WebServerSettings web_server_settings(const LineageSettings& settings);

class SolverPool {
 public:
  // config_dir: the web server authenticators keep their backups under
  // CONFIG_DIR/backups/<server> (install/transaction.h); empty: none on disk.
  explicit SolverPool(std::string config_dir = {}) : config_dir_(std::move(config_dir)) {}

  // The solvers for one issuance with these settings, in preference order
  // (LineageSettings::challenge_types), with the dns-01 propagation wait.
  // Standalone servers are bound here, so a taken port is reported before
  // any order exists; they stay up as long as the pool.
  Result<SolverSet> solvers_for(const LineageSettings& settings);

 private:
  Result<Solver*> standalone(ChallengeType type, const std::string& address, int port);

  std::string config_dir_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Solver>> standalone_;  // "type address:port"
};

}  // namespace acmekit::client::challenge
