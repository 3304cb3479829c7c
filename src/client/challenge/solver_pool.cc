#include "client/challenge/solver_pool.h"

#include <algorithm>
#include <filesystem>

#include "client/challenge/dns_propagation.h"
#include "client/challenge/dns_provider.h"
#include "client/challenge/http01_standalone.h"
#include "client/challenge/manual_hooks.h"
#include "client/challenge/tls_alpn01_standalone.h"
#include "client/challenge/web_server_http01.h"
#include "client/challenge/webroot.h"
#include "client/dns/providers.h"
#include "client/dns/rfc2136.h"
#include "client/install/web_server_factory.h"

namespace acmekit::client::challenge {
namespace fs = std::filesystem;

Result<Solver*> SolverPool::standalone(ChallengeType type, const std::string& address, int port) {
  const char* flag = type == ChallengeType::kHttp01 ? "--http-01-port" : "--tls-alpn-01-port";
  if (port < 1 || port > 65535) return make_error(ErrorKind::kInvalidArgument, std::string(flag) + " must be 1..65535");
  const std::string key = std::string(wire::to_string(type)) + " " + address + ":" + std::to_string(port);
  std::lock_guard lock(mu_);
  auto& slot = standalone_[key];
  if (!slot) {
    if (type == ChallengeType::kHttp01) {
      ACMEKIT_TRY(slot, Http01Standalone::start(address, static_cast<uint16_t>(port)));
    } else {
      ACMEKIT_TRY(slot, TlsAlpn01Standalone::start(address, static_cast<uint16_t>(port)));
    }
  }
  return slot.get();
}

install::WebServerSettings web_server_settings(const LineageSettings& s) {
  return {.nginx_server_root = s.nginx_server_root,
          .nginx_ctl = s.nginx_ctl,
          .apache_server_root = s.apache_server_root,
          .apache_ctl = s.apache_ctl};
}

Result<SolverSet> SolverPool::solvers_for(const LineageSettings& s) {
  ACMEKIT_TRY(const auto types, s.challenge_types());
  SolverSet set;
  for (const auto& type : types) {
    if (s.authenticator == "standalone") {
      const bool http = type == ChallengeType::kHttp01;
      ACMEKIT_TRY(Solver * server, standalone(type, http ? s.http01_address : s.tls_alpn01_address,
                                              http ? s.http01_port : s.tls_alpn01_port));
      set.add(*server);
    } else if (s.authenticator == "webroot") {
      if (s.webroot_path.empty()) return make_error(ErrorKind::kInvalidArgument, "--webroot needs -w DIR");
      if (!fs::is_directory(s.webroot_path)) {
        return make_error(ErrorKind::kInvalidArgument, "webroot " + s.webroot_path + " is not a directory");
      }
      if (std::ranges::any_of(s.webroot_map, [&](const auto& e) { return e.second != s.webroot_path; })) {
        for (const auto& [name, root] : s.webroot_map) {
          if (!fs::is_directory(root)) {
            return make_error(ErrorKind::kInvalidArgument, "webroot_map: " + name + " = " + root + " is not a directory");
          }
        }
        set.add(std::make_unique<WebrootMapSolver>(s.webroot_map, s.webroot_path));
      } else {
        set.add(std::make_unique<WebrootSolver>(s.webroot_path));
      }
    } else if (s.authenticator == "manual") {
      if (s.manual_auth_hook.empty()) {
        return make_error(ErrorKind::kInvalidArgument,
                          "--manual needs --manual-auth-hook CMD (acmekit never prompts)");
      }
      set.add(std::make_unique<ManualHookSolver>(type, s.manual_auth_hook, s.manual_cleanup_hook));
    } else if (s.authenticator == "dns-rfc2136") {
      ACMEKIT_TRY(auto provider, dns_api::make_rfc2136(s.rfc2136_credentials));
      set.add(std::make_unique<DnsProviderSolver>(std::move(provider), s.dns_resolvers));
    } else if (dns_api::find_provider(s.authenticator)) {
      ACMEKIT_TRY(auto provider, dns_api::make_provider(s.authenticator, s.dns_credentials, s.ca_bundle));
      set.add(std::make_unique<DnsProviderSolver>(std::move(provider), s.dns_resolvers));
    } else if (auto kind = install::parse_web_server_kind(s.authenticator)) {
      ACMEKIT_TRY(std::shared_ptr<install::WebServer> server, install::make_web_server(*kind, web_server_settings(s)));
      const fs::path backups = config_dir_.empty() ? fs::path() : fs::path(config_dir_) / "backups" / s.authenticator;
      set.add(std::make_unique<WebServerHttp01Solver>(std::move(server), backups));
    }
  }
  if (std::find(types.begin(), types.end(), ChallengeType::kDns01) != types.end()) {
    set.set_propagation_wait(std::make_unique<DnsPropagationWait>(DnsPropagationOptions{
        .fixed_seconds = s.dns_propagation_seconds,
        .timeout_seconds = s.dns_propagation_timeout,
        .interval_seconds = s.dns_propagation_interval,
        .resolvers = s.dns_resolvers}));
  }
  return set;
}

}  // namespace acmekit::client::challenge
