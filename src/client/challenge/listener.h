// What the standalone solvers (http-01, tls-alpn-01) share: the listening
// socket, opened at start() so a taken port fails before any order, and the
// thread that runs their io_context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/error.h"

namespace acmekit::client::challenge {

// "127.0.0.1:80", "[::1]:443".
std::string endpoint_string(const boost::asio::ip::tcp::endpoint& ep);

struct Listening {
  boost::asio::ip::tcp::acceptor acceptor;
  std::string where;  // the bound address, as endpoint_string
  uint16_t port = 0;  // the bound port (port 0 picks one)
};

// Binds address:port and listens. "" or "0.0.0.0" is every IPv4 address,
// "::" every IPv6 address and IPv4 too (v6only off), else an IP literal
// ("[v6]" accepted). `what` ("http-01") names the solver in errors:
//   kIo "cannot listen on 127.0.0.1:80 for http-01: Address already in use"
//   (+ a hint for ports below 1024), kInvalidArgument for a bad address.
Result<Listening> open_listener(boost::asio::io_context& ioc, const std::string& address, uint16_t port,
                                std::string_view what);

// A thread that runs ioc until it is stopped; an exception escaping a
// handler is logged (naming what and where) and the loop goes on.
std::thread run_io_thread(boost::asio::io_context& ioc, std::string what, std::string where);

}  // namespace acmekit::client::challenge
