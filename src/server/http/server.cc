#include "server/http/server.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "server/http/listen_address.h"
#include "server/http/session.h"
#include "server/http/tls_context.h"

namespace acmekit::server::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// How long stop() lets closed sessions wind down before it stops the
// I/O threads (the rest are destroyed with the io_context).
constexpr auto kStopGrace = std::chrono::seconds(2);

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(int threads)
      : io_(threads), work_(io_.get_executor()), strand_(asio::make_strand(io_)), acceptor_(strand_),
        retry_(strand_),
        pool_(std::make_unique<asio::thread_pool>(threads)) {}

  ~ServerImpl() override { stop(); }

  Status listen(const tcp::endpoint& endpoint) {
    boost::system::error_code ec;
    auto fail = [&](const char* what) {
      return make_error(ErrorKind::kIo, fmt_endpoint(endpoint) + ": cannot " + what + ": " +
                                            ec.message());
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open a socket");
    if (endpoint.address().is_v6()) {
      acceptor_.set_option(asio::ip::v6_only(true), ec);
      if (ec) return fail("set IPV6_V6ONLY");
    }
    // A restart binds while old connections sit in TIME_WAIT; on Linux it
    // does not let two listeners share a port.
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("set SO_REUSEADDR");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    const auto local = acceptor_.local_endpoint(ec);
    if (ec) return fail("read the bound address");
    port_ = local.port();
    return {};
  }

  void serve(std::shared_ptr<SessionContext> context, int threads) {
    context_ = std::move(context);
    asio::post(strand_, [this] { accept(); });
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            spdlog::error("http: I/O thread: {}", e.what());
          }
        }
      });
    }
  }

  asio::thread_pool::executor_type handler_pool() { return pool_->get_executor(); }

  uint16_t port() const override { return port_; }

  void stop() override {
    std::call_once(stopped_, [this] {
      asio::post(strand_, [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        retry_.cancel();
      });
      if (context_) {
        context_->connections.close_all();
        // Handlers already running finish; those not started are skipped.
        pool_->join();
        if (!context_->connections.wait_empty(kStopGrace)) {
          spdlog::warn("http: stopping with connections still winding down");
        }
      }
      io_.stop();
      for (auto& thread : threads_) thread.join();
      boost::system::error_code ignored;
      acceptor_.close(ignored);  // in case the posted close never ran
      pool_.reset();  // nothing runs any more that could post to it
    });
  }

 private:
  static std::string fmt_endpoint(const tcp::endpoint& ep) {
    const auto host = ep.address().to_string();
    return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
  }

  // On strand_. Every connection gets its own strand.
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](boost::system::error_code ec,
                                                          tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // E.g. out of file descriptors: back off instead of spinning.
        spdlog::warn("http: accepting a connection on port {}: {}", port_, ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](boost::system::error_code ec) {
          if (!ec) accept();
        });
        return;
      }
      start_session(context_, std::move(socket));
      accept();
    });
  }

  asio::io_context io_;
  // Keeps the I/O threads up while a handler runs on the pool with no socket
  // operation pending: its answer is posted back to them.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::shared_ptr<SessionContext> context_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::once_flag stopped_;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handler handler) {
  if (options.threads < 1) return make_error(ErrorKind::kInvalidArgument, "threads must be at least 1");
  if (options.tls_chain_pem.empty() != options.tls_key_pem.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "TLS needs both a certificate chain and a private key");
  }
  ACMEKIT_TRY(const auto endpoint, parse_listen_address(options.listen));
  auto server = std::make_unique<ServerImpl>(options.threads);
  auto context = std::make_shared<SessionContext>(options, std::move(handler), server->handler_pool());
  if (!options.tls_chain_pem.empty()) {
    ACMEKIT_TRY(auto tls, make_tls_context(options.tls_chain_pem, options.tls_key_pem));
    context->tls.emplace(std::move(tls));
  }
  ACMEKIT_CHECK(server->listen(endpoint));
  server->serve(std::move(context), options.threads);
  spdlog::debug("http: listening on port {} ({})", server->port(),
                options.tls_chain_pem.empty() ? "HTTP" : "HTTPS");
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace acmekit::server::http
