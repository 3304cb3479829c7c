// acmekit certonly: obtain a certificate and install it as a lineage.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "cli/acmekit/renew_pass.h"
#include "client/challenge/solver_set.h"
#include "client/obtain.h"
#include "client/renewal/due.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "client/store/revocations.h"
#include "core/crypto/csr.h"
#include "core/wire/json.h"
#include "core/wire/renewal_info.h"

namespace acmekit::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The one authenticator the flags name (--standalone, ..., or -a NAME).
Result<std::string> authenticator(const CertonlyOptions& o) {
  std::vector<std::string> named;
  if (o.standalone) named.push_back("standalone");
  if (o.webroot) named.push_back("webroot");
  if (o.manual) named.push_back("manual");
  if (o.dns_rfc2136) named.push_back("dns-rfc2136");
  if (!o.authenticator.empty() && std::find(named.begin(), named.end(), o.authenticator) == named.end()) {
    named.push_back(o.authenticator);
  }
  if (named.size() != 1) {
    return make_error(ErrorKind::kInvalidArgument,
                      "choose one authenticator: --standalone, --webroot, --manual or --dns-rfc2136");
  }
  return named.front();
}

std::string absolute_or_empty(const std::string& path) {
  return path.empty() ? "" : fs::absolute(path).string();
}

Result<json> run(const GlobalOptions& g, const CertonlyOptions& o) {
  ACMEKIT_TRY(auto auth, authenticator(o));
  ACMEKIT_TRY(auto preferred, client::challenge::parse_preferred_challenges(o.preferred_challenges));
  client::LineageSettings settings{
      .server = resolve_server(g.server, g.staging),
      .ca_bundle = absolute_or_empty(g.ca_bundle),
      .names = o.domains,
      .authenticator = auth,
      .preferred_challenges = preferred,
      .http01_port = o.http01_port,
      .http01_address = o.http01_address,
      .tls_alpn01_port = o.tls_alpn01_port,
      .tls_alpn01_address = o.tls_alpn01_address,
      .webroot_path = absolute_or_empty(o.webroot_path),
      .manual_auth_hook = o.manual_auth_hook,
      .manual_cleanup_hook = o.manual_cleanup_hook,
      .rfc2136_credentials = absolute_or_empty(o.rfc2136_credentials),
      .dns_propagation_seconds = o.dns_propagation_seconds,
      .dns_propagation_timeout = o.dns_propagation_timeout,
      .dns_propagation_interval = o.dns_propagation_interval,
      .dns_resolvers = o.dns_resolvers,
      .key_type = o.key_type,
      .elliptic_curve = o.elliptic_curve,
      .rsa_key_size = o.rsa_key_size,
      .preferred_chain = o.preferred_chain,
      .deploy_hook = o.deploy_hook};
  if (auth == "manual" && o.manual_auth_hook.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--manual needs --manual-auth-hook CMD (acmekit never prompts)");
  }
  if (auth == "dns-rfc2136" && o.rfc2136_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--dns-rfc2136 needs --dns-rfc2136-credentials FILE");
  }
  ACMEKIT_CHECK(settings.challenge_types());

  // What to certify: -d names, or the names of --csr.
  std::optional<std::string> csr_der;
  if (!o.csr.empty()) {
    ACMEKIT_TRY(auto csr_text, client::store::read_file(o.csr));
    auto csr = crypto::parse_csr(csr_text);
    if (!csr) return std::unexpected(std::move(csr).error().with_context("--csr " + o.csr));
    settings.names = csr->dns_names;
    settings.names.insert(settings.names.end(), csr->ip_addresses.begin(), csr->ip_addresses.end());
    if (settings.names.empty() && !csr->common_name.empty()) settings.names.push_back(csr->common_name);
    csr_der = csr->der;
  }
  if (settings.names.empty()) return make_error(ErrorKind::kInvalidArgument, "no names given: use -d NAME");
  // The first name, "*." dropped as certbot does: live/example.com/ for
  // -d '*.example.com'.
  std::string cert_name = o.cert_name.empty() ? settings.names.front() : o.cert_name;
  if (o.cert_name.empty() && cert_name.starts_with("*.")) cert_name.erase(0, 2);
  if (!csr_der) ACMEKIT_CHECK(client::store::LineageStore::check_name(cert_name));

  // The lineage's live certificate, when there is one: certbot's rule, which
  // cron jobs rely on, is that a lineage that already covers exactly these
  // names and is not due stays as it is (no order, no rate limit spent)
  // unless --force-renewal; otherwise the new order replaces it.
  std::string replaces;
  client::store::LineageStore lineages(g.config_dir);
  auto pem = csr_der ? Result<std::string>() : client::store::read_file(lineages.live_paths(cert_name).cert);
  auto certs = pem ? crypto::parse_pem_chain(*pem) : Result<std::vector<crypto::CertificateInfo>>();
  if (pem && certs && !certs->empty()) {
    const auto& leaf = certs->front();
    std::set<std::string> have(leaf.dns_names.begin(), leaf.dns_names.end());
    have.insert(leaf.ip_addresses.begin(), leaf.ip_addresses.end());
    std::set<std::string> want;
    for (const auto& n : settings.names) want.insert(wire::identifier_for(n).value);
    // RFC 9773 §5: a clear predecessor from the same CA, sharing a name.
    auto conf = lineages.read_renewal(cert_name);
    const bool same_ca = conf && conf->params.contains("server") && conf->params.at("server") == settings.server;
    const bool shares_name = std::ranges::any_of(want, [&](const std::string& n) { return have.contains(n); });
    if (same_ca && shares_name) {
      if (auto id = wire::ari_certificate_id(leaf)) replaces = *id;
    }
    if (!o.force_renewal) {
      // A certificate we revoked (RFC 8555 §7.6) is due however young it is.
      ACMEKIT_TRY(const bool revoked, client::store::is_revoked(lineages, cert_name, leaf.der));
      auto due = client::renewal::renewal_due(
          leaf.not_before, leaf.not_after, now_for_due(), nullptr,
          revoked ? client::renewal::Revocation::kRevoked : client::renewal::Revocation::kNotKnown);
      if (revoked) spdlog::info("{}: {}; obtaining a new one", cert_name, due.reason);
      if (have == want && !due.due) {
        spdlog::info("{}: certificate not yet due for renewal ({}); no action taken", cert_name, due.reason);
        return json{{"status", "unchanged"},
                    {"cert_name", cert_name},
                    {"names", settings.names},
                    {"serial", leaf.serial_hex},
                    {"issuer", leaf.issuer_cn},
                    {"not_after", iso8601(leaf.not_after)},
                    {"paths", paths_json(lineages.live_paths(cert_name))}};
      }
    }
  }

  // certbot asks for an address; without a terminal it refuses. So do we.
  client::store::AccountStore accounts(g.config_dir);
  ACMEKIT_TRY(auto existing, accounts.list(settings.server));
  if (existing.empty() && g.email.empty() && !g.register_unsafely_without_email) {
    return make_error(ErrorKind::kInvalidArgument,
                      "a new account needs --email ADDR or --register-unsafely-without-email");
  }
  client::AccountOptions account_opts{.agree_tos = g.agree_tos, .eab_kid = g.eab_kid,
                                      .eab_hmac_key = g.eab_hmac_key};
  if (!g.email.empty()) account_opts.email = g.email;

  ACMEKIT_TRY(auto obtained,
              client::obtain_certificate(settings, account_opts, g.config_dir, csr_der, nullptr, replaces));
  const auto& issued = obtained.issued;
  settings.account = obtained.account.id;

  json out{{"status", "issued"},
           {"names", settings.names},
           {"serial", issued.leaf.serial_hex},
           {"issuer", issued.leaf.issuer_cn},
           {"not_after", iso8601(issued.leaf.not_after)},
           {"account_url", obtained.account.url}};

  // Install: a lineage, or with --csr the three files asked for.
  if (csr_der) {
    ACMEKIT_CHECK(client::store::write_file_atomic(o.cert_path, issued.cert_pem));
    ACMEKIT_CHECK(client::store::write_file_atomic(o.chain_path, issued.chain_pem));
    ACMEKIT_CHECK(client::store::write_file_atomic(o.fullchain_path, issued.fullchain_pem));
    out["cert_name"] = nullptr;
    out["paths"] = {{"cert", fs::absolute(o.cert_path).string()},
                    {"chain", fs::absolute(o.chain_path).string()},
                    {"fullchain", fs::absolute(o.fullchain_path).string()},
                    {"privkey", nullptr}};
    return out;
  }
  ACMEKIT_TRY(auto paths, lineages.install(cert_name,
                                           issued.lineage_files(),
                                           settings.to_config()));
  out["cert_name"] = cert_name;
  out["paths"] = paths_json(paths);
  return out;
}

}  // namespace

