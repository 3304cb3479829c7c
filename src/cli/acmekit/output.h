// How acmekit talks back: exit codes, the one error line, JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "client/renewal/due.h"
#include "client/store/lineages.h"

#include "core/crypto/certificate.h"
#include "core/error.h"

namespace acmekit::cli {

// Exit codes, documented in --help.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // anything not listed below
  kExitUsage = 2,        // bad flags or input
  kExitCaRefused = 3,    // the CA answered with a problem document
  kExitNetwork = 4,      // the CA could not be reached (DNS, TCP, TLS)
};

int exit_code_for(const Error& e);
// Prints "acmekit: error: <message>" on stderr and returns the exit code.
int report_error(const Error& e);

std::string iso8601(std::chrono::system_clock::time_point t);
long days_left(const crypto::CertificateInfo& cert);
// {"cert","chain","fullchain","privkey"} of a lineage, for --json.
nlohmann::json paths_json(const client::store::LineagePaths& paths);
// The CA's renewal window (RFC 9773) for --json: {"window_start",
// "window_end","renew_at"[,"explanation_url"]}.
nlohmann::json ari_json(const client::renewal::AriWindow& window);

}  // namespace acmekit::cli
