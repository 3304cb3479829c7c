// acmekit import-certbot: client::import_certbot, rendered. A lineage left
// out is named with the reason; the exit code says whether any was.
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/import_certbot.h"

namespace acmekit::cli {

int cmd_import_certbot(const GlobalOptions& g, const std::string& from) {
  auto r = client::import_certbot(from, g.config_dir);
  if (!r) return report_error(r.error());
  if (g.json) {
    std::cout << r->to_json().dump(2) << std::endl;
  } else if (!g.quiet) {
    std::cout << "Imported " << r->accounts.size() << " account(s) and " << r->lineages.size() << " lineage(s) from "
              << from << " into " << g.config_dir << "\n";
    for (const auto& n : r->lineages) std::cout << "  imported: " << n << "\n";
    for (const auto& [n, why] : r->skipped) std::cout << "  SKIPPED: " << n << ": " << why << "\n";
    std::cout.flush();
  }
  if (r->skipped.empty()) return kExitOk;
  std::cerr << "acmekit: error: " << r->skipped.size() << " lineage(s) not imported: ";
  for (size_t i = 0; i < r->skipped.size(); ++i) std::cerr << (i ? ", " : "") << r->skipped[i].first;
  std::cerr << std::endl;
  return kExitFailure;
}

}  // namespace acmekit::cli
