// acmekit certificates: client::list_certificates, rendered.
#include <chrono>
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/inventory.h"
#include "client/report_json.h"

namespace acmekit::cli {

int cmd_certificates(const GlobalOptions& global) {
  const auto inv = client::list_certificates(global.config_dir, std::chrono::system_clock::now());
  if (global.json) {
    std::cout << inv.to_json().dump(2) << std::endl;
  } else if (inv.certificates.empty() && inv.errors.empty()) {
    std::cout << "No certificates found in " << global.config_dir << "." << std::endl;
  } else {
    std::cout << "Found the following certs:\n";
    for (const auto& l : inv.certificates) {
      std::string names;
      for (const auto& n : l.names) names += (names.empty() ? "" : " ") + n;
      std::cout << "  Certificate Name: " << l.cert_name << "\n"
                << "    Serial Number: " << l.serial << "\n"
                << "    Key Type: " << l.key_type << "\n"
                << "    Issuer: " << l.issuer << "\n"
                << "    Domains: " << names << "\n"
                << "    Expiry Date: " << client::iso8601(l.not_after)
                << (l.revoked           ? " (INVALID: REVOKED; the next renew replaces it)"
                    : l.days_left < 0   ? " (EXPIRED)"
                                        : " (VALID: " + std::to_string(l.days_left) + " days)")
                << "\n";
      if (l.ari) {
        std::cout << "    Renewal Window (ARI): " << client::iso8601(l.ari->start) << " to "
                  << client::iso8601(l.ari->end) << ", renews at " << client::iso8601(l.ari->renew_at) << "\n";
      }
      std::cout << "    Certificate Path: " << l.paths.fullchain.string() << "\n"
                << "    Private Key Path: " << l.paths.privkey.string() << "\n";
    }
    for (const auto& p : inv.errors) std::cout << "  Unreadable lineage: " << p << "\n";
    std::cout.flush();
  }
  return inv.errors.empty() ? kExitOk : kExitFailure;
}

}  // namespace acmekit::cli
