// acmekit-ca: an ACME (RFC 8555) certificate authority.
// main() reads as its steps: parse flags, set up logging, run one verb.
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/acmekit-ca/app.h"
#include "cli/acmekit-ca/commands.h"

namespace acmekit::ca_cli {
namespace {

int set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("acmekit-ca");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    std::cerr << "acmekit-ca: error: unknown --log-level " << level << "\n";
    return kExitUsage;
  }
  spdlog::set_level(lvl);
  return kExitOk;
}

int run(int argc, char** argv) {
  Invocation inv;
  auto app = make_app(inv);
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app->exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (inv.eab_add_cmd->parsed()) return run_eab_add(inv.eab);
  if (inv.status_cmd->parsed()) return run_status(inv.status);
  if (inv.migrate_cmd->parsed()) return run_migrate(inv.migrate);
  if (inv.va_credentials_cmd->parsed()) return run_va_credentials(inv.va_credentials);
  if (inv.va_cmd->parsed()) {
    if (int rc = set_up_logging(inv.va.log_level); rc != kExitOk) return rc;
    return run_va(inv.va);
  }
  auto config = resolve_config(inv.serve);
  if (!config) {
    std::cerr << "acmekit-ca: error: " << config.error().message() << "\n";
    return kExitUsage;
  }
  if (int rc = set_up_logging(config->log_level); rc != kExitOk) return rc;
  return run_serve(*config);
}

}  // namespace
}  // namespace acmekit::ca_cli

int main(int argc, char** argv) { return acmekit::ca_cli::run(argc, argv); }
