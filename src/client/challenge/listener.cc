#include "client/challenge/listener.h"

#include <boost/asio/ip/v6_only.hpp>
#include <spdlog/spdlog.h>

namespace acmekit::client::challenge {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

Result<Listening> open_listener(asio::io_context& ioc, const std::string& address, uint16_t port,
                                std::string_view what) {
  tcp::endpoint endpoint;
  bool all_v6 = false;
  if (address.empty() || address == "0.0.0.0") {
    endpoint = tcp::endpoint(tcp::v4(), port);
  } else if (address == "::" || address == "[::]") {
    endpoint = tcp::endpoint(tcp::v6(), port);
    all_v6 = true;
  } else {
    std::string host = address;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) {
      return make_error(ErrorKind::kInvalidArgument,
                        "invalid listen address \"" + address + "\" for " + std::string(what));
    }
    endpoint = tcp::endpoint(addr, port);
  }

  Listening l{.acceptor = tcp::acceptor(ioc), .where = endpoint_string(endpoint)};
  auto fail = [&](const boost::system::error_code& ec) {
    std::string detail = "cannot listen on " + l.where + " for " + std::string(what) + ": " + ec.message();
    if (ec == asio::error::access_denied && port < 1024) {
      detail += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    }
    return make_error(ErrorKind::kIo, std::move(detail));
  };
  boost::system::error_code ec;
  l.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  if (all_v6) {
    l.acceptor.set_option(asio::ip::v6_only(false), ec);
    if (ec) return fail(ec);
  }
  // Lets a restart bind while old connections sit in TIME_WAIT; on Linux it
  // does not allow two listeners on one port.
  l.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  l.acceptor.bind(endpoint, ec);
  if (ec) return fail(ec);
  l.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  auto local = l.acceptor.local_endpoint(ec);
  if (ec) return fail(ec);
  l.port = local.port();
  l.where = endpoint_string(local);
  spdlog::debug("{}: listening on {}", what, l.where);
  return l;
}

std::thread run_io_thread(asio::io_context& ioc, std::string what, std::string where) {
  return std::thread([&ioc, what = std::move(what), where = std::move(where)] {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("{} server on {}: {}", what, where, e.what());
      }
    }
  });
}

}  // namespace acmekit::client::challenge
