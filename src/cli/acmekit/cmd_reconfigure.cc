// acmekit reconfigure: the flags given -> client::SettingsChange ->
// client::reconfigure, rendered.
#include <filesystem>
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/challenge/solver_set.h"
#include "client/known_servers.h"
#include "client/reconfigure.h"
#include "client/store/lineages.h"

namespace acmekit::cli {
namespace fs = std::filesystem;

namespace {

Result<client::ReconfigureResult> run(const GlobalOptions& g, const ReconfigureOptions& r,
                                      const std::set<std::string>& given) {
  const CertonlyOptions& o = r.settings;
  auto has = [&](const std::string& flag) { return given.contains(flag); };
  // certbot's reconfigure changes how a lineage renews, not what it is.
  if (!o.domains.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "reconfigure does not change a certificate's names; use certonly --cert-name " + o.cert_name +
                          " -d ... (add --force-renewal to replace it now)");
  }
  if (g.server_given || g.staging) {
    // The lineage keeps its CA; --server only has to name the saved one.
    auto conf = client::store::LineageStore(g.config_dir).read_renewal(o.cert_name);
    const std::string wanted = client::resolve_server(g.server, g.staging);
    if (!conf || !conf->params.contains("server") || conf->params.at("server") != wanted) {
      return make_error(ErrorKind::kInvalidArgument,
                        "reconfigure does not move a lineage to another CA (--server " + wanted +
                            "); use certonly --cert-name " + o.cert_name + " --server ...");
    }
  }
  client::SettingsChange c;
  int authenticators = (o.standalone ? 1 : 0) + (o.webroot ? 1 : 0) + (o.manual ? 1 : 0) + (o.dns_rfc2136 ? 1 : 0);
  for (const auto& [name, p] : o.dns_providers) {
    if (p.enabled) {
      ++authenticators;
      c.authenticator = "dns-" + name;
    }
    if (has("--dns-" + name + "-credentials")) c.dns_credentials = fs::absolute(p.credentials).string();
  }
  if (authenticators + (has("--authenticator") ? 1 : 0) > 1) {
    return make_error(ErrorKind::kInvalidArgument,
                      "choose one authenticator: --standalone, --webroot, --manual, --dns-rfc2136 or --dns-NAME");
  }
  if (o.standalone) c.authenticator = "standalone";
  if (o.webroot) c.authenticator = "webroot";
  if (o.manual) c.authenticator = "manual";
  if (o.dns_rfc2136) c.authenticator = "dns-rfc2136";
  if (has("--authenticator")) c.authenticator = o.authenticator;
  if (has("--preferred-challenges")) {
    ACMEKIT_TRY(c.preferred_challenges, client::challenge::parse_preferred_challenges(o.preferred_challenges));
  }
  if (has("--webroot-path")) c.webroot_path = fs::absolute(o.webroot_path).string();
  if (has("--http-01-port")) c.http01_port = o.http01_port;
  if (has("--http-01-address")) c.http01_address = o.http01_address;
  if (has("--tls-alpn-01-port")) c.tls_alpn01_port = o.tls_alpn01_port;
  if (has("--tls-alpn-01-address")) c.tls_alpn01_address = o.tls_alpn01_address;
  if (has("--manual-auth-hook")) c.manual_auth_hook = o.manual_auth_hook;
  if (has("--manual-cleanup-hook")) c.manual_cleanup_hook = o.manual_cleanup_hook;
  if (has("--dns-rfc2136-credentials")) c.rfc2136_credentials = fs::absolute(o.rfc2136_credentials).string();
  if (has("--deploy-hook")) c.deploy_hook = o.deploy_hook;
  if (has("--preferred-profile")) c.preferred_profile = o.preferred_profile;
  if (has("--required-profile")) c.required_profile = o.required_profile;

  client::ReconfigureRequest request{.config_dir = g.config_dir, .cert_name = o.cert_name, .change = std::move(c),
                                     .account = {.agree_tos = g.agree_tos,
                                                 .eab_kid = g.eab_kid,
                                                 .eab_hmac_key = g.eab_hmac_key}};
  if (!g.email.empty()) request.account.email = g.email;
  return client::reconfigure(request);
}

}  // namespace

int cmd_reconfigure(const GlobalOptions& global, const ReconfigureOptions& options,
                    const std::set<std::string>& given) {
  auto result = run(global, options, given);
  if (!result) return report_error(result.error());
  const auto& r = *result;
  if (global.json) {
    std::cout << r.to_json().dump(2) << std::endl;
    return kExitOk;
  }
  if (global.quiet) return kExitOk;
  if (r.changed.empty()) {
    std::cout << "No settings of " << r.cert_name << " changed; " << r.renewal_conf << " left as it was." << std::endl;
    return kExitOk;
  }
  std::cout << "The dry run with the new settings was successful.\n"
            << "Changed renewal settings of " << r.cert_name << " (" << r.renewal_conf << "):\n";
  for (const auto& c : r.changed) {
    std::cout << "  " << c.key << ": " << (c.old_value.empty() ? "(none)" : c.old_value) << " -> "
              << (c.new_value.empty() ? "(none)" : c.new_value) << "\n";
  }
  std::cout.flush();
  return kExitOk;
}

}  // namespace acmekit::cli
