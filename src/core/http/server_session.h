// One accepted connection: TLS handshake (when configured), then requests
// read one at a time, each answered by the Handler (on the handler pool, or
// on the I/O thread for requests ServerOptions::run_inline picks),
// until the client closes, a timeout fires, or the listener stops.
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/http/server_connections.h"
#include "core/http/server.h"

namespace acmekit::http {

// What every session of one listener shares. Sessions hold it by
// shared_ptr, so it outlives the last of them.
struct SessionContext {
  SessionContext(ServerOptions o, Handler h, boost::asio::thread_pool::executor_type pool)
      : options(std::move(o)), handler(std::move(h)), handler_pool(pool),
        connections(options.max_connections) {}

  const ServerOptions options;
  const Handler handler;
  std::optional<boost::asio::ssl::context> tls;  // engaged: HTTPS, else plain HTTP
  // Where the Handler runs, so a slow one holds no I/O thread. The listener
  // keeps the pool alive until its I/O threads are joined.
  boost::asio::thread_pool::executor_type handler_pool;
  Connections connections;
};

// Starts serving `socket` (whose executor must be a strand) as a session,
// or closes it at once when context->connections refuses it.
void start_session(const std::shared_ptr<SessionContext>& context,
                   boost::asio::ip::tcp::socket socket);

}  // namespace acmekit::http
