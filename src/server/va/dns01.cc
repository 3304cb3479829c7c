// dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.NAME holding
// base64url(SHA-256(key authorization)).
#include <algorithm>

#include "core/jose/jwk.h"
#include "server/va/challenges.h"
#include "server/va/problem.h"

namespace acmekit::server::va {

Status validate_dns01(const ValidationRequest& request, const dns::Resolver& dns) {
  // RFC 8738 §7: dns-01 cannot prove control of an IP address.
  if (request.identifier.type != "dns") {
    return problem("malformed", "dns-01 cannot validate an identifier of type " + request.identifier.type);
  }
  // §8.4: "prepending the label "_acme-challenge" to the domain name".
  const std::string name = "_acme-challenge." + request.identifier.value;
  auto answer = dns.lookup_txt(name);
  if (!answer) return problem("dns", "DNS problem: " + answer.error().detail);
  if (answer->values.empty()) {
    return problem("unauthorized", "no TXT record found at " + name + " (" +
                                       (answer->nxdomain ? "NXDOMAIN" : "no data") + " from " + answer->server + ")");
  }
  // §8.4: "Verify that the contents of one of the TXT records match the digest value".
  const std::string expected = jose::dns01_txt_value(request.key_authorization);
  if (std::ranges::find(answer->values, expected) != answer->values.end()) return {};
  std::string found;
  for (const auto& v : answer->values) found += (found.empty() ? "\"" : ", \"") + v.substr(0, 128) + "\"";
  return problem("unauthorized", "incorrect TXT record " + found + " found at " + name + " (from " +
                                     answer->server + "), expected \"" + expected + "\"");
}

}  // namespace acmekit::server::va
