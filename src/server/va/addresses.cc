#include "server/va/addresses.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "server/va/problem.h"

namespace acmekit::server::va {

bool is_ip_address(std::string_view text) {
  const std::string s(text);
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Result<std::vector<std::string>> resolve_host(std::string_view host,
                                              const std::map<std::string, std::vector<std::string>>& hosts,
                                              const dns::Resolver& dns, const AddressPolicy& policy) {
  if (is_ip_address(host)) return connectable_addresses(host, {std::string(host)}, policy);
  std::string name(host);
  std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (auto it = hosts.find(name); it != hosts.end() && !it->second.empty()) {
    return connectable_addresses(name, it->second, policy);
  }

  std::vector<std::string> addresses;
  std::string failures;
  for (auto lookup : {&dns::Resolver::lookup_aaaa, &dns::Resolver::lookup_a}) {
    const char* type = lookup == &dns::Resolver::lookup_a ? "A" : "AAAA";
    auto answer = (dns.*lookup)(name);
    if (!answer) {
      failures += (failures.empty() ? "" : "; ") + answer.error().detail;
    } else if (answer->nxdomain) {
      failures += (failures.empty() ? "" : "; ") + std::string("NXDOMAIN looking up ") + type + " for " + name +
                  " at " + answer->server;
    } else {
      addresses.insert(addresses.end(), answer->values.begin(), answer->values.end());
    }
  }
  if (!addresses.empty()) return connectable_addresses(name, addresses, policy);
  if (failures.empty()) failures = "no A or AAAA records found for " + name;
  return problem("dns", "DNS problem: " + failures);
}

}  // namespace acmekit::server::va
