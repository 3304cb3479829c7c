#include "client/challenge/tls_alpn01_standalone.h"

#include <array>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "core/crypto/tls_alpn_responder.h"
#include "core/net/listener.h"

namespace acmekit::client::challenge {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using crypto::TlsAlpnHandshake;

// A ClientHello is a few hundred bytes; a TLS 1.2 client's whole side of
// the handshake a few KiB. More than this is not a validator.
constexpr size_t kMaxHandshakeBytes = 64 * 1024;

// One accepted connection: feed what the peer sends to the handshake, write
// what it answers, until it is done or failed or the deadline passes; then
// close (RFC 8737 §4: the connection carries nothing but the handshake).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, TlsAlpnHandshake handshake, std::chrono::milliseconds timeout)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), handshake_(std::move(handshake)),
        timeout_(timeout) {
    error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    remote_ = ec ? std::string("?") : net::endpoint_string(ep);
  }

  void run() {
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->on_timeout();
    });
    do_read();
  }

 private:
  void do_read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](error_code ec, size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(error_code ec, size_t n) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        spdlog::debug("tls-alpn-01: {} left before the handshake completed: {}", remote_, ec.message());
      }
      return close();
    }
    received_ += n;
    if (received_ > kMaxHandshakeBytes) {
      spdlog::debug("tls-alpn-01: {} sent more than {} bytes without completing a handshake", remote_,
                    kMaxHandshakeBytes);
      return close();
    }
    state_ = handshake_.advance(std::string_view(buffer_.data(), n));
    output_ = handshake_.take_output();
    if (output_.empty()) return on_written({});
    asio::async_write(socket_, asio::buffer(output_),
                      [self = shared_from_this()](error_code ec, size_t) { self->on_written(ec); });
  }

  void on_written(error_code ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted) {
        spdlog::debug("tls-alpn-01: writing to {}: {}", remote_, ec.message());
      }
      return close();
    }
    switch (state_) {
      case TlsAlpnHandshake::State::kWantRead:
        return do_read();
      case TlsAlpnHandshake::State::kDone:
        spdlog::debug("tls-alpn-01: served the challenge certificate for \"{}\" to {}",
                      handshake_.server_name(), remote_);
        return close();
      case TlsAlpnHandshake::State::kFailed:
        spdlog::debug("tls-alpn-01: refused the handshake from {}: {}", remote_, handshake_.error());
        return close();
    }
  }

  void on_timeout() {
    spdlog::debug("tls-alpn-01: no handshake from {} within {} ms, closing", remote_, timeout_.count());
    error_code ignored;
    socket_.close(ignored);  // the pending read or write ends with operation_aborted
  }

  void close() {
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  TlsAlpnHandshake handshake_;
  std::chrono::milliseconds timeout_;
  std::array<char, 4096> buffer_{};
  size_t received_ = 0;
  std::string output_;
  TlsAlpnHandshake::State state_ = TlsAlpnHandshake::State::kWantRead;
  std::string remote_;
};

}  // namespace

struct TlsAlpn01Standalone::Impl {
  explicit Impl(crypto::TlsAlpnResponder r) : responder(std::move(r)) {}

  crypto::TlsAlpnResponder responder;  // thread safe: present() runs on callers' threads
  asio::io_context ioc{1};
  std::unique_ptr<net::Acceptor> acceptor;
  std::chrono::milliseconds handshake_timeout{kHandshakeTimeout};
  std::thread thread;

  void on_socket(tcp::socket socket) {
    auto handshake = responder.accept();
    if (!handshake) {
      spdlog::warn("tls-alpn-01: {}", handshake.error().detail);
      return;
    }
    std::make_shared<Connection>(std::move(socket), std::move(*handshake), handshake_timeout)->run();
  }
};

Result<std::unique_ptr<TlsAlpn01Standalone>> TlsAlpn01Standalone::start(const std::string& address, uint16_t port,
                                                                        std::chrono::milliseconds handshake_timeout) {
  ACMEKIT_TRY(auto responder, crypto::TlsAlpnResponder::create());
  auto impl = std::make_unique<Impl>(std::move(responder));
  impl->handshake_timeout = handshake_timeout;
  ACMEKIT_TRY(const auto listen, net::listen_address(address, port, "tls-alpn-01"));
  ACMEKIT_TRY(impl->acceptor, net::Acceptor::open(impl->ioc, listen, "tls-alpn-01"));
  impl->acceptor->serve([raw = impl.get()](tcp::socket socket) { raw->on_socket(std::move(socket)); });
  impl->thread = net::run_io_thread(impl->ioc, "tls-alpn-01 on " + impl->acceptor->where());
  return std::unique_ptr<TlsAlpn01Standalone>(new TlsAlpn01Standalone(std::move(impl)));
}

TlsAlpn01Standalone::TlsAlpn01Standalone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsAlpn01Standalone::~TlsAlpn01Standalone() {
  if (!impl_) return;
  impl_->acceptor->close();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptor.reset();
  // Open connections are owned by their pending handlers, which the
  // io_context destroys (closing their sockets) when impl_ goes.
}

uint16_t TlsAlpn01Standalone::port() const { return impl_->acceptor->port(); }

ChallengeType TlsAlpn01Standalone::type() const { return ChallengeType::kTlsAlpn01; }

Status TlsAlpn01Standalone::present(const Task& task) {
  auto name = impl_->responder.add(task.identifier, task.key_authorization);
  if (!name) return std::unexpected(std::move(name.error()).with_context("tls-alpn-01 for " + task.identifier));
  spdlog::debug("tls-alpn-01: answering SNI \"{}\" for {}", *name, task.identifier);
  return {};
}

Status TlsAlpn01Standalone::cleanup(const Task& task) {
  impl_->responder.remove(task.identifier, task.key_authorization);
  return {};
}

}  // namespace acmekit::client::challenge
