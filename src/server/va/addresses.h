// Internal to va/: where to connect for http-01 and tls-alpn-01.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/dns/resolver.h"
#include "server/va/address_policy.h"

namespace acmekit::server::va {

// The addresses to connect to for host, in the order to try: an IP literal
// is its own address (RFC 8738 §3); a name is looked up in hosts
// (lower-cased name) first, else in DNS, AAAA before A (IPv6 first, as Let's
// Encrypt does). Lookup failures are "dns" problems naming the name and the
// DNS server. Of those addresses only the ones policy allows are returned
// (connectable_addresses: none is a "connection" problem naming them).
Result<std::vector<std::string>> resolve_host(std::string_view host,
                                              const std::map<std::string, std::vector<std::string>>& hosts,
                                              const dns::Resolver& dns, const AddressPolicy& policy);

// True for a textual IPv4 or IPv6 address.
bool is_ip_address(std::string_view text);

}  // namespace acmekit::server::va
