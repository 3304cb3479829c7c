// Parses ServerOptions::listen, "HOST:PORT" with an IPv4 address or a
// bracketed IPv6 one ("[::1]:443"); port 0 asks for a free port.
#pragma once

#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "core/error.h"

namespace acmekit::server::http {

// kInvalidArgument when the address or the port is not valid.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view listen);

}  // namespace acmekit::server::http
