#include "core/net/listener.h"

#include <charconv>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

namespace acmekit::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

namespace {

std::unexpected<Error> bad_address(std::string_view text, std::string_view what, std::string_view why) {
  return make_error(ErrorKind::kInvalidArgument,
                    "invalid listen address \"" + std::string(text) + "\" for " + std::string(what) + ": " +
                        std::string(why));
}

}  // namespace

Result<ListenAddress> listen_address(std::string_view address, uint16_t port, std::string_view what) {
  if (address.empty() || address == "0.0.0.0") return ListenAddress{tcp::endpoint(tcp::v4(), port), false};
  if (address == "::" || address == "[::]") return ListenAddress{tcp::endpoint(tcp::v6(), port), true};
  std::string_view host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(host), ec);
  if (ec) return bad_address(address, what, "the host must be an IP address");
  return ListenAddress{tcp::endpoint(ip, port), false};
}

Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view what) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad_address(text, what, "expected HOST:PORT");
  const std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.find(':') != std::string_view::npos && !(host.front() == '[' && host.back() == ']')) {
    return bad_address(text, what, "an IPv6 address goes in brackets, e.g. [::1]:443");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad_address(text, what, "the port must be a number from 0 to 65535");
  }
  if (host.empty()) return ListenAddress{tcp::endpoint(tcp::v4(), static_cast<uint16_t>(port)), false};
  auto parsed = listen_address(host, static_cast<uint16_t>(port), what);
  if (!parsed) return bad_address(text, what, "the host must be an IP address");
  return parsed;
}

struct Acceptor::State : std::enable_shared_from_this<Acceptor::State> {
  State(asio::io_context& io, std::string w) : ioc(io), strand(asio::make_strand(io)), acceptor(strand), retry(strand),
                                               what(std::move(w)) {}
  asio::io_context& ioc;
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  std::string what;
  OnSocket on_socket;

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](boost::system::error_code ec,
                                                                              tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      if (ec) {
        spdlog::warn("{}: accepting a connection: {}", self->what, ec.message());
        self->retry.expires_after(std::chrono::milliseconds(100));
        self->retry.async_wait([self](boost::system::error_code ec) {
          if (!ec) self->accept();
        });
        return;
      }
      self->on_socket(std::move(socket));
      self->accept();
    });
  }
};

Result<std::unique_ptr<Acceptor>> Acceptor::open(asio::io_context& ioc, const ListenAddress& address,
                                                 std::string what) {
  auto state = std::make_shared<State>(ioc, std::move(what));
  const auto& endpoint = address.endpoint;
  auto fail = [&](const boost::system::error_code& ec) {
    std::string detail =
        "cannot listen on " + endpoint_string(endpoint) + " for " + state->what + ": " + ec.message();
    if (ec == asio::error::access_denied && endpoint.port() < 1024) {
      detail += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    }
    return make_error(ErrorKind::kIo, std::move(detail));
  };
  auto& a = state->acceptor;
  boost::system::error_code ec;
  a.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  if (endpoint.address().is_v6()) {
    a.set_option(asio::ip::v6_only(!address.dual_stack), ec);
    if (ec) return fail(ec);
  }
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  a.bind(endpoint, ec);
  if (ec) return fail(ec);
  a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  const auto local = a.local_endpoint(ec);
  if (ec) return fail(ec);
  spdlog::debug("{}: listening on {}", state->what, endpoint_string(local));
  return std::unique_ptr<Acceptor>(new Acceptor(std::move(state), local.port(), endpoint_string(local)));
}

Acceptor::Acceptor(std::shared_ptr<State> state, uint16_t port, std::string where)
    : state_(std::move(state)), port_(port), where_(std::move(where)) {}

Acceptor::~Acceptor() {
  // The io_context may be stopped already: close here too, not only posted.
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

void Acceptor::serve(OnSocket on_socket) {
  state_->on_socket = std::move(on_socket);
  asio::post(state_->strand, [state = state_] { state->accept(); });
}

void Acceptor::close() {
  asio::post(state_->strand, [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    state->retry.cancel();
  });
}

std::thread run_io_thread(asio::io_context& ioc, std::string what) {
  return std::thread([&ioc, what = std::move(what)] {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("{}: I/O thread: {}", what, e.what());
      }
    }
  });
}

}  // namespace acmekit::net
