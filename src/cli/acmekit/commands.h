// One function per verb; main.cc parses flags and calls one of these.
#pragma once

#include "cli/acmekit/options.h"

namespace acmekit::cli {

int cmd_certonly(const GlobalOptions& global, const CertonlyOptions& options);
int cmd_certificates(const GlobalOptions& global);
int cmd_renew(const GlobalOptions& global, const RenewOptions& options);

}  // namespace acmekit::cli
