// The validation address policy (address_policy.h).
#include "server/va/address_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "core/quote.h"
#include "server/va/problem.h"

namespace acmekit::server::va {
namespace {

// The ranges the VA refuses by default, after the IANA IPv4 and IPv6
// Special-Purpose Address Registries (RFC 6890) as Boulder refuses them:
// every entry, including those the registries mark globally reachable (an
// anycast relay or AS112 server is no web server to validate). Where we
// diverge from the registries, and why:
//  - ::ffff:0:0/96 (IPv4-mapped) is not refused whole: such an address is
//    judged as the IPv4 address it holds (Cidr::contains), so a mapped
//    public address is public and ::ffff:127.0.0.1 is loopback.
//  - Added: multicast 224.0.0.0/4 (RFC 5771) and ff00::/8 (RFC 4291 §2.7),
//    which are in the multicast registries, not the special-purpose ones.
//  - Added: IPv6 outside 2000::/3, the only IPv6 unicast space IANA
//    allocates (IPv6 Address Space registry; 5f00::/16 lies outside it and
//    is in the list anyway): named for the deprecated IPv4-compatible
//    ::/96 (RFC 4291 §2.5.5.1) and site-local fec0::/10 (RFC 3879), caught
//    as a whole by the last three entries.
// The registries' sub-entries of 192.0.0.0/24 and 2001::/23 are refused
// with their block; the better-known ones are named.
constexpr ReservedRange kReserved[] = {
    // IPv4 Special-Purpose Address Registry.
    {"0.0.0.0/8", "\"this network\", RFC 791 §3.2"},
    {"10.0.0.0/8", "Private-Use, RFC 1918"},
    {"100.64.0.0/10", "Shared Address Space, RFC 6598"},
    {"127.0.0.0/8", "Loopback, RFC 1122 §3.2.1.3"},
    {"169.254.0.0/16", "Link Local, RFC 3927"},
    {"172.16.0.0/12", "Private-Use, RFC 1918"},
    {"192.0.0.0/24", "IETF Protocol Assignments, RFC 6890 §2.1"},
    {"192.0.2.0/24", "Documentation (TEST-NET-1), RFC 5737"},
    {"192.31.196.0/24", "AS112-v4, RFC 7535"},
    {"192.52.193.0/24", "AMT, RFC 7450"},
    {"192.88.99.0/24", "Deprecated (6to4 Relay Anycast), RFC 7526"},
    {"192.168.0.0/16", "Private-Use, RFC 1918"},
    {"192.175.48.0/24", "Direct Delegation AS112 Service, RFC 7534"},
    {"198.18.0.0/15", "Benchmarking, RFC 2544"},
    {"198.51.100.0/24", "Documentation (TEST-NET-2), RFC 5737"},
    {"203.0.113.0/24", "Documentation (TEST-NET-3), RFC 5737"},
    {"224.0.0.0/4", "Multicast, RFC 5771"},
    {"255.255.255.255/32", "Limited Broadcast, RFC 919 §7"},
    {"240.0.0.0/4", "Reserved, RFC 1112 §4"},
    // IPv6 Special-Purpose Address Registry.
    {"::/128", "Unspecified Address, RFC 4291"},
    {"::1/128", "Loopback Address, RFC 4291"},
    {"::/96", "IPv4-compatible (deprecated), RFC 4291 §2.5.5.1"},
    {"64:ff9b::/96", "IPv4-IPv6 Translation, RFC 6052"},
    {"64:ff9b:1::/48", "IPv4-IPv6 Translation (local use), RFC 8215"},
    {"100::/64", "Discard-Only Address Block, RFC 6666"},
    {"2001::/32", "TEREDO, RFC 4380"},
    {"2001:2::/48", "Benchmarking, RFC 5180"},
    {"2001:10::/28", "Deprecated (previously ORCHID), RFC 4843"},
    {"2001::/23", "IETF Protocol Assignments, RFC 2928"},
    {"2001:db8::/32", "Documentation, RFC 3849"},
    {"2002::/16", "6to4, RFC 3056"},
    {"2620:4f:8000::/48", "Direct Delegation AS112 Service, RFC 7534"},
    {"3fff::/20", "Documentation, RFC 9637"},
    {"5f00::/16", "Segment Routing (SRv6) SIDs, RFC 9602"},
    {"fc00::/7", "Unique-Local, RFC 4193"},
    {"fe80::/10", "Link-Local Unicast, RFC 4291"},
    {"fec0::/10", "Site-Local (deprecated), RFC 3879"},
    {"ff00::/8", "Multicast, RFC 4291 §2.7"},
    {"::/3", "not global unicast (outside 2000::/3), IANA IPv6 Address Space"},
    {"4000::/2", "not global unicast (outside 2000::/3), IANA IPv6 Address Space"},
    {"8000::/1", "not global unicast (outside 2000::/3), IANA IPv6 Address Space"},
};

struct Address {
  std::array<uint8_t, 16> bytes{};
  bool ipv4 = false;
};

// RFC 4291 §2.5.5.2: ::ffff:a.b.c.d.
bool is_v4_mapped(const std::array<uint8_t, 16>& b) {
  return std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return x == 0; }) && b[10] == 0xff &&
         b[11] == 0xff;
}

