// The CA's HTTP(S) listener on Boost.Beast/Asio, generic over a handler:
// request handling is a pure function from request to response (Beast's
// example/http/server `handle_request`); this class owns sockets, TLS,
// keep-alive, the body limit and timeouts against slow clients.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/http/client.h"

namespace acmekit::server::http {

struct ServerRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // path and query as sent, e.g. "/acme/order/abc"
  acmekit::http::Headers headers;  // names lower-case
  std::string body;
  std::string remote;  // peer address "127.0.0.1:53122"
};

using Handler = std::function<acmekit::http::Response(const ServerRequest&)>;

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 picks a free one; "[::1]:443" for IPv6
  // PEM chain and key; both empty means plain HTTP.
  std::string tls_chain_pem, tls_key_pem;
  std::size_t body_limit = 64 * 1024;  // larger bodies get 413 and the connection is closed
  std::chrono::seconds header_timeout{10};  // a request must arrive whole within this
  std::chrono::seconds idle_timeout{60};    // keep-alive connections idle longer are closed
  int threads = 4;                          // I/O + handler threads
  std::size_t max_connections = 4096;       // beyond this, new connections are closed at once
};

class Server {
 public:
  // Binds and starts serving on background threads. kIo if it cannot bind.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Handler handler);
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;  // the bound port
  // Stops accepting, closes connections, lets running handlers finish and
  // joins the threads. Idempotent. Not from inside a handler (it waits for them).
  virtual void stop() = 0;
};

}  // namespace acmekit::server::http
