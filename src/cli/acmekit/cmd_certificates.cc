// acmekit certificates: every lineage with what a sysadmin checks.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/renewal/ari_cache.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "client/store/revocations.h"
#include "core/wire/renewal_info.h"

namespace acmekit::cli {
using nlohmann::json;

int cmd_certificates(const GlobalOptions& global) {
  client::store::LineageStore lineages(global.config_dir);
  json list = json::array();
  std::vector<std::string> problems;
  // The CA's renewal windows (RFC 9773) as the last renewal pass saw them.
  const auto ari = client::renewal::AriCache::load(global.config_dir);
  for (const auto& name : lineages.list()) {
    const auto paths = lineages.live_paths(name);
    auto text = client::store::read_file(paths.cert);
    auto certs = text ? crypto::parse_pem_chain(*text)
                      : Result<std::vector<crypto::CertificateInfo>>(std::unexpected(text.error()));
    if (!certs) {
      problems.push_back(name + ": " + certs.error().message());
      continue;
    }
    const auto& c = certs->front();
    json names = json::array();
    for (const auto& n : c.dns_names) names.push_back(n);
    for (const auto& n : c.ip_addresses) names.push_back(n);
    list.push_back({{"cert_name", name},
                    {"names", names},
                    {"key_type", c.public_key.description()},
                    {"serial", c.serial_hex},
                    {"issuer", c.issuer_cn},
                    {"not_after", iso8601(c.not_after)},
                    {"days_left", days_left(c)},
                    {"paths", paths_json(paths)}});
    // `acmekit revoke` revoked it (RFC 8555 §7.6); the next renew replaces it.
    auto revoked = client::store::is_revoked(lineages, name, c.der);
    list.back()["revoked"] = revoked && *revoked;
    if (auto id = wire::ari_certificate_id(c); id) {
      const auto state = ari.find(name, *id);
      if (state && state->window) list.back()["ari"] = ari_json(*state->window);
    }
  }
  if (global.json) {
    json out{{"certificates", list}};
    if (!problems.empty()) out["errors"] = problems;
    std::cout << out.dump(2) << std::endl;
  } else if (list.empty() && problems.empty()) {
    std::cout << "No certificates found in " << global.config_dir << "." << std::endl;
  } else {
    std::cout << "Found the following certs:\n";
    for (const auto& l : list) {
      std::string names;
      for (const auto& n : l["names"]) names += (names.empty() ? "" : " ") + n.get<std::string>();
      long days = l["days_left"].get<long>();
      std::cout << "  Certificate Name: " << l["cert_name"].get<std::string>() << "\n"
                << "    Serial Number: " << l["serial"].get<std::string>() << "\n"
                << "    Key Type: " << l["key_type"].get<std::string>() << "\n"
                << "    Issuer: " << l["issuer"].get<std::string>() << "\n"
                << "    Domains: " << names << "\n"
                << "    Expiry Date: " << l["not_after"].get<std::string>()
                << (l["revoked"].get<bool>() ? " (INVALID: REVOKED; the next renew replaces it)"
                    : days < 0             ? " (EXPIRED)"
                                           : " (VALID: " + std::to_string(days) + " days)")
                << "\n";
      if (l.contains("ari")) {
        std::cout << "    Renewal Window (ARI): " << l["ari"]["window_start"].get<std::string>() << " to "
                  << l["ari"]["window_end"].get<std::string>() << ", renews at "
                  << l["ari"]["renew_at"].get<std::string>() << "\n";
      }
      std::cout << "    Certificate Path: " << l["paths"]["fullchain"].get<std::string>() << "\n"
                << "    Private Key Path: " << l["paths"]["privkey"].get<std::string>() << "\n";
    }
    for (const auto& p : problems) std::cout << "  Unreadable lineage: " << p << "\n";
    std::cout.flush();
  }
  return problems.empty() ? kExitOk : kExitFailure;
}

}  // namespace acmekit::cli
