#include "server/http/listen_address.h"

#include <charconv>
#include <string>

namespace acmekit::server::http {

Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view listen) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::kInvalidArgument,
                      "invalid listen address \"" + std::string(listen) + "\": " + std::string(why));
  };
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) return bad("expected HOST:PORT");
  std::string_view host = listen.substr(0, colon);
  const std::string_view port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 address goes in brackets, e.g. [::1]:443");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return bad("the port must be a number from 0 to 65535");
  }
  boost::system::error_code address_ec;
  const auto address = boost::asio::ip::make_address(std::string(host), address_ec);
  if (address_ec) return bad("the host must be an IP address");
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace acmekit::server::http
