// acmekit-ca's command line as data: make_app() declares every verb and
// flag into an Invocation; main() parses into it and runs the verb given;
// src/cli/docgen renders the same CLI::App as acmekit-ca(8) and as bash
// completion.
#pragma once

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/acmekit-ca/commands.h"
#include "cli/acmekit-ca/config.h"

namespace acmekit::ca_cli {

// What a parse fills in: each verb's options, and which verb was given.
struct Invocation {
  ServeFlags serve;
  EabAddOptions eab;
  StatusOptions status;
  MigrateOptions migrate;
  VaOptions va;
  VaCredentialsOptions va_credentials;
  CLI::App* serve_cmd = nullptr;
  CLI::App* eab_add_cmd = nullptr;
  CLI::App* status_cmd = nullptr;
  CLI::App* migrate_cmd = nullptr;
  CLI::App* va_cmd = nullptr;
  CLI::App* va_credentials_cmd = nullptr;
};

// The whole command line, bound to `inv` (which must outlive the App).
[[nodiscard]] std::unique_ptr<CLI::App> make_app(Invocation& inv);

}  // namespace acmekit::ca_cli
