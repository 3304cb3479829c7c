#include "client/challenge/solver_pool.h"

#include "client/challenge/http01_standalone.h"

namespace acmekit::client::challenge {

Result<Solver*> SolverPool::shared_for(const LineageSettings& s) {
  if (s.authenticator != "standalone") return nullptr;
  if (s.http01_port < 1 || s.http01_port > 65535) {
    return make_error(ErrorKind::kInvalidArgument, "http01_port must be 1..65535");
  }
  const std::string key = s.http01_address + ":" + std::to_string(s.http01_port);
  std::lock_guard lock(mu_);
  auto& slot = standalone_[key];
  if (!slot) {
    ACMEKIT_TRY(auto server, Http01Standalone::start(s.http01_address, static_cast<uint16_t>(s.http01_port)));
    slot = std::move(server);
  }
  return slot.get();
}

}  // namespace acmekit::client::challenge
