// The network half of tls-alpn-01 (RFC 8737 §3): connect to one address,
// handshake offering only the "acme-tls/1" ALPN protocol with a given SNI,
// and report what the server presented. Nothing is verified or enforced
// here (there is no trust anchor: the certificate is self-signed by design);
// the validation authority compares the findings with what it expects.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/crypto/certificate.h"
#include "core/error.h"

namespace acmekit::crypto {

// RFC 8737 §4: the ALPN protocol name, and §6.1: the acmeIdentifier OID.
inline constexpr char kAcmeTlsAlpn[] = "acme-tls/1";
inline constexpr char kAcmeIdentifierOid[] = "1.3.6.1.5.5.7.1.31";

struct AlpnProbeResult {
  std::string peer;        // "127.0.0.1:443" / "[::1]:443"
  std::string alpn;        // the protocol the server selected, empty if none
  CertificateInfo leaf;    // the certificate served (its dns_names / ip_addresses)
  // Entries of the subjectAltName extension of every kind (leaf only lists
  // dNSName and iPAddress ones), so "exactly one SAN" can be checked.
  std::size_t subject_alt_name_count = 0;
  // RFC 8737 §3: the acmeIdentifier extension, its criticality, and the
  // contents of the DER OCTET STRING its extnValue must hold (empty when
  // the extension is absent or does not hold exactly one OCTET STRING).
  bool acme_identifier_present = false;
  bool acme_identifier_critical = false;
  std::string acme_identifier;
};

// Connects to address (an IPv4/IPv6 literal) on port and does a TLS 1.2+
// handshake with SNI = sni (RFC 8737 §3; RFC 8738 §6 uses the reverse-DNS
// name for IP identifiers) and the ALPN list ["acme-tls/1"], without any
// certificate verification. timeout bounds connect + handshake.
// Errors: kUnavailable when the address cannot be connected to (refused,
// unreachable, connect timeout); kProtocol when the TLS handshake fails,
// times out or the server sends no certificate; kInvalidArgument for an
// address that is not an IP literal.
Result<AlpnProbeResult> probe_tls_alpn(const std::string& address, uint16_t port, const std::string& sni,
                                       std::chrono::milliseconds timeout);

}  // namespace acmekit::crypto
