// Solvers shared by concurrent issuances: every lineage that answers http-01
// standalone on the same address:port goes through one server (which is
// thread safe), instead of each trying to bind the port.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/challenge/solver.h"
#include "client/lineage_settings.h"

namespace acmekit::client::challenge {

class SolverPool {
 public:
  // The shared solver for these settings, or nullptr when the settings'
  // authenticator needs no sharing (webroot: each issuance makes its own).
  Result<Solver*> shared_for(const LineageSettings& settings);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Solver>> standalone_;
};

}  // namespace acmekit::client::challenge
