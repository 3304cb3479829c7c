// A tiny HTTP listener for Prometheus: GET /metrics answers whatever the
// callback renders (text exposition format 0.0.4); anything else is 404.
// One background thread, one connection at a time, short timeouts: scrapes
// are rare and small, and this must never block the work it reports on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"

namespace acmekit::client {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;
  // Binds address:port now (errors name them) and serves until destroyed.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address, uint16_t port, Render render);
  ~MetricsServer();
  uint16_t port() const;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Prometheus label value escaping (backslash, double quote, newline).
std::string prometheus_label(std::string_view value);

}  // namespace acmekit::client
