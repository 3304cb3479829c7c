#include "client/reconfigure.h"

#include <algorithm>
#include <filesystem>
#include <ranges>

#include <spdlog/spdlog.h>

#include "client/dns/providers.h"
#include "client/obtain.h"
#include "client/report_json.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"

namespace acmekit::client {

nlohmann::json ReconfigureResult::to_json() const {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : changed) changes.push_back({{"key", c.key}, {"old", c.old_value}, {"new", c.new_value}});
  return {{"format", kJsonFormat}, {"cert_name", cert_name}, {"renewal_conf", renewal_conf},
          {"changed", changes}, {"saved", !changed.empty()}};
}

Result<LineageSettings> apply_change(LineageSettings s, const SettingsChange& c) {
  if (c.authenticator) s.authenticator = *c.authenticator;
  if (c.preferred_challenges) s.preferred_challenges = *c.preferred_challenges;
  if (c.webroot_path) s.webroot_path = *c.webroot_path;
  if (c.http01_port) s.http01_port = *c.http01_port;
  if (c.http01_address) s.http01_address = *c.http01_address;
  if (c.tls_alpn01_port) s.tls_alpn01_port = *c.tls_alpn01_port;
  if (c.tls_alpn01_address) s.tls_alpn01_address = *c.tls_alpn01_address;
  if (c.manual_auth_hook) s.manual_auth_hook = *c.manual_auth_hook;
  if (c.manual_cleanup_hook) s.manual_cleanup_hook = *c.manual_cleanup_hook;
  if (c.rfc2136_credentials) s.rfc2136_credentials = *c.rfc2136_credentials;
  if (c.dns_credentials) s.dns_credentials = *c.dns_credentials;
  if (c.deploy_hook) s.deploy_hook = *c.deploy_hook;
  if (c.preferred_profile || c.required_profile) {
    s.preferred_profile = c.preferred_profile.value_or("");
    s.required_profile = c.required_profile.value_or("");
  }
  // What from_config would refuse, refused before anything is tried.
  if (s.authenticator == "webroot" && s.webroot_path.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--webroot needs --webroot-path DIR");
  }
  if (s.authenticator == "manual" && s.manual_auth_hook.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--manual needs --manual-auth-hook CMD (acmekit never prompts)");
  }
  if (s.authenticator == "dns-rfc2136" && s.rfc2136_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--dns-rfc2136 needs --dns-rfc2136-credentials FILE");
  }
  if (const auto* provider = dns_api::find_provider(s.authenticator);
      provider && !provider->credentials_optional && s.dns_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--" + s.authenticator + " needs --" + s.authenticator + "-credentials FILE");
  }
  ACMEKIT_CHECK(s.challenge_types());
  return s;
}

Result<ReconfigureResult> reconfigure(const ReconfigureRequest& r) {
  store::LineageStore lineages(r.config_dir);
  ACMEKIT_CHECK(store::LineageStore::check_name(r.cert_name));
  const auto path = lineages.renewal_path(r.cert_name);
  if (!std::filesystem::exists(path)) {
    return make_error(ErrorKind::kNotFound, "no lineage " + r.cert_name + " (" + path.string() + " does not exist)");
  }
  // The bytes the new conf replaces, compared again under the lock.
  ACMEKIT_TRY(const std::string before, store::read_file(path));
  const auto old_conf = store::parse_renewal_config(before);
  auto old_settings = LineageSettings::from_config(old_conf);
  if (!old_settings) return std::unexpected(std::move(old_settings).error().with_context(path.string()));
  if (old_settings->names.empty()) {  // certbot's conf: the names are the certificate's
    ACMEKIT_TRY(const auto loaded, load_lineage_settings(lineages, r.cert_name));
    old_settings->names = loaded.names;
  }
  ACMEKIT_TRY(auto settings, apply_change(*old_settings, r.change));

  ReconfigureResult out{.cert_name = r.cert_name, .renewal_conf = path.string()};
  // The keys to_config writes for each, compared: what the user will see change.
  const auto old_params = old_settings->to_config().params, new_params = settings.to_config().params;
  for (const auto& [k, v] : new_params) {
    auto it = old_params.find(k);
    if (it == old_params.end() || it->second != v) {
      out.changed.push_back({k, it == old_params.end() ? "" : it->second, v});
    }
  }
  for (const auto& [k, v] : old_params) {
    if (!new_params.contains(k)) out.changed.push_back({k, v, ""});
  }
  std::ranges::sort(out.changed, {}, &ReconfigureResult::Changed::key);
  if (out.changed.empty()) {
    spdlog::info("{}: the settings given are the saved ones; nothing to change", r.cert_name);
    return out;
  }

  // certbot's rule: the new settings are tried with a dry-run renewal first
  // (the issuance of certonly --dry-run: nothing installed, no hooks).
  spdlog::info("{}: trying the new settings with a dry-run renewal", r.cert_name);
  AccountOptions account = r.account;
  account.account_id = settings.account;
  auto obtained = obtain_certificate(settings, account, r.config_dir);
  if (!obtained) {
    return std::unexpected(std::move(obtained).error().with_context(
        "the dry run with the new settings failed; " + path.string() + " is unchanged"));
  }
  out.dry_run_serial = obtained->issued.leaf.serial_hex;
  // Keys to_config() does not know (certbot's own, e.g. an installer) stay.
  store::RenewalConfig conf = old_conf;
  for (const auto& k : old_params | std::views::keys) conf.params.erase(k);
  for (const auto& [k, v] : new_params) conf.params[k] = v;
  ACMEKIT_CHECK(lineages.replace_renewal(r.cert_name, before, conf));
  return out;
}

}  // namespace acmekit::client
