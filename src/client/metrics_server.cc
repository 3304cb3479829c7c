#include "client/metrics_server.h"

#include "core/http/server.h"

namespace acmekit::client {
namespace {

acmekit::http::Response answer(const MetricsServer::Render& render, const http::ServerRequest& req) {
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, target.find('?'));
  acmekit::http::Response r;
  r.status = 200;
  if (req.method != "GET" && req.method != "HEAD") {
    r.status = 405;
    r.headers.add("allow", "GET, HEAD");
    r.body = "only GET and HEAD\n";
  } else if (path == "/metrics") {
    r.headers.add("content-type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = render();
  } else if (path == "/health") {
    r.headers.add("content-type", "application/json");
    r.body = "{\"status\":\"ok\"}\n";
  } else {
    r.status = 404;
    r.body = "not found; try /metrics or /health\n";
  }
  r.headers.add("cache-control", "no-store");
  return r;
}

}  // namespace

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& listen, Render render) {
  ACMEKIT_TRY(auto server, http::Server::start({.listen = listen, .name = "metrics", .threads = 1},
                                               [render = std::move(render)](const http::ServerRequest& req) {
                                                 return answer(render, req);
                                               }));
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(server)));
}

MetricsServer::MetricsServer(std::unique_ptr<http::Server> server) : server_(std::move(server)) {}

MetricsServer::~MetricsServer() { server_->stop(); }

uint16_t MetricsServer::port() const { return server_->port(); }

std::string prometheus_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace acmekit::client
