// acmekit check: client::check_servers, rendered.
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/check.h"
#include "client/report_json.h"

namespace acmekit::cli {
namespace {

void print_human(const client::CheckResult& c) {
  std::cout << "  Target: " << c.target << "\n";
  if (!c.reachable) {
    std::cout << "    UNREACHABLE: " << c.error << "\n";
    return;
  }
  std::string names;
  for (const auto& n : c.names) names += (names.empty() ? "" : " ") + n;
  std::cout << "    Connected: " << c.peer << " (" << c.protocol << ", SNI " << c.servername << ")\n"
            << "    Domains: " << names << "\n"
            << "    Issuer: " << c.issuer << "\n"
            << "    Serial Number: " << c.serial << "\n"
            << "    Expiry Date: " << client::iso8601(c.not_after)
            << (c.days_left < 0 ? " (EXPIRED)" : " (VALID: " + std::to_string(c.days_left) + " days)") << "\n"
            << "    Verified: " << (c.verified ? "yes" : "NO (" + c.verify_error + ")") << "\n"
            << "    Name Matches: " << (c.name_matches ? "yes" : "NO (not valid for " + c.servername + ")") << "\n";
  std::string lineage = "none";
  if (c.lineage) {
    lineage = *c.lineage + (c.is_live ? " (live)" : " (not the live certificate)");
  } else if (c.stale_lineage) {
    lineage = "stale: serving an older certificate than live/" + *c.stale_lineage;
  }
  std::cout << "    Lineage: " << lineage << "\n";
  std::string status = "OK";
  if (!c.ok()) {
    status = "FAIL";
    for (const auto& p : c.problems) status += "; " + p;
  }
  std::cout << "    Status: " << status << "\n";
}

}  // namespace

int cmd_check(const GlobalOptions& global, const client::CheckOptions& options) {
  auto report = client::check_servers(global.config_dir, global.ca_bundle, options);
  if (!report) return report_error(report.error());
  const auto failed = report->failures();
  if (global.json) {
    std::cout << report->to_json().dump(2) << std::endl;
  } else if (!global.quiet || !failed.empty()) {
    for (const auto& c : report->checks) print_human(c);
    std::cout.flush();
  }
  if (failed.empty()) return kExitOk;
  std::string line = std::to_string(failed.size()) + " of " + std::to_string(report->checks.size()) +
                     " target(s) failed the check:";
  for (const auto& f : failed) line += " " + f + ";";
  line.pop_back();
  std::cerr << "acmekit: error: " << line << std::endl;
  return report->any_unreachable ? kExitNetwork : kExitFailure;
}

}  // namespace acmekit::cli
