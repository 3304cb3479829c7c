// acmekit: obtain and manage TLS certificates from an ACME CA (RFC 8555).
// main() reads as its steps: parse flags, set up logging, run one verb.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/acmekit/app.h"
#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "core/http/client.h"

namespace acmekit::cli {
namespace {

void setup_logging(const GlobalOptions& g) {
  auto logger = spdlog::stderr_color_mt("acmekit");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  if (g.quiet) spdlog::set_level(spdlog::level::err);
  else if (g.verbose >= 2) spdlog::set_level(spdlog::level::trace);
  else if (g.verbose == 1) spdlog::set_level(spdlog::level::debug);
  else spdlog::set_level(spdlog::level::info);
}

// certbot without a verb is `run`: with no verb among the arguments and an
// authenticator or installer flag, "run" goes in front of them.
std::vector<std::string> with_default_verb(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool verb = false, plugin = false;
  for (const auto& a : args) {
    for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      verb = verb || a == sub->get_name();
    }
    plugin = plugin || a == "--nginx" || a == "--apache";
  }
  if (!verb && plugin) args.insert(args.begin(), "run");
  std::reverse(args.begin(), args.end());  // CLI11's parse(vector) takes them last first
  return args;
}

int run(int argc, char** argv) {
  Invocation inv;
  auto app = make_app(inv);
  try {
    auto args = with_default_verb(*app, argc, argv);
    app->parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app->exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "acmekit: error: " << e.what() << " (see acmekit --help)" << std::endl;
    return kExitUsage;
  }
  GlobalOptions& global = inv.global;
  setup_logging(global);
  // certbot (python requests) takes extra trust anchors from
  // REQUESTS_CA_BUNDLE: a certbot setup moved to acmekit keeps working.
  if (global.ca_bundle.empty()) {
    if (const char* v = std::getenv("REQUESTS_CA_BUNDLE"); v != nullptr && *v != '\0') global.ca_bundle = v;
  }
  if (!global.user_agent.empty()) http::default_user_agent() = global.user_agent;

  if (*inv.certonly_cmd) return cmd_certonly(global, inv.certonly);
  if (*inv.run_cmd) return cmd_run(global, inv.certonly, inv.install);
  if (*inv.install_cmd) return cmd_install(global, inv.install);
  global.server_given = app->count("--server") > 0;
  if (*inv.certificates_cmd) return cmd_certificates(global);
  if (*inv.revoke_cmd) return cmd_revoke(global, inv.revoke);
  if (*inv.delete_cmd) return cmd_delete(global, inv.delete_names);
  if (*inv.import_certbot_cmd) return cmd_import_certbot(global, inv.import_from);
  if (*inv.check_cmd) return cmd_check(global, inv.check);
  for (const auto& [sub, fn] : inv.account_verbs) {
    if (*sub) return fn(global);
  }
  if (*inv.reconfigure_cmd) {
    std::set<std::string> given;
    for (const CLI::Option* opt : inv.reconfigure_cmd->get_options()) {
      if (opt->count() == 0) continue;
      for (const auto& n : opt->get_lnames()) given.insert("--" + n);
      for (const auto& n : opt->get_snames()) given.insert("-" + n);
    }
    return cmd_reconfigure(global, inv.reconfigure, given);
  }
  if (*inv.renew_cmd) return cmd_renew(global, inv.renew);
  if (*inv.daemon_cmd) return cmd_daemon(global, inv.daemon);
  return kExitUsage;
}

}  // namespace
}  // namespace acmekit::cli

int main(int argc, char** argv) {
  try {
    return acmekit::cli::run(argc, argv);
  } catch (const std::exception& e) {
    // The edge: anything that escaped becomes one line and a failure code.
    std::cerr << "acmekit: error: " << e.what() << std::endl;
    return acmekit::cli::kExitFailure;
  }
}
