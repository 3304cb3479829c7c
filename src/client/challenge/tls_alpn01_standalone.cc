#include "client/challenge/tls_alpn01_standalone.h"
#include "client/challenge/listener.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "core/crypto/tls_alpn_responder.h"

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
    remote_ = ec ? std::string("?") : endpoint_string(ep);
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
  tcp::acceptor acceptor{ioc};
  asio::steady_timer retry_timer{ioc};
  std::chrono::milliseconds handshake_timeout{kHandshakeTimeout};
  std::string where;  // "127.0.0.1:443"
  uint16_t port = 0;
  std::thread thread;

  void do_accept() {
    acceptor.async_accept(ioc, [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        // E.g. out of file descriptors: back off instead of spinning.
        spdlog::warn("tls-alpn-01: accepting a connection on {}: {}", where, ec.message());
        retry_timer.expires_after(std::chrono::milliseconds(100));
        retry_timer.async_wait([this](error_code ec) {
          if (!ec) do_accept();
        });
        return;
      }
      auto handshake = responder.accept();
      if (handshake) {
        std::make_shared<Connection>(std::move(socket), std::move(*handshake), handshake_timeout)->run();
      } else {
        spdlog::warn("tls-alpn-01: {}", handshake.error().detail);
      }
      do_accept();
    });
  }
};

Result<std::unique_ptr<TlsAlpn01Standalone>> TlsAlpn01Standalone::start(const std::string& address, uint16_t port,
                                                                        std::chrono::milliseconds handshake_timeout) {
  ACMEKIT_TRY(auto responder, crypto::TlsAlpnResponder::create());
  auto impl = std::make_unique<Impl>(std::move(responder));
  impl->handshake_timeout = handshake_timeout;
  ACMEKIT_TRY(auto listening, open_listener(impl->ioc, address, port, "tls-alpn-01"));
  impl->acceptor = std::move(listening.acceptor);
  impl->port = listening.port;
  impl->where = listening.where;

  impl->do_accept();
  impl->thread = run_io_thread(impl->ioc, "tls-alpn-01", impl->where);
  return std::unique_ptr<TlsAlpn01Standalone>(new TlsAlpn01Standalone(std::move(impl)));
}

TlsAlpn01Standalone::TlsAlpn01Standalone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsAlpn01Standalone::~TlsAlpn01Standalone() {
  if (!impl_) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  error_code ignored;
  impl_->acceptor.close(ignored);
  // Open connections are owned by their pending handlers, which the
  // io_context destroys (closing their sockets) when impl_ goes.
}

uint16_t TlsAlpn01Standalone::port() const { return impl_->port; }

std::string TlsAlpn01Standalone::type() const { return kTlsAlpn01; }

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
