// `acmekit import-certbot`: a certbot config dir (/etc/letsencrypt) copied
// into acmekit's own: every account as it is (certbot's private_key.json is
// read as such), every lineage with its whole archive (history kept) in
// acmekit's layout (live/NAME -> live/.NAME.vN) and a renewal conf in
// acmekit's words (names from the certificate, certbot's settings carried
// over). The certbot dir is only read.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace acmekit::client {

struct ImportCertbotResult {
  std::vector<std::string> accounts;  // "SERVER/ID", copied
  std::vector<std::string> lineages;  // imported
  // Left out (name, why): already in the config dir, or settings acmekit
  // cannot honour (the message names the setting).
  std::vector<std::pair<std::string, std::string>> skipped;
  nlohmann::json to_json() const;  // {"format":1,"accounts":[...],"lineages":[...],"skipped":[{cert_name,error}]}
};

// kInvalidArgument when `from` is no certbot dir or is config_dir itself.
[[nodiscard]] Result<ImportCertbotResult> import_certbot(const std::string& from, const std::string& config_dir);

}  // namespace acmekit::client
