// make_tls_alpn01_certificate (declared in x509_builder.h).
#include <chrono>

#include "core/crypto/digest.h"
#include "core/crypto/general_names.h"
#include "core/crypto/x509_builder.h"

namespace acmekit::crypto {

Result<std::string> make_tls_alpn01_certificate(const PrivateKey& key, const std::string& identifier,
                                                std::string_view key_authorization) {
  using std::chrono::hours;
  CertificateTemplate tmpl;
  // RFC 8737 §3: exactly one subjectAltName, the identifier being validated
  // (an iPAddress for an IP identifier, RFC 8738 §6). The subject stays
  // empty, so the SAN extension is critical.
  if (parse_ip_address(identifier).empty()) {
    tmpl.dns_names.push_back(identifier);
  } else {
    tmpl.ip_addresses.push_back(identifier);
  }
  tmpl.serial = random_bytes(16);
  tmpl.serial.back() |= 1;  // never zero
  auto now = std::chrono::system_clock::now();
  tmpl.not_before = now - hours(24);
  tmpl.not_after = now + hours(24 * 7);
  tmpl.acme_identifier = sha256(key_authorization);
  ACMEKIT_TRY(std::string der, sign_certificate(tmpl, key.public_key(), key, {}));
  return der_to_pem(der);
}

}  // namespace acmekit::crypto
