// Where a name's zone lives, as the rest of the DNS sees it: the apex of the
// zone enclosing a name and the zone's authoritative servers with their
// addresses, found through a Resolver (the system's resolv.conf servers or
// given ones). The propagation check asks these servers directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dns/resolver.h"
#include "core/error.h"

namespace acmekit::dns {

struct NameServer {
  std::string name;                    // "ns1.example.test"
  std::vector<std::string> addresses;  // IP literals, IPv4 first: glue, else A/AAAA lookups
};

// The apex of the zone that contains name: SOA queries for name and then its
// parents until the SOA shows up in the answer section (the name is an
// apex), or in the authority section of an NXDOMAIN/NODATA answer (its owner
// is the apex, RFC 2308 §3). A CNAME at name is not followed: ask for its
// target (Answer::name of a lookup). Errors are the resolver's, or kProtocol
// "no SOA found for NAME or any parent".
Result<std::string> find_zone_apex(const Resolver& resolver, std::string_view name);

// The NS records of zone (RFC 1035 §3.3.11) and each server's addresses: the
// glue in the additional section when the answer has it, else A and AAAA
// lookups. A server whose addresses cannot be found is listed with none.
// Errors: the resolver's; kProtocol "no NS records for ZONE".
Result<std::vector<NameServer>> authoritative_servers(const Resolver& resolver, std::string_view zone);

}  // namespace acmekit::dns
