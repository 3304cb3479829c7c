#include "client/lineage_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "client/challenge/solver_set.h"
#include "client/dns/providers.h"
#include "client/store/atomic_file.h"
#include "core/crypto/certificate.h"

namespace acmekit::client {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

// "a, b,c," -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string n = text.substr(start, comma - start);
    n.erase(0, n.find_first_not_of(' '));
    n.erase(n.find_last_not_of(' ') + 1);
    if (!n.empty()) out.push_back(n);
    start = comma + 1;
  }
  return out;
}

}  // namespace

Result<std::vector<wire::ChallengeType>> LineageSettings::challenge_types() const {
  using wire::ChallengeType;
  std::vector<ChallengeType> supported;
  if (authenticator == "standalone") supported = {ChallengeType::kHttp01, ChallengeType::kTlsAlpn01};
  else if (authenticator == "webroot") supported = {ChallengeType::kHttp01};
  else if (authenticator == "manual") supported = {ChallengeType::kHttp01, ChallengeType::kDns01};
  else if (authenticator == "dns-rfc2136" || dns_api::find_provider(authenticator)) supported = {ChallengeType::kDns01};
  else if (authenticator == "nginx" || authenticator == "apache") supported = {ChallengeType::kHttp01};
  else return make_error(ErrorKind::kInvalidArgument, "unknown authenticator \"" + authenticator + "\"");
  if (preferred_challenges.empty()) {
    // Binding port 443 is only done when asked for (--preferred-challenges).
    if (authenticator == "standalone") supported.pop_back();
    return supported;
  }
  std::vector<ChallengeType> out;
  for (const auto t : preferred_challenges) {
    if (std::find(supported.begin(), supported.end(), t) != supported.end()) out.push_back(t);
  }
  if (out.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "--" + authenticator + " answers " + challenge::join_types(supported, ", ") +
                          ", none of the preferred challenges " + challenge::join_types(preferred_challenges, ", "));
  }
  return out;
}

void LineageSettings::keep_installer_of(const LineageSettings& saved) {
  if (!installer.empty() || saved.installer.empty()) return;
  installer = saved.installer;
  if (authenticator == installer) return;
  if (installer == "nginx") {
    nginx_server_root = saved.nginx_server_root;
    nginx_ctl = saved.nginx_ctl;
  } else if (installer == "apache") {
    apache_server_root = saved.apache_server_root;
    apache_ctl = saved.apache_ctl;
  }
}

store::RenewalConfig LineageSettings::to_config() const {
  store::RenewalConfig c;
  auto& p = c.params;
  p["server"] = server;
  if (!ca_bundle.empty()) p["ca_bundle"] = ca_bundle;
  p["account"] = account;
  p["domains"] = join(names, ", ");
  p["authenticator"] = authenticator;
  if (authenticator == "standalone") {
    p["http01_port"] = std::to_string(http01_port);
    if (!http01_address.empty()) p["http01_address"] = http01_address;
  }
  if (!preferred_challenges.empty()) {
    p["pref_challs"] = challenge::join_types(preferred_challenges, ",") + ",";  // certbot's form
  }
  if (authenticator == "standalone") {
    auto types = challenge_types();
    if (types && std::find(types->begin(), types->end(), wire::ChallengeType::kTlsAlpn01) != types->end()) {
      p["tls_alpn01_port"] = std::to_string(tls_alpn01_port);
      if (!tls_alpn01_address.empty()) p["tls_alpn01_address"] = tls_alpn01_address;
    }
  }
  if (authenticator == "webroot") {
    p["webroot_path"] = webroot_path;
    if (!webroot_map.empty()) c.subsections["webroot_map"] = webroot_map;
  }
  if (authenticator == "manual") {
    p["manual_auth_hook"] = manual_auth_hook;
    if (!manual_cleanup_hook.empty()) p["manual_cleanup_hook"] = manual_cleanup_hook;
  }
  if (authenticator == "dns-rfc2136") p["dns_rfc2136_credentials"] = rfc2136_credentials;
  if (const auto* provider = dns_api::find_provider(authenticator); provider && !dns_credentials.empty()) {
    p[std::string("dns_") + provider->name + "_credentials"] = dns_credentials;
  }
  if (!installer.empty()) p["installer"] = installer;
  if (authenticator == "nginx" || installer == "nginx") {
    p["nginx_server_root"] = nginx_server_root;
    p["nginx_ctl"] = nginx_ctl;
  }
  if (authenticator == "apache" || installer == "apache") {
    p["apache_server_root"] = apache_server_root;
    p["apache_ctl"] = apache_ctl;
  }
  if (authenticator == "manual" || authenticator == "dns-rfc2136" || dns_api::find_provider(authenticator)) {
    if (dns_propagation_seconds >= 0) p["dns_propagation_seconds"] = std::to_string(dns_propagation_seconds);
    p["dns_propagation_timeout"] = std::to_string(dns_propagation_timeout);
    p["dns_propagation_interval"] = std::to_string(dns_propagation_interval);
    if (!dns_resolvers.empty()) p["dns_resolvers"] = join(dns_resolvers, ",");
  }
  p["key_type"] = key_type;
  if (key_type == "rsa") p["rsa_key_size"] = std::to_string(rsa_key_size);
  else p["elliptic_curve"] = elliptic_curve;
  if (!preferred_chain.empty()) p["preferred_chain"] = preferred_chain;
  if (!preferred_profile.empty()) p["preferred_profile"] = preferred_profile;  // certbot 4's keys
  if (!required_profile.empty()) p["required_profile"] = required_profile;
  if (!deploy_hook.empty()) p["renew_hook"] = deploy_hook;  // certbot's key name
  if (!pre_hook.empty()) p["pre_hook"] = pre_hook;
  if (!post_hook.empty()) p["post_hook"] = post_hook;
  if (reuse_key) p["reuse_key"] = "True";                   // certbot writes Python's booleans
  if (!autorenew) p["autorenew"] = "False";
  return c;
}

