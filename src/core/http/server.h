// The one HTTP(S) listener of the code base, on Boost.Beast/Asio, generic
// over a handler: request handling is a pure function from request to
// response (Beast's example/http/server `handle_request`); this class owns
// sockets (core/net/listener.h), TLS, keep-alive, the body limit and timeouts
// against slow clients. acmekit-ca's ACME and management listeners, the
// daemon's metrics and the http-01 standalone solver are each one Server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/http/client.h"
#include "core/net/listener.h"

namespace acmekit::http {

struct ServerRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // path and query as sent, e.g. "/acme/order/abc"
  acmekit::http::Headers headers;  // names lower-case
  std::string body;
  std::string remote;  // peer address "127.0.0.1:53122"
};

using Handler = std::function<acmekit::http::Response(const ServerRequest&)>;
// The answer to a request the listener refuses by itself (400 bad framing,
// 413 too large, 431 headers too large, 500 a handler that threw or gave no
// valid status). The default is text/plain; the CA's WFE supplies
// application/problem+json (RFC 8555 §6.7), so that only the WFE writes
// problem documents.
using ErrorResponse = std::function<acmekit::http::Response(int status, std::string_view detail)>;
acmekit::http::Response plain_error_response(int status, std::string_view detail);

struct ServerOptions {
  // HOST:PORT (net::parse_listen_address); port 0 picks a free one; "[::1]:443" for IPv6.
  std::string listen = "127.0.0.1:0";
  std::string name = "http";  // names the listener in errors and logs: "cannot listen on ... for NAME"
  // PEM chain and key; both empty means plain HTTP.
  std::string tls_chain_pem, tls_key_pem;
  // Mutual TLS (RFC 8446 §4.3.2 CertificateRequest): PEM of the CAs a
  // client certificate must chain to (with EKU clientAuth when it has an
  // EKU); a client without one is refused in the handshake. Empty: no
  // client certificate is asked for. Only with TLS.
  std::string tls_client_ca_pem;
  std::size_t body_limit = 64 * 1024;  // larger bodies get 413 and the connection is closed
  std::chrono::seconds header_timeout{10};  // a request must arrive whole within this
  std::chrono::seconds idle_timeout{60};    // keep-alive connections idle longer are closed
  // Requests answered on the I/O thread that read them, with no handoff to
  // the handler pool and back (two thread wake-ups fewer a request). For a
  // handler that is quick or waits only briefly (on a database); one that
  // may wait long (the CA's challenge answers) must go to the pool, or it
  // holds an I/O thread. Unset: every request goes to the pool.
  std::function<bool(const ServerRequest&)> run_inline;
  int threads = 4;                          // I/O threads, and as many handler threads
  // Handler threads beyond `threads`, for handlers that may block waiting
  // (the CA's challenge answers wait for their validation): the waiting
  // ones do not take the place of those that compute.
  int extra_handler_threads = 0;
  std::size_t max_connections = 4096;       // beyond this, new connections are closed at once
  ErrorResponse error_response = plain_error_response;
};

class Server {
 public:
  // Binds options.listen and starts serving on background threads.
  // kInvalidArgument for a bad address, kIo if it cannot bind.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Handler handler);
  // The same on an address already parsed (options.listen is ignored).
  static Result<std::unique_ptr<Server>> start(const net::ListenAddress& address, const ServerOptions& options,
                                               Handler handler);
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;  // the bound port
  // Stops accepting, closes connections, lets running handlers finish and
  // joins the threads. Idempotent. Not from inside a handler (it waits for them).
  virtual void stop() = 0;
};

}  // namespace acmekit::http
