// Probing a TLS server for monitoring (`acmekit check`): connect, handshake
// with SNI (RFC 6066 §3), and return the certificate it serves whether or not
// it is trusted, plus, separately, whether it verifies (RFC 5280 §6) and
// whether its names cover the name asked for (RFC 6125 §6).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/crypto/certificate.h"
#include "core/error.h"

namespace acmekit::crypto {

struct TlsProbeResult {
  std::string peer;      // the address connected to, "127.0.0.1:443" / "[::1]:443"
  std::string protocol;  // "TLSv1.3", ...
  CertificateInfo leaf;
  std::vector<CertificateInfo> chain;  // what the server sent after the leaf, in order
  // The leaf chains to a trust anchor of the system store or ca_bundle.
  bool verified = false;
  std::string verify_error;  // X509_verify_cert_error_string when !verified
  // The leaf's names cover the checked name (the SNI; an IP literal is
  // matched against iPAddress SANs).
  bool name_matches = false;
};

// Connects to host:port (getaddrinfo; every address tried in turn), does a
// TLS handshake with SNI = sni (empty: host; not sent when it is an IP
// literal) without requiring trust, then verifies the served chain against
// the system store plus ca_bundle (empty: none). timeout bounds each connect
// attempt and the handshake. Errors: kUnavailable naming host:port when the
// server cannot be reached or the handshake fails; kInvalidArgument for an
// unreadable ca_bundle.
Result<TlsProbeResult> probe_tls(const std::string& host, uint16_t port, const std::string& sni,
                                 const std::string& ca_bundle, std::chrono::milliseconds timeout);

}  // namespace acmekit::crypto
