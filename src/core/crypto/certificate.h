// Reading X.509 certificates (RFC 5280): the chain the CA returns in
// application/pem-certificate-chain (RFC 8555 §7.4.2, §9.1), and what we need
// from each certificate (names, validity, ARI identifiers per RFC 9773).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::crypto {

struct CertificateInfo {
  std::string pem;  // this one certificate, PEM
  std::string der;
  std::string subject_cn, issuer_cn;  // empty if the name has no CN
  std::string serial_hex;             // lower-case hex, no separators
  std::chrono::system_clock::time_point not_before, not_after;
  std::vector<std::string> dns_names, ip_addresses;  // SANs; DNS lower-cased, IPv6 in RFC 5952 form
  // Raw bytes of the authorityKeyIdentifier's keyIdentifier (RFC 5280
  // §4.2.1.1), empty if none.
  std::string authority_key_id;
  // Raw big-endian content octets of the serial number's DER INTEGER, with
  // the leading 0x00 a positive serial with its high bit set carries
  // (RFC 9773 §4.1 builds the ARI certificate identifier from these).
  std::string serial_der;
  // The subject public key; empty (no impl_) if it is not an algorithm
  // PublicKey supports (e.g. P-521 or Ed25519).
  PublicKey public_key;
};

// Every "CERTIFICATE" PEM block of pem, in order (other block types such as a
// private key are skipped). kCrypto if there is none or any is malformed.
Result<std::vector<CertificateInfo>> parse_pem_chain(std::string_view pem);

// One DER certificate; trailing bytes are an error. A certificate with an
// EC key on a named curve is read without OpenSSL's X509 (whose key
// decoding is most of the cost), any other through it.
Result<CertificateInfo> parse_certificate_der(std::string_view der);
// The same through OpenSSL's X509 always, and never from the kept issuers:
// the reference parse_certificate_der agrees with (tests, fuzz_cert_chain).
Result<CertificateInfo> parse_certificate_der_with_x509(std::string_view der);

}  // namespace acmekit::crypto
