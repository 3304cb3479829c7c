#include "server/wfe/management.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace acmekit::server::wfe {
namespace {

acmekit::http::Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
  acmekit::http::Response r;
  r.status = status;
  r.headers.add("content-type", std::move(content_type));
  r.headers.add("cache-control", "no-store");
  r.body = std::move(body);
  return r;
}

// The path without a query string: "/health?verbose" is /health.
std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

acmekit::http::Response Management::handle(const http::ServerRequest& request) {
  const auto path = path_of(request.target);
  if (path != "/metrics" && path != "/health") return text(404, "not found; try /metrics or /health\n");
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = text(405, "only GET and HEAD\n");
    r.headers.add("allow", "GET, HEAD");
    return r;
  }
  return path == "/metrics" ? metrics() : health();
}

acmekit::http::Response Management::metrics() {
  std::string body = wfe_.metrics_text();
  for (const auto& source : extra_metrics_) body += source();
  return text(200, std::move(body), "text/plain; version=0.0.4; charset=utf-8");
}

acmekit::http::Response Management::health() {
  // A real read and a committed write, as an ACME request needs: a load
  // balancer takes an instance out when its database stops taking writes.
  const auto status = storage_.check_health(clock_.now());
  nlohmann::json body;
  if (status) {
    body = {{"status", "ok"}};
    return text(200, body.dump() + "\n", "application/json");
  }
  spdlog::warn("health: database unavailable: {}", status.error().message());
  body = {{"status", "unavailable"}, {"detail", "database: " + status.error().message()}};
  return text(503, body.dump() + "\n", "application/json");
}

}  // namespace acmekit::server::wfe
