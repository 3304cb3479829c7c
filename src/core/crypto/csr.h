// Certificate signing requests (PKCS#10, RFC 2986) as ACME uses them: the
// client makes one for the finalize request (RFC 8555 §7.4), the CA parses
// and checks it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::crypto {

// RFC 8555 §7.4: a CSR naming every identifier in a subjectAltName — a
// dNSName (lower-cased), or an iPAddress when the identifier parses as an
// IPv4/IPv6 address (RFC 8738 §3). The subject CN is the first DNS name if it
// is at most 64 characters (RFC 5280 ub-common-name), else the subject is
// empty. Duplicates are dropped. Signed with SHA-256 (SHA-384 for a P-384
// key). Returns DER. kInvalidArgument for no or malformed identifiers.
Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& identifiers);

struct CsrInfo {
  std::string der;
  std::string common_name;                // empty if the subject has none
  std::vector<std::string> dns_names;     // dNSName SANs, lower-cased, in CSR order
  std::vector<std::string> ip_addresses;  // iPAddress SANs, textual, IPv6 in RFC 5952 form
  PublicKey public_key;
};

// Parses a CSR given as PEM ("CERTIFICATE REQUEST") or DER and verifies its
// self-signature. kCrypto with a clear detail if it is malformed, the
// signature does not verify, or the key is not ECDSA P-256/P-384 or RSA.
// A DER CSR with an EC key on a named curve is read without OpenSSL's
// X509_REQ, whose key decoding is most of the cost (see csr.cc); the
// result is the same as parse_csr_with_x509_req's (the csr fuzz target
// compares the two).
Result<CsrInfo> parse_csr(std::string_view pem_or_der);
// The same through OpenSSL's X509_REQ, for any key.
Result<CsrInfo> parse_csr_with_x509_req(std::string_view pem_or_der);

}  // namespace acmekit::crypto
