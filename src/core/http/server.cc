#include "core/http/server.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include "core/http/server_session.h"
#include "core/http/server_tls.h"

namespace acmekit::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// How long stop() lets closed sessions wind down before it stops the
// I/O threads (the rest are destroyed with the io_context).
constexpr auto kStopGrace = std::chrono::seconds(2);

class ServerImpl final : public Server {
 public:
  ServerImpl(int io_threads, int handler_threads)
      : io_(io_threads), work_(io_.get_executor()), pool_(std::make_unique<asio::thread_pool>(handler_threads)) {}

  ~ServerImpl() override { stop(); }

  Status listen(const net::ListenAddress& address, const std::string& name) {
    ACMEKIT_TRY(acceptor_, net::Acceptor::open(io_, address, name));
    return {};
  }

  void serve(std::shared_ptr<SessionContext> context, int threads) {
    context_ = std::move(context);
    acceptor_->serve([context = context_](tcp::socket socket) { start_session(context, std::move(socket)); });
    for (int i = 0; i < threads; ++i) threads_.push_back(net::run_io_thread(io_, context_->options.name));
  }

  asio::thread_pool::executor_type handler_pool() { return pool_->get_executor(); }

  uint16_t port() const override { return acceptor_->port(); }

  void stop() override {
    std::call_once(stopped_, [this] {
      if (acceptor_) acceptor_->close();
      if (context_) {
        context_->connections.close_all();
        // Handlers already running finish; those not started are skipped.
        pool_->join();
        if (!context_->connections.wait_empty(kStopGrace)) {
          spdlog::warn("{}: stopping with connections still winding down", context_->options.name);
        }
      }
      io_.stop();
      for (auto& thread : threads_) thread.join();
      acceptor_.reset();  // closes the socket in case the posted close never ran
      pool_.reset();      // nothing runs any more that could post to it
    });
  }

 private:
  asio::io_context io_;
  // Keeps the I/O threads up while a handler runs on the pool with no socket
  // operation pending: its answer is posted back to them.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<net::Acceptor> acceptor_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::shared_ptr<SessionContext> context_;
  std::vector<std::thread> threads_;
  std::once_flag stopped_;
};

}  // namespace

acmekit::http::Response plain_error_response(int status, std::string_view detail) {
  acmekit::http::Response r;
  r.status = status;
  r.headers.add("content-type", "text/plain; charset=utf-8");
  r.body = std::string(detail) + "\n";
  return r;
}

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handler handler) {
  ACMEKIT_TRY(const auto address, net::parse_listen_address(options.listen, options.name));
  return start(address, options, std::move(handler));
}

Result<std::unique_ptr<Server>> Server::start(const net::ListenAddress& address, const ServerOptions& options,
                                              Handler handler) {
  if (options.threads < 1) return make_error(ErrorKind::kInvalidArgument, "threads must be at least 1");
  if (options.tls_chain_pem.empty() != options.tls_key_pem.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "TLS needs both a certificate chain and a private key");
  }
  if (!options.tls_client_ca_pem.empty() && options.tls_chain_pem.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "client certificates need TLS");
  }
  if (!options.error_response) return make_error(ErrorKind::kInvalidArgument, "no error_response");
  if (options.extra_handler_threads < 0) return make_error(ErrorKind::kInvalidArgument, "extra_handler_threads must not be negative");
  auto server = std::make_unique<ServerImpl>(options.threads, options.threads + options.extra_handler_threads);
  auto context = std::make_shared<SessionContext>(options, std::move(handler), server->handler_pool());
  if (!options.tls_chain_pem.empty()) {
    ACMEKIT_TRY(auto tls, make_tls_context(options.tls_chain_pem, options.tls_key_pem, options.tls_client_ca_pem));
    context->tls.emplace(std::move(tls));
  }
  ACMEKIT_CHECK(server->listen(address, options.name));
  server->serve(std::move(context), options.threads);
  spdlog::debug("{}: serving {} on port {}", options.name, options.tls_chain_pem.empty()             ? "HTTP"
                                                   : options.tls_client_ca_pem.empty() ? "HTTPS"
                                                                                       : "HTTPS (client certificates required)",
                server->port());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace acmekit::http
