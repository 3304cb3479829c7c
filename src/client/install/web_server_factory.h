// The installer / authenticator plugins by kind (certbot's --nginx,
// --apache; "nginx" / "apache" in renewal confs).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/install/apache_server.h"
#include "client/install/nginx_server.h"
#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

enum class WebServerKind { kNginx, kApache };

// "nginx" / "apache" (renewal conf values); nullopt for another.
std::optional<WebServerKind> parse_web_server_kind(std::string_view name);
std::string_view to_string(WebServerKind kind);

// Where each server's configuration and control tool are (certbot's
// nginx_server_root / nginx_ctl, apache_server_root / apache_ctl).
struct WebServerSettings {
  std::string nginx_server_root = "/etc/nginx";
  std::string nginx_ctl = "nginx";
  std::string apache_server_root = "/etc/apache2";
  std::string apache_ctl = "apache2ctl";
};

Result<std::unique_ptr<WebServer>> make_web_server(WebServerKind kind, const WebServerSettings& settings);

}  // namespace acmekit::client::install
