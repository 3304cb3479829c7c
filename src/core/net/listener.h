// Listening TCP sockets, for every server in the code base: the CA's HTTPS
// and management listeners, the client's daemon metrics, the http-01 and
// tls-alpn-01 standalone solvers (core/http/server.h is built on this).
// One listen-address syntax, one way to bind, one accept loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/error.h"

namespace acmekit::net {

// "127.0.0.1:80", "[::1]:443".
std::string endpoint_string(const boost::asio::ip::tcp::endpoint& ep);

// Where to listen. `dual_stack`: "[::]" takes IPv4 connections too.
struct ListenAddress {
  boost::asio::ip::tcp::endpoint endpoint;
  bool dual_stack = false;
};

// "HOST:PORT": HOST an IPv4 address, a bracketed IPv6 address ("[::1]:443";
// "[::]" is every IPv6 and IPv4 address), or empty (":80", every IPv4
// address); PORT 0..65535 in digits, 0 for a free one. kInvalidArgument
// naming `what` and the text otherwise ("127.0.0.1:abc", "::1:443", "host:80").
Result<ListenAddress> parse_listen_address(std::string_view text, std::string_view what);

// The same from an address and a port as the solvers take them: "" or
// "0.0.0.0" every IPv4 address, "::" every IPv6 and IPv4 address, else an IP
// literal ("[v6]" too).
Result<ListenAddress> listen_address(std::string_view address, uint16_t port, std::string_view what);

// A bound, listening socket and its accept loop. Every accepted connection
// gets a strand of its own; an accept error (e.g. out of file descriptors)
// backs off 100 ms instead of spinning.
class Acceptor {
 public:
  using OnSocket = std::function<void(boost::asio::ip::tcp::socket)>;

  // Opens, binds (SO_REUSEADDR: a restart binds while old connections sit
  // in TIME_WAIT; Linux still lets only one listener have the port) and
  // listens. kIo naming `what`, e.g. "cannot listen on 127.0.0.1:80 for
  // http-01: Address already in use" (+ a hint for ports below 1024).
  static Result<std::unique_ptr<Acceptor>> open(boost::asio::io_context& ioc, const ListenAddress& address,
                                                std::string what);
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Starts accepting; on_socket runs on the io_context for each connection.
  void serve(OnSocket on_socket);
  // Stops accepting (from any thread; the loop ends on the io_context).
  void close();

  uint16_t port() const { return port_; }           // the bound port
  const std::string& where() const { return where_; }  // the bound address, as endpoint_string

 private:
  struct State;
  explicit Acceptor(std::shared_ptr<State> state, uint16_t port, std::string where);
  std::shared_ptr<State> state_;
  uint16_t port_;
  std::string where_;
};

// A thread that runs ioc until it is stopped; an exception escaping a
// handler is logged (naming `what`) and the loop goes on.
std::thread run_io_thread(boost::asio::io_context& ioc, std::string what);

}  // namespace acmekit::net
