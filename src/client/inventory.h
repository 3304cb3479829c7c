// acmekit certificates: every lineage of a config dir with what a sysadmin
// checks: names, key, serial, issuer, expiry, the revoked mark, the CA's
// renewal window as the last renewal pass saw it, and the file paths.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/renewal/due.h"
#include "client/store/lineages.h"

namespace acmekit::client {

struct LineageInfo {
  std::string cert_name;
  std::vector<std::string> names;
  std::string key_type, serial, issuer;
  std::chrono::system_clock::time_point not_after;
  long days_left = 0;
  store::LineagePaths paths;
  bool revoked = false;  // `acmekit revoke` revoked it; the next renew replaces it
  std::optional<renewal::AriWindow> ari;
};

struct Inventory {
  std::vector<LineageInfo> certificates;
  std::vector<std::string> errors;  // "NAME: why" for each unreadable lineage
  nlohmann::json to_json() const;   // {"format":1,"certificates":[...][,"errors":[...]]}
};

[[nodiscard]] Inventory list_certificates(const std::string& config_dir, std::chrono::system_clock::time_point now);

}  // namespace acmekit::client
