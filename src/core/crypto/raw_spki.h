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
// §2.1.1), built with EVP_PKEY_fromdata (about 20 µs); null when spki is
// not one, or not a valid one (the provider checks the point is on the
// curve).
ossl::PkeyPtr named_curve_key(const RawSpki& spki);

}  // namespace acmekit::crypto
