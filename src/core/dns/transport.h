// Moving DNS messages: one request to one server, the reply's bytes back.
// UDP (RFC 1035 §4.2.1) with a retry over TCP when the answer is truncated,
// or TCP alone (RFC 1035 §4.2.2, RFC 7766). Knows nothing of the message
// content beyond the header's ID and TC bit.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::dns {

// A DNS server: an IP address (never a name: resolving it would need DNS)
// and a port.
struct Endpoint {
  std::string host;  // "192.0.2.1" or "2001:db8::1" (no brackets)
  uint16_t port = 53;

  // "192.0.2.1:53", "[2001:db8::1]:53": how errors name the server.
  std::string label() const;
  // The host alone when port is 53, else label(): "192.0.2.1", "127.0.0.1:5353".
  std::string short_label() const;
  bool operator==(const Endpoint&) const = default;
};

// "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address; HOST must
// be an IP address. kInvalidArgument otherwise.
Result<Endpoint> parse_endpoint(std::string_view text, uint16_t default_port = 53);

enum class Transport {
  kUdp,  // UDP, then TCP when the answer has TC set (RFC 7766 §5)
  kTcp,  // TCP only
};

// Sends one message (wire format, ID in its first two bytes) and returns the
// reply's bytes: over UDP the first datagram carrying the same ID (others are
// ignored). timeout bounds each of the UDP and the TCP exchange.
// Errors name nothing (the caller adds server and question):
//   kTimeout  "no answer within N ms";
//   kUnavailable  socket errors ("TCP connect: Connection refused", ...).
Result<std::string> exchange(const Endpoint& server, std::string_view message, Transport transport,
                             std::chrono::milliseconds timeout);

}  // namespace acmekit::dns
