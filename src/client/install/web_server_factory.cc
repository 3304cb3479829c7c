#include "client/install/web_server_factory.h"

namespace acmekit::client::install {

std::optional<WebServerKind> parse_web_server_kind(std::string_view name) {
  if (name == "nginx") return WebServerKind::kNginx;
  if (name == "apache") return WebServerKind::kApache;
  return std::nullopt;
}

std::string_view to_string(WebServerKind kind) {
  switch (kind) {
    case WebServerKind::kNginx: return "nginx";
    case WebServerKind::kApache: return "apache";
  }
  return "?";
}

Result<std::unique_ptr<WebServer>> make_web_server(WebServerKind kind, const WebServerSettings& settings) {
  switch (kind) {
    case WebServerKind::kNginx:
      return make_nginx_server({.server_root = settings.nginx_server_root, .ctl = settings.nginx_ctl});
    case WebServerKind::kApache:
      return make_apache_server({.server_root = settings.apache_server_root, .ctl = settings.apache_ctl});
  }
  return make_error(ErrorKind::kInternal, "unknown web server kind");
}

}  // namespace acmekit::client::install
