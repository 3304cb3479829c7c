// The daemon's metrics listener, one core/http Server on one thread:
// GET /metrics answers whatever the callback renders (Prometheus text
// exposition 0.0.4), GET /health answers 200 {"status":"ok"} while the
// daemon runs (for systemd or a monitor's liveness check); anything else is
// 404. Scrapes are rare and small, and never block the work they report on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::http {
class Server;
}

namespace acmekit::client {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // Binds `listen` ("ADDR:PORT", net::parse_listen_address) now and serves
  // until destroyed. kInvalidArgument for a bad address ("127.0.0.1:abc"),
  // kIo when the port is taken.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& listen, Render render);
  ~MetricsServer();
  uint16_t port() const;

 private:
  explicit MetricsServer(std::unique_ptr<http::Server> server);
  std::unique_ptr<http::Server> server_;
};

// Prometheus label value escaping (backslash, double quote, newline).
std::string prometheus_label(std::string_view value);

}  // namespace acmekit::client