int cmd_certonly(const GlobalOptions& global, const CertonlyOptions& options) {
  auto result = run(global, options);
  if (!result) return report_error(result.error());
  const json& r = *result;
  if (global.json) {
    std::cout << r.dump(2) << std::endl;
    return kExitOk;
  }
  if (!global.quiet && r["status"] == "unchanged") {
    std::cout << "Certificate not yet due for renewal; no action taken (--force-renewal to renew now).\n"
              << "Certificate is saved at: " << r["paths"]["fullchain"].get<std::string>() << std::endl;
    return kExitOk;
  }
  if (!global.quiet) {
    std::cout << "Successfully received certificate.\n"
              << "Names:              ";
    for (size_t i = 0; i < r["names"].size(); ++i) std::cout << (i ? ", " : "") << r["names"][i].get<std::string>();
    std::cout << "\nIssuer:             " << r["issuer"].get<std::string>()
              << "\nSerial:             " << r["serial"].get<std::string>()
              << "\nExpires:            " << r["not_after"].get<std::string>() << "\n";
    if (!r["paths"]["privkey"].is_null()) {
      std::cout << "Key is saved at:    " << r["paths"]["privkey"].get<std::string>() << "\n";
    }
    std::cout << "Certificate is saved at: " << r["paths"]["fullchain"].get<std::string>() << std::endl;
  }
  return kExitOk;
}

}  // namespace acmekit::cli