std::optional<Address> parse_address(const std::string& text) {
  Address a;
  uint8_t v4[4];
  if (::inet_pton(AF_INET, text.c_str(), v4) == 1) {
    a.bytes[10] = a.bytes[11] = 0xff;
    std::copy(v4, v4 + 4, a.bytes.begin() + 12);
    a.ipv4 = true;
    return a;
  }
  if (::inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
    a.ipv4 = is_v4_mapped(a.bytes);
    return a;
  }
  return std::nullopt;
}

// True when every bit of b after the first prefix bits is 0.
bool host_bits_clear(const std::array<uint8_t, 16>& b, int prefix) {
  for (int bit = prefix; bit < 128; ++bit) {
    if (b[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

struct Compiled {
  Cidr cidr;
  const ReservedRange* range;
};

const std::vector<Compiled>& compiled_reserved() {
  static const std::vector<Compiled> table = [] {
    std::vector<Compiled> out;
    for (const auto& r : kReserved) {
      auto cidr = parse_cidr(r.cidr);
      if (!cidr) std::abort();  // the table above is wrong (address_policy_test checks it)
      out.push_back({std::move(*cidr), &r});
    }
    return out;
  }();
  return table;
}

}  // namespace

bool Cidr::contains(const std::array<uint8_t, 16>& address, bool address_is_ipv4) const {
  if (ipv4 != address_is_ipv4) return false;
  const int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(network.begin(), network.begin() + whole, address.begin())) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (network[whole] & mask) == (address[whole] & mask);
}

Result<Cidr> parse_cidr(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::kInvalidArgument, debug_quoted(text) + " is not a CIDR block: " + std::string(why));
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad("no /PREFIX (e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1/32)");
  const std::string address_text(text.substr(0, slash));
  const std::string_view prefix_text = text.substr(slash + 1);
  auto address = parse_address(address_text);
  if (!address) return bad("not an IPv4 or IPv6 address before the /");
  const bool written_v4 = address_text.find(':') == std::string::npos;
  const int max = written_v4 ? 32 : 128;
  int prefix = -1;
  auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (prefix_text.empty() || ec != std::errc() || end != prefix_text.data() + prefix_text.size() || prefix < 0 ||
      prefix > max) {
    return bad("the prefix length must be 0.." + std::to_string(max));
  }
  Cidr c{.network = address->bytes, .prefix = written_v4 ? prefix + 96 : prefix, .ipv4 = false, .text = std::string(text)};
  if (!host_bits_clear(c.network, c.prefix)) return bad("bits are set after the prefix length");
  // An IPv4 block, or an IPv6 one inside ::ffff:0:0/96, which is the same.
  c.ipv4 = written_v4 || (c.prefix >= 96 && is_v4_mapped(c.network));
  return c;
}

std::span<const ReservedRange> reserved_ranges() { return kReserved; }

Result<AddressPolicy> AddressPolicy::allowing(const std::vector<std::string>& cidrs) {
  std::vector<Cidr> allowed;
  for (const auto& text : cidrs) {
    ACMEKIT_TRY(auto cidr, parse_cidr(text));
    allowed.push_back(std::move(cidr));
  }
  return AddressPolicy(std::move(allowed));
}

std::optional<std::string> AddressPolicy::refusal(std::string_view address_text) const {
  const std::string text(address_text);
  auto address = parse_address(text);
  if (!address) return debug_quoted(address_text) + " is not an IP address";
  const ReservedRange* reserved = nullptr;
  for (const auto& entry : compiled_reserved()) {
    if (entry.cidr.contains(address->bytes, address->ipv4)) {
      reserved = entry.range;
      break;
    }
  }
  if (reserved == nullptr) return std::nullopt;
  for (const auto& open : allowed_) {
    if (open.contains(address->bytes, address->ipv4)) return std::nullopt;
  }
  return text + " is a reserved address (" + std::string(reserved->cidr) + ": " + std::string(reserved->name) + ")";
}

Result<std::vector<std::string>> connectable_addresses(std::string_view host,
                                                       const std::vector<std::string>& addresses,
                                                       const AddressPolicy& policy) {
  std::vector<std::string> out;
  std::string refused;
  for (const auto& address : addresses) {
    if (auto why = policy.refusal(address)) {
      refused += (refused.empty() ? "" : ", ") + *why;
    } else {
      out.push_back(address);
    }
  }
  if (!out.empty()) return out;
  if (refused.empty()) return problem("connection", "no address for " + std::string(host));
  const bool literal = addresses.size() == 1 && addresses[0] == host;
  return problem("connection", (literal ? "" : std::string(host) + ": ") + refused + "; refusing to connect");
}

}  // namespace acmekit::server::va
