#include "client/challenge/rfc2136.h"

#include <spdlog/spdlog.h>

#include "core/dns/credentials.h"

namespace acmekit::client::challenge {
namespace {

// The DNS server is not the CA: its refusals and timeouts end the run with
// exit status 1 (failure), not 4 (the CA could not be reached).
Status not_the_ca(Status st) {
  if (!st && (st.error().kind == ErrorKind::kNetwork || st.error().kind == ErrorKind::kTimeout)) {
    st.error().kind = ErrorKind::kIo;
  }
  return st;
}

}  // namespace

Result<std::unique_ptr<Rfc2136Solver>> Rfc2136Solver::from_credentials(const std::string& path) {
  ACMEKIT_TRY(auto credentials, dns::load_rfc2136_credentials(path));
  if (credentials.insecure_permissions) {
    spdlog::warn("{} can be read by other users; it holds a TSIG secret (chmod 600 it)", path);
  }
  return std::make_unique<Rfc2136Solver>(dns::update_server(credentials));
}

Rfc2136Solver::Rfc2136Solver(dns::UpdateServer server) : updater_(std::move(server), clock_) {}

std::string Rfc2136Solver::type() const { return kDns01; }

Result<std::string> Rfc2136Solver::zone_of(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = zones_.find(name); it != zones_.end()) return it->second;
  }
  ACMEKIT_TRY(std::string zone, updater_.find_zone(name));
  std::lock_guard lock(mu_);
  zones_[name] = zone;
  return zone;
}

Status Rfc2136Solver::present(const Task& task) {
  auto zone_r = zone_of(task.dns_name);
  if (!zone_r) return not_the_ca(std::unexpected(std::move(zone_r).error()));
  const std::string& zone = *zone_r;
  spdlog::info("{}: adding TXT at {} in zone {} through {}", task.identifier, task.dns_name, zone,
               updater_.server().endpoint.label());
  return not_the_ca(updater_.add_txt(zone, task.dns_name, task.dns_value));
}

Status Rfc2136Solver::cleanup(const Task& task) {
  auto zone = zone_of(task.dns_name);
  if (!zone) return not_the_ca(std::unexpected(std::move(zone).error()));
  return not_the_ca(updater_.delete_txt(*zone, task.dns_name, task.dns_value));
}

}  // namespace acmekit::client::challenge
