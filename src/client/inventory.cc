#include "client/inventory.h"

#include "client/renewal/ari_cache.h"
#include "client/report_json.h"
#include "client/store/atomic_file.h"
#include "client/store/revocations.h"
#include "core/crypto/certificate.h"
#include "core/wire/renewal_info.h"

namespace acmekit::client {

nlohmann::json Inventory::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& l : certificates) {
    nlohmann::json j{{"cert_name", l.cert_name}, {"names", l.names},           {"key_type", l.key_type},
                     {"serial", l.serial},       {"issuer", l.issuer},         {"not_after", iso8601(l.not_after)},
                     {"days_left", l.days_left}, {"paths", paths_json(l.paths)}, {"revoked", l.revoked}};
    if (l.ari) j["ari"] = ari_json(*l.ari);
    list.push_back(std::move(j));
  }
  nlohmann::json out{{"format", kJsonFormat}, {"certificates", list}};
  if (!errors.empty()) out["errors"] = errors;
  return out;
}

Inventory list_certificates(const std::string& config_dir, std::chrono::system_clock::time_point now) {
  store::LineageStore lineages(config_dir);
  Inventory inv;
  // The CA's renewal windows (RFC 9773) as the last renewal pass saw them.
  const auto ari = renewal::AriCache::load(config_dir);
  for (const auto& name : lineages.list()) {
    const auto paths = lineages.live_paths(name);
    auto text = store::read_file(paths.cert);
    auto certs = text ? crypto::parse_pem_chain(*text)
                      : Result<std::vector<crypto::CertificateInfo>>(std::unexpected(text.error()));
    if (!certs) {
      inv.errors.push_back(name + ": " + certs.error().message());
      continue;
    }
    const auto& c = certs->front();
    LineageInfo info{.cert_name = name,
                     .names = c.dns_names,
                     .key_type = c.public_key.description(),
                     .serial = c.serial_hex,
                     .issuer = c.issuer_cn,
                     .not_after = c.not_after,
                     .days_left = std::chrono::floor<std::chrono::days>(c.not_after - now).count(),
                     .paths = paths};
    info.names.insert(info.names.end(), c.ip_addresses.begin(), c.ip_addresses.end());
    // RFC 8555 §7.6: `acmekit revoke` revoked it; the next renew replaces it.
    auto revoked = store::is_revoked(lineages, name, c.der);
    info.revoked = revoked && *revoked;
    if (auto id = wire::ari_certificate_id(c); id) {
      const auto state = ari.find(name, *id);
      if (state && state->window) info.ari = state->window;
    }
    inv.certificates.push_back(std::move(info));
  }
  return inv;
}

}  // namespace acmekit::client
