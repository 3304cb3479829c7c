// The install workflow (certbot's `install`, and the second half of `run`):
// a lineage's live/NAME/fullchain.pem and privkey.pem put into every server
// block / virtual host of the web server that serves its names (an HTTPS
// one added where none exists), optional redirect and HSTS, through the
// install transaction (backups, config test, reload, restore on failure);
// the installer remembered in renewal/NAME.conf so renewals reload it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/install/web_server_factory.h"
#include "core/error.h"

namespace acmekit::client {

struct InstallCertRequest {
  std::string config_dir;
  std::string cert_name;
  install::WebServerKind kind = install::WebServerKind::kNginx;
  install::WebServerSettings where;
  bool redirect = false;  // certbot's --redirect
  bool hsts = false;      // certbot's --hsts
  int https_port = 443;   // certbot's --https-port
  bool dry_run = false;   // the diff only
  // With dry_run: the names the lineage is for, which need not be saved
  // yet (`run --dry-run` saves nothing): the diff then installs its
  // live/CERT_NAME/ paths-to-be. Empty: the saved lineage's names.
  std::vector<std::string> names;
};

struct InstallCertResult {
  std::string cert_name;
  std::string installer;  // "nginx"
  std::vector<std::string> names;
  std::vector<std::string> changed, created;  // files
  std::string diff;                           // unified diff of the edits
  std::string backup_dir;                     // where the old files are kept ("" on --dry-run or no edit)
  bool reloaded = false;
  bool dry_run = false;
  // {"format":1,"cert_name","installer","names","changed","created","reloaded","dry_run","backup_dir"[,"diff"]}
  nlohmann::json to_json() const;
};

[[nodiscard]] Result<InstallCertResult> install_certificate(const InstallCertRequest& request);

}  // namespace acmekit::client
