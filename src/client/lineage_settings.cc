#include "client/lineage_settings.h"

#include <charconv>

namespace acmekit::client {

store::RenewalConfig LineageSettings::to_config() const {
  store::RenewalConfig c;
  auto& p = c.params;
  p["server"] = server;
  if (!ca_bundle.empty()) p["ca_bundle"] = ca_bundle;
  p["account"] = account;
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ", ") + n;
  p["domains"] = joined;
  p["authenticator"] = authenticator;
  if (authenticator == "standalone") {
    p["http01_port"] = std::to_string(http01_port);
    if (!http01_address.empty()) p["http01_address"] = http01_address;
  }
  if (authenticator == "webroot") p["webroot_path"] = webroot_path;
  p["key_type"] = key_type;
  if (key_type == "rsa") p["rsa_key_size"] = std::to_string(rsa_key_size);
  else p["elliptic_curve"] = elliptic_curve;
  if (!preferred_chain.empty()) p["preferred_chain"] = preferred_chain;
  if (!deploy_hook.empty()) p["renew_hook"] = deploy_hook;  // certbot's key name
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
  LineageSettings s;
  s.server = get("server");
  if (s.server.empty()) return make_error(ErrorKind::kInvalidArgument, "renewal config has no server");
  s.ca_bundle = get("ca_bundle");
  s.account = get("account");
  std::string domains = get("domains");
  size_t start = 0;
  while (start < domains.size()) {
    size_t comma = domains.find(',', start);
    if (comma == std::string::npos) comma = domains.size();
    std::string n = domains.substr(start, comma - start);
    n.erase(0, n.find_first_not_of(' '));
    n.erase(n.find_last_not_of(' ') + 1);
    if (!n.empty()) s.names.push_back(n);
    start = comma + 1;
  }
  if (s.names.empty()) return make_error(ErrorKind::kInvalidArgument, "renewal config has no domains");
  s.authenticator = get("authenticator");
  if (s.authenticator != "standalone" && s.authenticator != "webroot") {
    return make_error(ErrorKind::kInvalidArgument,
                      "renewal config: unsupported authenticator \"" + s.authenticator + "\"");
  }
  ACMEKIT_TRY(s.http01_port, get_int("http01_port", 80));
  s.http01_address = get("http01_address");
  s.webroot_path = get("webroot_path");
  if (auto kt = get("key_type"); !kt.empty()) s.key_type = kt;
  if (auto ec = get("elliptic_curve"); !ec.empty()) s.elliptic_curve = ec;
  ACMEKIT_TRY(s.rsa_key_size, get_int("rsa_key_size", 2048));
  s.preferred_chain = get("preferred_chain");
  s.deploy_hook = get("renew_hook");
  return s;
}

}  // namespace acmekit::client
