// acmekit check HOST[:PORT]...: what a TLS server actually serves, for
// monitoring. Connects with SNI, reports the served certificate (trusted or
// not), whether it verifies and covers the name, days to expiry, and which
// acmekit lineage it is (and whether it is that lineage's live certificate).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace acmekit::client {

struct CheckOptions {
  std::vector<std::string> targets;  // HOST[:PORT], [IPv6]:PORT
  long days = 14;                    // fail at or below this many days left
  std::string servername;            // SNI and the name checked (default: each HOST)
  double connect_timeout = 10;       // seconds, for the connect and for the handshake
};

// One target's check.
struct CheckResult {
  std::string target;      // as given
  std::string servername;  // the name sent and checked
  bool reachable = false;
  std::string error;  // why not, when unreachable
  // What was served (reachable only).
  std::string peer, protocol;
  std::vector<std::string> names;
  std::string subject, issuer, serial;
  std::chrono::system_clock::time_point not_before, not_after;
  long days_left = 0;
  bool verified = false;
  std::string verify_error;
  bool name_matches = false;
  std::optional<std::string> lineage;        // the lineage this certificate belongs to
  bool is_live = false;                      // ... and is its live certificate
  std::optional<std::string> stale_lineage;  // an older certificate than that lineage's live one
  std::vector<std::string> chain_issuers;
  std::vector<std::string> problems;  // empty: ok

  bool ok() const { return reachable && problems.empty(); }
  nlohmann::json to_json() const;
};

struct CheckReport {
  std::vector<CheckResult> checks;
  bool any_unreachable = false;
  // "TARGET (why)" for every target that failed.
  std::vector<std::string> failures() const;
  nlohmann::json to_json() const;  // {"format":1,"checks":[...]}
};

// kInvalidArgument for a malformed target, a non-positive timeout or an
// unusable ca_bundle; unreachable targets are in the report.
[[nodiscard]] Result<CheckReport> check_servers(const std::string& config_dir, const std::string& ca_bundle,
                                                const CheckOptions& options);

}  // namespace acmekit::client
