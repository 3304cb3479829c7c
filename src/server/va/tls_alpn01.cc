// tls-alpn-01 (RFC 8737 §3): handshake with ALPN "acme-tls/1" and SNI =
// the identifier, then check the self-signed certificate it presents.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "core/crypto/digest.h"
#include "core/crypto/tls_alpn_probe.h"
#include "core/crypto/tls_alpn_responder.h"
#include "server/va/addresses.h"
#include "server/va/challenges.h"
#include "server/va/problem.h"

namespace acmekit::server::va {
namespace {

using Clock = std::chrono::steady_clock;

// Same address, whatever its textual form.
bool same_ip(const std::string& a, const std::string& b) {
  unsigned char x[16] = {}, y[16] = {};
  const int family = a.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  return ::inet_pton(family, a.c_str(), x) == 1 && ::inet_pton(family, b.c_str(), y) == 1 &&
         std::equal(x, x + 16, y);
}

std::string lower(std::string s) {
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// RFC 8737 §3: the subjectAltName holds the identifier and "no other entries".
bool san_is_exactly(const crypto::AlpnProbeResult& found, const wire::Identifier& id) {
  if (found.subject_alt_name_count != 1) return false;
  if (id.type == "ip") return found.leaf.ip_addresses.size() == 1 && same_ip(found.leaf.ip_addresses[0], id.value);
  return found.leaf.dns_names.size() == 1 && found.leaf.dns_names[0] == lower(id.value);
}

}  // namespace

Status validate_tls_alpn01(const ValidationRequest& request, const ValidatorOptions& options,
                           const dns::Resolver& dns) {
  const auto deadline = Clock::now() + options.timeout;
  const wire::Identifier& id = request.identifier;
  // RFC 8737 §3 / RFC 8738 §6: the name, or an address's reverse-mapping name.
  const std::string sni = crypto::tls_alpn_server_name(id.value);
  ACMEKIT_TRY(auto addresses, resolve_host(id.value, options.hosts, dns, options.address_policy));

  Result<crypto::AlpnProbeResult> probe = make_error(ErrorKind::kUnavailable, "no address for " + id.value);
  for (const auto& address : addresses) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    probe = crypto::probe_tls_alpn(address, options.tlsalpn01_port, sni, left);
    // Only an address that refuses the connection lets the next one try.
    if (probe || probe.error().kind != ErrorKind::kUnavailable) break;
  }
  if (!probe) {
    const bool handshake = probe.error().kind == ErrorKind::kProtocol;
    return problem(handshake ? "tls" : "connection", "tls-alpn-01 for " + id.value + ": " + probe.error().detail);
  }
  const std::string at = "tls-alpn-01 certificate for " + id.value + " at " + probe->peer;
  // RFC 8737 §3: the server negotiated "acme-tls/1" ...
  if (probe->alpn != crypto::kAcmeTlsAlpn) {
    return problem("unauthorized", "cannot negotiate ALPN protocol \"acme-tls/1\" with " + probe->peer +
                                       (probe->alpn.empty() ? "" : " (it chose \"" + probe->alpn + "\")"));
  }
  // ... the certificate names exactly the identifier ...
  if (!san_is_exactly(*probe, id)) {
    std::string names;
    for (const auto& n : probe->leaf.dns_names) names += (names.empty() ? "" : ", ") + n;
    for (const auto& n : probe->leaf.ip_addresses) names += (names.empty() ? "" : ", ") + n;
    return problem("unauthorized", at + ": subjectAltName must be exactly " + id.value + ", found " +
                                       std::to_string(probe->subject_alt_name_count) + " entries [" + names + "]");
  }
  // ... and carries a critical acmeIdentifier with SHA-256(key authorization).
  if (!probe->acme_identifier_present) return problem("unauthorized", at + ": no acmeIdentifier extension");
  if (!probe->acme_identifier_critical) {
    return problem("unauthorized", at + ": the acmeIdentifier extension is not critical");
  }
  if (probe->acme_identifier != crypto::sha256(request.key_authorization)) {
    return problem("unauthorized", at + ": the acmeIdentifier extension does not hold SHA-256 of the key authorization");
  }
  return {};
}

}  // namespace acmekit::server::va
