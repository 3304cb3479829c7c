// acmekit's command line as data: make_app() declares every verb and flag
// into an Invocation; main() parses into it and runs the verb that was
// given; src/cli/docgen renders the same CLI::App as acmekit(1) and as bash
// completion.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/acmekit/options.h"

namespace acmekit::cli {

// What a parse fills in: each verb's options, and which verb was given.
struct Invocation {
  GlobalOptions global;
  CertonlyOptions certonly;
  InstallOptions install;  // run (with certonly's) and install
  RenewOptions renew;
  DaemonOptions daemon;
  RevokeOptions revoke;
  CheckOptions check;
  ReconfigureOptions reconfigure;
  std::vector<std::string> delete_names;
  std::string import_from = "/etc/letsencrypt";

  CLI::App* certonly_cmd = nullptr;
  CLI::App* run_cmd = nullptr;
  CLI::App* install_cmd = nullptr;
  CLI::App* certificates_cmd = nullptr;
  CLI::App* renew_cmd = nullptr;
  CLI::App* daemon_cmd = nullptr;
  CLI::App* revoke_cmd = nullptr;
  CLI::App* check_cmd = nullptr;
  CLI::App* reconfigure_cmd = nullptr;
  CLI::App* delete_cmd = nullptr;
  CLI::App* import_certbot_cmd = nullptr;
  // register, show_account, update_account, unregister, rollover_key: the
  // account verbs, which take only the global options.
  std::vector<std::pair<CLI::App*, int (*)(const GlobalOptions&)>> account_verbs;
};

// The whole command line, bound to `inv` (which must outlive the App).
[[nodiscard]] std::unique_ptr<CLI::App> make_app(Invocation& inv);

}  // namespace acmekit::cli
