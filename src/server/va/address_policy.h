// The validation address policy (issue 17): the addresses the VA refuses to
// connect to for http-01 (every redirect hop) and tls-alpn-01, and the IP
// identifiers (RFC 8738) the RA refuses at newOrder. By default every
// reserved range (address_policy.cc: the IANA special-purpose registries,
// loopback, private, link-local, multicast, ...) is refused;
// --validation-allow-cidr opens blocks of them for internal CAs and tests.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::server::va {

// An IPv4 or IPv6 address block. IPv4 is kept in its IPv4-mapped IPv6 form
// (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) with 96 added to its prefix, so that
// ::ffff:10.0.0.1 is judged as 10.0.0.1: an IPv4 block holds the IPv4 and
// the IPv4-mapped addresses, an IPv6 block only IPv6 addresses that are not
// IPv4-mapped (::/0 does not open 10.0.0.1).
struct Cidr {
  std::array<uint8_t, 16> network{};
  int prefix = 0;    // 0..128, over network (an IPv4 /8 is 104)
  bool ipv4 = false;
  std::string text;  // as written, e.g. "10.0.0.0/8"

  bool contains(const std::array<uint8_t, 16>& address, bool address_is_ipv4) const;
};

// "10.0.0.0/8", "fc00::/7", "::1/128"; "::ffff:10.0.0.0/104" is 10.0.0.0/8.
// Addresses through inet_pton; the prefix is required (0..32 or 0..128) and
// no bit after it may be set (10.0.0.1/8 is refused: a typo for /32, or
// 10.0.0.0/8?). kInvalidArgument naming the text otherwise.
Result<Cidr> parse_cidr(std::string_view text);

// A reserved range: its block and what the registries call it.
struct ReservedRange {
  std::string_view cidr;  // "10.0.0.0/8"
  std::string_view name;  // "Private-Use, RFC 1918"
};

// Every range refused by default, in the order they are matched (narrower
// ranges before the ranges that hold them, so the name is the precise one).
std::span<const ReservedRange> reserved_ranges();

class AddressPolicy {
 public:
  // Refuses every reserved range.
  AddressPolicy() = default;
  // Refuses the reserved ranges except the addresses in allowed.
  explicit AddressPolicy(std::vector<Cidr> allowed) : allowed_(std::move(allowed)) {}
  // --validation-allow-cidr's values; kInvalidArgument naming the bad one.
  static Result<AddressPolicy> allowing(const std::vector<std::string>& cidrs);

  // Why address (textual IPv4 or IPv6) may not be connected to or certified:
  // "10.0.0.1 is a reserved address (10.0.0.0/8: Private-Use, RFC 1918)";
  // nullopt when it may. Text that is not an address is refused too.
  std::optional<std::string> refusal(std::string_view address) const;

  const std::vector<Cidr>& allowed() const { return allowed_; }

 private:
  std::vector<Cidr> allowed_;
};

// The addresses of host (as resolved: hosts file or DNS) the VA may connect
// to, in their order. When policy refuses all of them: a "connection"
// problem naming each address and its range ("x.test: 10.0.0.1 is a
// reserved address (10.0.0.0/8: Private-Use, RFC 1918); refusing to
// connect").
Result<std::vector<std::string>> connectable_addresses(std::string_view host,
                                                       const std::vector<std::string>& addresses,
                                                       const AddressPolicy& policy);

}  // namespace acmekit::server::va