Result<LineageSettings> LineageSettings::from_config(const store::RenewalConfig& config) {
  const auto& p = config.params;
  auto get = [&](const char* k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  auto get_int = [&](const char* k, int fallback) -> Result<int> {
    std::string v = get(k);
    if (v.empty()) return fallback;
    int out = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size()) {
      return make_error(ErrorKind::kInvalidArgument, std::string("renewal config: ") + k + " is not a number");
    }
    return out;
  };
  // configobj's as_bool: certbot writes True/False.
  auto get_bool = [&](const char* k, bool fallback) -> Result<bool> {
    std::string v = get(k);
    std::ranges::transform(v, v.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (v.empty()) return fallback;
    if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
    if (v == "false" || v == "no" || v == "off" || v == "0") return false;
    return make_error(ErrorKind::kInvalidArgument, std::string("renewal config: ") + k + " is not True or False");
  };
  LineageSettings s;
  s.server = get("server");
  if (s.server.empty()) return make_error(ErrorKind::kInvalidArgument, "renewal config has no server");
  s.ca_bundle = get("ca_bundle");
  s.account = get("account");
  s.names = split_list(get("domains"));
  s.authenticator = get("authenticator");
  if (s.authenticator != "standalone" && s.authenticator != "webroot" && s.authenticator != "manual" &&
      s.authenticator != "dns-rfc2136" && s.authenticator != "nginx" && s.authenticator != "apache" &&
      dns_api::find_provider(s.authenticator) == nullptr) {
    return make_error(ErrorKind::kInvalidArgument,
                      "renewal config: unsupported authenticator \"" + s.authenticator + "\"");
  }
  auto prefs = challenge::parse_preferred_challenges(get("pref_challs"));
  if (!prefs) return std::unexpected(std::move(prefs).error().with_context("renewal config: pref_challs"));
  s.preferred_challenges = std::move(*prefs);
  ACMEKIT_TRY(s.http01_port, get_int("http01_port", 80));
  s.http01_address = get("http01_address");
  ACMEKIT_TRY(s.tls_alpn01_port, get_int("tls_alpn01_port", 443));
  s.tls_alpn01_address = get("tls_alpn01_address");
  // certbot writes a list ("/var/www/html," or "/a, /b,") and the names'
  // roots in [[webroot_map]].
  if (auto roots = split_list(get("webroot_path")); !roots.empty()) s.webroot_path = roots.front();
  if (auto it = config.subsections.find("webroot_map"); it != config.subsections.end()) {
    s.webroot_map = it->second;
    if (s.webroot_path.empty() && !s.webroot_map.empty()) s.webroot_path = s.webroot_map.begin()->second;
  }
  s.manual_auth_hook = get("manual_auth_hook");
  s.manual_cleanup_hook = get("manual_cleanup_hook");
  s.rfc2136_credentials = get("dns_rfc2136_credentials");
  const auto* provider = dns_api::find_provider(s.authenticator);
  if (provider) s.dns_credentials = get((std::string("dns_") + provider->name + "_credentials").c_str());
  s.installer = get("installer");
  if (s.installer == "None") s.installer.clear();  // certbot writes installer = None
  if (!s.installer.empty() && s.installer != "nginx" && s.installer != "apache") {
    return make_error(ErrorKind::kInvalidArgument, "renewal config: unsupported installer \"" + s.installer + "\"");
  }
  if (auto v = get("nginx_server_root"); !v.empty()) s.nginx_server_root = v;
  if (auto v = get("nginx_ctl"); !v.empty()) s.nginx_ctl = v;
  if (auto v = get("apache_server_root"); !v.empty()) s.apache_server_root = v;
  if (auto v = get("apache_ctl"); !v.empty()) s.apache_ctl = v;
  // certbot's dns_rfc2136_propagation_seconds counts too (a fixed wait).
  ACMEKIT_TRY(s.dns_propagation_seconds, get_int("dns_rfc2136_propagation_seconds", -1));
  if (provider) {
    // certbot's dns_NAME_propagation_seconds of that plugin.
    const std::string key = std::string("dns_") + provider->name + "_propagation_seconds";
    ACMEKIT_TRY(s.dns_propagation_seconds, get_int(key.c_str(), s.dns_propagation_seconds));
  }
  ACMEKIT_TRY(s.dns_propagation_seconds, get_int("dns_propagation_seconds", s.dns_propagation_seconds));
  ACMEKIT_TRY(s.dns_propagation_timeout, get_int("dns_propagation_timeout", 120));
  ACMEKIT_TRY(s.dns_propagation_interval, get_int("dns_propagation_interval", 2));
  s.dns_resolvers = split_list(get("dns_resolvers"));
  if (s.authenticator == "manual" && s.manual_auth_hook.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "renewal config: manual authenticator without manual_auth_hook");
  }
  if (s.authenticator == "dns-rfc2136" && s.rfc2136_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "renewal config: dns-rfc2136 without dns_rfc2136_credentials");
  }
  if (provider && !provider->credentials_optional && s.dns_credentials.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "renewal config: " + s.authenticator + " without dns_" +
                                                       provider->name + "_credentials");
  }
  if (auto kt = get("key_type"); !kt.empty()) s.key_type = kt;
  if (auto ec = get("elliptic_curve"); !ec.empty()) s.elliptic_curve = ec;
  ACMEKIT_TRY(s.rsa_key_size, get_int("rsa_key_size", 2048));
  s.preferred_chain = get("preferred_chain");
  s.preferred_profile = get("preferred_profile");
  s.required_profile = get("required_profile");
  s.deploy_hook = get("renew_hook");
  s.pre_hook = get("pre_hook");
  s.post_hook = get("post_hook");
  ACMEKIT_TRY(s.reuse_key, get_bool("reuse_key", false));
  ACMEKIT_TRY(s.autorenew, get_bool("autorenew", true));
  return s;
}

Result<LineageSettings> load_lineage_settings(const store::LineageStore& lineages, const std::string& name) {
  ACMEKIT_TRY(auto config, lineages.read_renewal(name));
  ACMEKIT_TRY(auto settings, LineageSettings::from_config(config));
  if (!settings.names.empty()) return settings;
  // certbot reads the names from the certificate: so do we (the leaf's SANs,
  // its common name first, as certbot's lineage.names() orders them).
  const auto cert = lineages.live_paths(name).cert;
  ACMEKIT_TRY(auto pem, store::read_file(cert));
  auto chain = crypto::parse_pem_chain(pem);
  if (!chain) return std::unexpected(std::move(chain).error().with_context(cert.string()));
  const auto& leaf = chain->front();
  settings.names = leaf.dns_names;
  settings.names.insert(settings.names.end(), leaf.ip_addresses.begin(), leaf.ip_addresses.end());
  if (auto cn = std::ranges::find(settings.names, leaf.subject_cn); cn != settings.names.end()) {
    std::rotate(settings.names.begin(), cn, cn + 1);
  }
  if (settings.names.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "renewal config has no domains and " + cert.string() + " names none");
  }
  return settings;
}

}  // namespace acmekit::client
