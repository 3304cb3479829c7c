// What the long-running commands (`serve`, `va`) share: stop signals taken
// by sigwait, the host of a listen address, and the fatal error line.
#pragma once

#include <string>

#include "core/error.h"

namespace acmekit::ca_cli {

// Blocks SIGTERM and SIGINT (taken by wait_for_stop_signal only) and
// ignores SIGPIPE. Call before any thread starts: threads inherit the mask.
void block_stop_signals();

// Blocks until SIGTERM or SIGINT, then logs which.
void wait_for_stop_signal();

// "127.0.0.1:14000" -> "127.0.0.1"; "[::1]:14000" -> "::1".
std::string host_of(const std::string& listen);

// Logs "WHAT: the error" as critical; returns kExitFailure.
int fail(const std::string& what, const Error& e);

}  // namespace acmekit::ca_cli
