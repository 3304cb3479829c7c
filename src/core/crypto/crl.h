// Building and signing X.509 v2 certificate revocation lists (RFC 5280 §5)
// and the pieces of them a certificate and a CRL share: the distribution
// point URI (§4.2.1.13 in the certificate, §5.2.5 in the CRL).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::crypto {

// One revokedCertificates entry (RFC 5280 §5.1.2.6).
struct RevokedEntry {
  std::string serial;  // big-endian magnitude, 1..20 bytes, encoded positive
  std::chrono::system_clock::time_point revoked_at;
  // RFC 5280 §5.3.1 CRLReason: 0..10 except 7. 0 (unspecified) is written
  // as no reasonCode extension, as the section recommends.
  int reason = 0;
};

struct CrlTemplate {
  // RFC 5280 §5.2.3 cRLNumber: non-critical, increasing per scope.
  std::uint64_t number = 0;
  // RFC 5280 §5.1.2.4, §5.1.2.5 (UTCTime through 2049).
  std::chrono::system_clock::time_point this_update, next_update;
  // RFC 5280 §5.2.5 issuingDistributionPoint (critical): this URI as the
  // distributionPoint fullName, onlyContainsUserCerts TRUE. Required: the CA
  // partitions its CRLs, and the IDP is what tells one partition from another.
  std::string distribution_point;
  std::vector<RevokedEntry> entries;
};

// Signs a v2 CRL for tmpl with issuer_key, issued by the certificate
// issuer_cert_der (its subject is the CRL issuer; issuer_key must be its
// key), with the authorityKeyIdentifier of that certificate's
// subjectKeyIdentifier (§5.2.1). Entries are sorted by serial. The digest
// is SHA-384 for a P-384 key, SHA-256 otherwise. Returns DER.
// kInvalidArgument for a bad template, kCrypto if OpenSSL refuses.
Result<std::string> sign_crl(const CrlTemplate& tmpl, const PrivateKey& issuer_key, std::string_view issuer_cert_der);

}  // namespace acmekit::crypto
