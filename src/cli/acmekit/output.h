// How acmekit talks back: exit codes and the one error line. Results render
// themselves as JSON (their to_json()); the cmd_*.cc files write the text.
#pragma once

#include "core/error.h"

namespace acmekit::cli {

// Exit codes, documented in --help.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // anything not listed below
  kExitUsage = 2,        // bad flags or input (also a name or account that is not there)
  kExitCaRefused = 3,    // the CA answered with a problem document
  kExitNetwork = 4,      // the CA could not be reached (DNS, TCP, TLS)
};

// The only place an Error becomes an exit code.
int exit_code_for(const Error& e);
// Prints "acmekit: error: <message>" on stderr and returns the exit code.
int report_error(const Error& e);

}  // namespace acmekit::cli
