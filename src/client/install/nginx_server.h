// nginx as a WebServer (certbot's nginx plugin): the configuration under
// --nginx-server-root read through NginxConfig, edited with nginx_edit /
// nginx_challenge, tested and reloaded with --nginx-ctl.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

struct NginxOptions {
  std::filesystem::path server_root = "/etc/nginx";  // certbot's --nginx-server-root
  std::string ctl = "nginx";                         // certbot's --nginx-ctl
};

// The snippet file challenge_edits writes (and includes): SERVER_ROOT/acmekit-http01.conf.
std::filesystem::path nginx_challenge_snippet_path(const NginxOptions& options);

// kNotFound when SERVER_ROOT/nginx.conf does not exist.
Result<std::unique_ptr<WebServer>> make_nginx_server(const NginxOptions& options);

}  // namespace acmekit::client::install
