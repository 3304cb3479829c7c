// `acmekit-ca status`: what the CA's database says about one certificate
// (valid or revoked, reason, names), for operators and tests.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/acmekit-ca/commands.h"
#include "core/crypto/certificate.h"
#include "core/fs/atomic_file.h"
#include "core/wire/json.h"
#include "server/sa/storage.h"
#include "server/wfe/times.h"

namespace acmekit::ca_cli {

int run_status(const StatusOptions& o) {
  auto fail = [](const Error& e) {
    std::cerr << "acmekit-ca: error: " << e.message() << "\n";
    return kExitFailure;
  };
  if (o.cert_path.empty() && o.serial.empty()) {
    std::cerr << "acmekit-ca: error: status needs --cert FILE or --serial HEX\n";
    return kExitUsage;
  }
  std::string serial = o.serial;
  if (!o.cert_path.empty()) {
    auto pem = fsio::read_file(o.cert_path);
    if (!pem) return fail(pem.error());
    auto chain = crypto::parse_pem_chain(*pem);
    if (!chain) return fail(chain.error());
    serial = chain->front().serial_hex;
  }
  auto storage = server::sa::open_database(o.database, o.data_dir, {}, 1);
  if (!storage) return fail(storage.error());
  auto cert = (*storage)->get_certificate(serial);
  if (!cert) return fail(cert.error());
  if (!*cert) {
    std::cerr << "acmekit-ca: error: no certificate with serial " << serial << "\n";
    return kExitFailure;
  }
  const auto& c = **cert;
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : c.identifiers) ids.push_back(wire::to_json(id));
  nlohmann::json out = {{"serial", c.id},
                        {"status", wire::to_string(c.status)},
                        {"not_before", server::wfe::rfc3339(c.not_before)},
                        {"not_after", server::wfe::rfc3339(c.not_after)},
                        {"identifiers", ids},
                        {"account", c.account_id},
                        {"order", c.order_id}};
  // RFC 9773 §5: the order that replaced it, once that order was finalized.
  if (!c.replaced_by_order.empty()) out["replaced_by_order"] = c.replaced_by_order;
  if (c.revoked_at) {
    out["revoked_at"] = server::wfe::rfc3339(*c.revoked_at);
    out["revocation_reason"] = c.revocation_reason;
  }
  std::cout << out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace acmekit::ca_cli
