// acmekit certonly: flags -> the lineage's settings -> client::certonly,
// rendered.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/certonly.h"
#include "client/challenge/solver_set.h"
#include "client/dns/providers.h"
#include "client/known_servers.h"
#include "client/report_json.h"

namespace acmekit::cli {
namespace fs = std::filesystem;

namespace {

// The one authenticator the flags name (--standalone, ..., or -a NAME).
Result<std::string> authenticator(const CertonlyOptions& o) {
  std::vector<std::string> named;
  if (o.standalone) named.push_back("standalone");
  if (o.webroot) named.push_back("webroot");
  if (o.manual) named.push_back("manual");
  if (o.dns_rfc2136) named.push_back("dns-rfc2136");
  for (const auto& [name, p] : o.dns_providers) {
    if (p.enabled) named.push_back("dns-" + name);
  }
  if (o.nginx) named.push_back("nginx");
  if (o.apache) named.push_back("apache");
  if (!o.authenticator.empty() && std::find(named.begin(), named.end(), o.authenticator) == named.end()) {
    named.push_back(o.authenticator);
  }
  if (named.size() != 1) {
    return make_error(ErrorKind::kInvalidArgument,
                      "choose one authenticator: --standalone, --webroot, --manual, --dns-rfc2136, --dns-NAME, "
                      "--nginx or --apache");
  }
  return named.front();
}

// certbot's --dry-run goes to Let's Encrypt's staging server instead of its
// production one; any other CA is asked itself.
std::string server_for(const GlobalOptions& g, const CertonlyOptions& o) {
  std::string server = client::resolve_server(g.server, g.staging);
  if (o.dry_run && server == client::resolve_server("letsencrypt", false)) {
    server = client::resolve_server("letsencrypt", true);
  }
  return server;
}

std::string absolute_or_empty(const std::string& path) {
  return path.empty() ? "" : fs::absolute(path).string();
}

}  // namespace

Result<client::CertonlyResult> run_certonly(const GlobalOptions& g, const CertonlyOptions& o,
                                            const std::string& installer) {
  ACMEKIT_TRY(auto auth, authenticator(o));
  ACMEKIT_TRY(auto preferred, client::challenge::parse_preferred_challenges(o.preferred_challenges));
  std::string dns_credentials;  // dns-NAME's --dns-NAME-credentials
  int propagation_seconds = o.dns_propagation_seconds;
  if (auth.starts_with("dns-")) {
    if (auto it = o.dns_providers.find(auth.substr(4)); it != o.dns_providers.end()) {
      dns_credentials = absolute_or_empty(it->second.credentials);
      if (it->second.propagation_seconds >= 0) propagation_seconds = it->second.propagation_seconds;
      const auto* provider = client::dns_api::find_provider(auth);
      if (dns_credentials.empty() && !(provider && provider->credentials_optional)) {
        return make_error(ErrorKind::kInvalidArgument, "--" + auth + " needs --" + auth + "-credentials FILE");
      }
    }
  }
  client::LineageSettings settings{
      .server = server_for(g, o),
      .ca_bundle = absolute_or_empty(g.ca_bundle),
      .names = o.domains,
      .authenticator = auth,
      .installer = installer,
      .nginx_server_root = absolute_or_empty(o.nginx_server_root),
      .nginx_ctl = o.nginx_ctl,
      .apache_server_root = absolute_or_empty(o.apache_server_root),
      .apache_ctl = o.apache_ctl,
      .preferred_challenges = preferred,
      .http01_port = o.http01_port,
      .http01_address = o.http01_address,
      .tls_alpn01_port = o.tls_alpn01_port,
      .tls_alpn01_address = o.tls_alpn01_address,
      .webroot_path = absolute_or_empty(o.webroot_path),
      .manual_auth_hook = o.manual_auth_hook,
      .manual_cleanup_hook = o.manual_cleanup_hook,
      .rfc2136_credentials = absolute_or_empty(o.rfc2136_credentials),
      .dns_credentials = dns_credentials,
      .dns_propagation_seconds = propagation_seconds,
      .dns_propagation_timeout = o.dns_propagation_timeout,
      .dns_propagation_interval = o.dns_propagation_interval,
      .dns_resolvers = o.dns_resolvers,
      .key_type = o.key_type,
      .elliptic_curve = o.elliptic_curve,
      .rsa_key_size = o.rsa_key_size,
      .preferred_chain = o.preferred_chain,
      .preferred_profile = o.preferred_profile,
      .required_profile = o.required_profile,
      .deploy_hook = o.deploy_hook,
      .reuse_key = o.reuse_key,
      .autorenew = !o.no_autorenew};
  if (auth == "manual" && o.manual_auth_hook.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--manual needs --manual-auth-hook CMD (acmekit never prompts)");
  }
  if (auth == "dns-rfc2136" && o.rfc2136_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--dns-rfc2136 needs --dns-rfc2136-credentials FILE");
  }
  ACMEKIT_CHECK(settings.challenge_types());

  client::CertonlyRequest request{.config_dir = g.config_dir,
                                  .settings = std::move(settings),
                                  .cert_name = o.cert_name,
                                  .force_renewal = o.force_renewal,
                                  .csr_path = o.csr,
                                  .cert_path = o.cert_path,
                                  .chain_path = o.chain_path,
                                  .fullchain_path = o.fullchain_path,
                                  .account = {.agree_tos = g.agree_tos,
                                              .eab_kid = g.eab_kid,
                                              .eab_hmac_key = g.eab_hmac_key},
                                  .register_unsafely_without_email = g.register_unsafely_without_email,
                                  .expand = o.expand,
                                  .new_key = o.new_key,
                                  .dry_run = o.dry_run};
  if (!g.email.empty()) request.account.email = g.email;
  return client::certonly(request, cli_clock());
}

int cmd_certonly(const GlobalOptions& global, const CertonlyOptions& options) {
  auto result = run_certonly(global, options, "");
  if (!result) return report_error(result.error());
  const auto& r = *result;
  if (global.json) {
    std::cout << r.to_json().dump(2) << std::endl;
    return kExitOk;
  }
  if (global.quiet) return kExitOk;
  render_certonly(r);
  return kExitOk;
}

void render_certonly(const client::CertonlyResult& r) {
  if (r.outcome == client::CertonlyResult::Outcome::kDryRun) {
    std::cout << "The dry run was successful.\n"
              << "Names:              ";
    for (size_t i = 0; i < r.names.size(); ++i) std::cout << (i ? ", " : "") << r.names[i];
    std::cout << "\nNothing was saved." << std::endl;
    return;
  }
  if (r.outcome == client::CertonlyResult::Outcome::kUnchanged) {
    std::cout << "Certificate not yet due for renewal; no action taken (--force-renewal to renew now).\n"
              << "Certificate is saved at: " << r.fullchain << std::endl;
    return;
  }
  std::cout << "Successfully received certificate.\n"
            << "Names:              ";
  for (size_t i = 0; i < r.names.size(); ++i) std::cout << (i ? ", " : "") << r.names[i];
  std::cout << "\nIssuer:             " << r.issuer << "\nSerial:             " << r.serial
            << "\nExpires:            " << client::iso8601(r.not_after) << "\n";
  if (!r.profile.empty()) std::cout << "Profile:            " << r.profile << "\n";
  if (r.privkey) std::cout << "Key is saved at:    " << *r.privkey << "\n";
  std::cout << "Certificate is saved at: " << r.fullchain << std::endl;
}

}  // namespace acmekit::cli
