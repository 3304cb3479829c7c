// Building and signing X.509 certificates (RFC 5280): what the CA issues
// (root, intermediate, leaves) and the tls-alpn-01 challenge certificate
// (RFC 8737). The reading side is certificate.h.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::crypto {

// RFC 5280 §4.2.1.3 keyUsage bits we set.
struct KeyUsage {
  bool digital_signature = false;
  bool key_encipherment = false;
  bool key_cert_sign = false;
  bool crl_sign = false;
};

// What sign_certificate puts in the certificate. Every certificate gets
// version 3, subjectKeyIdentifier = SHA-1 of the subjectPublicKey BIT STRING
// (RFC 5280 §4.2.1.2 method 1) and authorityKeyIdentifier = the issuer's
// subjectKeyIdentifier (§4.2.1.1).
struct CertificateTemplate {
  std::string common_name;   // empty: no CN; at most 64 characters (RFC 5280 Appendix A)
  std::string organization;  // empty: no O
  // subjectAltName entries (RFC 5280 §4.2.1.6); critical when the subject is
  // empty. dns names are lower-cased ("*." kept); ip addresses are textual
  // IPv4/IPv6.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  // Big-endian magnitude of the serial number, 1..20 bytes, not all zero; it
  // is always encoded positive (RFC 5280 §4.1.2.2).
  std::string serial;
  std::chrono::system_clock::time_point not_before, not_after;
  // basicConstraints (critical, RFC 5280 §4.2.1.9): cA and, for a CA,
  // pathLenConstraint (negative: none).
  bool is_ca = false;
  int path_length = -1;
  KeyUsage key_usage;   // critical; omitted when no bit is set
  bool server_auth = false;  // extKeyUsage id-kp-serverAuth (RFC 5280 §4.2.1.12)
  bool client_auth = false;  // extKeyUsage id-kp-clientAuth (same extension)
  // RFC 8737 §3: the critical id-pe-acmeIdentifier extension holding this
  // 32-byte SHA-256 digest of the key authorization.
  std::optional<std::string> acme_identifier;
  // RFC 5280 §4.2.1.13 cRLDistributionPoints (non-critical): one
  // distribution point whose fullName is this http:// URI. Empty: none.
  std::string crl_distribution_point;
};

// Signs tmpl for subject with issuer_key and returns the DER certificate.
// issuer_cert_der is the issuer's certificate (issuer name and key
// identifier come from it; issuer_key must be its key); empty means
// self-signed (issuer = subject, subject must be issuer_key's public key).
// The digest is SHA-384 for a P-384 issuer key, SHA-256 otherwise.
// kInvalidArgument for a bad template, kCrypto if OpenSSL refuses.
Result<std::string> sign_certificate(const CertificateTemplate& tmpl, const PublicKey& subject,
                                     const PrivateKey& issuer_key, std::string_view issuer_cert_der);

// A certificate as signed: its DER and the same as a PEM block.
struct SignedCertificate {
  std::string der;
  std::string pem;
};

// An issuer that signs many certificates (a CA's intermediate): its
// certificate is decoded, checked against its key and its key identifier
// taken once, instead of on every sign_certificate call. Immutable after
// create; sign may run on many threads at once.
class CertificateSigner {
 public:
  // As sign_certificate's issuer_key and issuer_cert_der; the certificate
  // must not be empty.
  [[nodiscard]] static Result<CertificateSigner> create(const PrivateKey& issuer_key, std::string_view issuer_cert_der);

  [[nodiscard]] Result<SignedCertificate> sign(const CertificateTemplate& tmpl, const PublicKey& subject) const;

  struct Issuer;  // the decoded certificate and its key identifier

 private:
  PrivateKey key_;
  std::shared_ptr<const Issuer> issuer_;
};

// One DER certificate as a "CERTIFICATE" PEM block; kCrypto if it does not
// decode.
Result<std::string> der_to_pem(std::string_view der);

// Checks that cert_der was issued by issuer_der: names chain and the
// signature verifies with the issuer's public key (RFC 5280 §6.1.3 (a)(1),
// (a)(4)). Validity and extensions are not checked. kCrypto otherwise.
Status verify_issued_by(std::string_view cert_der, std::string_view issuer_der);

// The tls-alpn-01 challenge certificate (RFC 8737 §3): self-signed by key,
// valid from a day ago for a week, one subjectAltName = identifier (a DNS
// name, or an IP address per RFC 8738 §6), and the critical acmeIdentifier
// extension with SHA-256(key_authorization). Returns PEM.
Result<std::string> make_tls_alpn01_certificate(const PrivateKey& key, const std::string& identifier,
                                                std::string_view key_authorization);

}  // namespace acmekit::crypto
