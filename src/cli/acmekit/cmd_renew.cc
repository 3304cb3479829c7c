// acmekit renew: one client::run_renewal_pass, rendered. One lineage failing
// does not stop the others; the summary and the exit code say which failed.
#include <iostream>
#include <map>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"

namespace acmekit::cli {

int cmd_renew(const GlobalOptions& g, const RenewOptions& options) {
  RenewOptions o = options;
  o.ca_bundle = g.ca_bundle;
  auto pass = client::run_renewal_pass(g.config_dir, o, client::real_renew_deps(g.config_dir, cli_clock()));
  if (!pass) return report_error(pass.error());
  auto name_of = [](const client::RenewReport::Failure& f) { return f.cert_name.value_or("(hooks)"); };
  if (g.json) {
    std::cout << pass->to_json().dump(2) << std::endl;
  } else if (!g.quiet) {
    std::cout << (o.dry_run ? "Dry run: " : "") << pass->renewed.size() << " renewed, " << pass->not_due.size()
              << " not due, " << pass->failed.size() << " failed\n";
    std::map<std::string, std::string> why;  // name -> why it was due
    for (const auto& d : pass->due) why[d.cert_name] = d.reason;
    for (const auto& r : pass->renewed) std::cout << "  renewed: " << r << " (" << why[r] << ")\n";
    for (const auto& f : pass->failed) std::cout << "  FAILED: " << name_of(f) << ": " << f.error << "\n";
    std::cout.flush();
  }
  if (pass->failed.empty()) return kExitOk;
  std::cerr << "acmekit: error: " << pass->failed.size() << " renewal(s) failed: ";
  for (size_t i = 0; i < pass->failed.size(); ++i) std::cerr << (i ? ", " : "") << name_of(pass->failed[i]);
  std::cerr << std::endl;
  return kExitFailure;
}

}  // namespace acmekit::cli
