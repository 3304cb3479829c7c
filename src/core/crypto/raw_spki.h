// Internal to src/core/crypto/: a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7)
// kept as algorithm and bits. OpenSSL 3.0's X509_PUBKEY decodes the key
// while it parses (a provider decoder lookup, about 190 µs), and so do
// X509 and X509_REQ, which hold one; the CSR and certificate readers use
// this instead and make the usual key, EC on a named curve, themselves.
#pragma once

#include <openssl/asn1t.h>
#include <openssl/x509.h>

#include "core/crypto/ossl.h"

namespace acmekit::crypto {

struct RawSpki {
  X509_ALGOR* algorithm;
  ASN1_BIT_STRING* key;
};
// The ASN.1 item of RawSpki: X509_PUBKEY's template
// (crypto/x509/x_pubkey.c) without its key decoding callback.
const ASN1_ITEM* RawSpki_it();

// The EC public key of spki from its named curve and point (RFC 5480
// §2.1.1), by ec_public_key; null when spki is not one, or not a valid one.
ossl::PkeyPtr named_curve_key(const RawSpki& spki);

// An EC public key on the curve (a NID) at the encoded point (SEC 1
// §2.3.4); null when the point is not on the curve. P-256 and P-384 copy
// the curve from a key of its parameters made once and set the point
// (about 9 µs); EVP_PKEY_fromdata, which other curves take, builds the
// group from its name each time (about 24 µs).
ossl::PkeyPtr ec_public_key(int curve, const unsigned char* point, std::size_t point_len);

}  // namespace acmekit::crypto
