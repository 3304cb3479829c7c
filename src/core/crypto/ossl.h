// Internal to src/core/crypto/: RAII owners for OpenSSL objects and the
// conversion of OpenSSL's error queue into our Error. Nothing outside
// src/core/crypto/ may include this header (it pulls in OpenSSL).
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::crypto::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Free(p); }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using AuthorityKeyIdPtr = std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID_free>>;
using ExtensionsPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION),
                    Deleter<+[](STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }>>;

// Drains OpenSSL's thread-local error queue into one line
// ("what: reason; reason"); always leaves the queue empty.
std::string drain_errors();
// make_error(kCrypto, what + ": " + drain_errors()).
std::unexpected<Error> crypto_error(std::string_view what);
// Discards whatever OpenSSL queued (for expected failures we handle).
void clear_errors();

// A read-only memory BIO over bytes (valid while bytes lives).
BioPtr mem_bio(std::string_view bytes);
// Everything written to a memory BIO, as bytes.
std::string bio_contents(BIO* bio);

// RFC 5280 §4.2.1.2 method 1: the SHA-1 of the certificate's
// subjectPublicKey bit string.
Result<std::string> key_identifier(const X509* cert);

// RFC 5480 §2: writes an EC key's SubjectPublicKeyInfo into spki (an
// X509's or an X509_REQ's): id-ecPublicKey, the namedCurve, the encoded
// point. X509_set_pubkey / X509_REQ_set_pubkey would run OpenSSL 3.0's
// encoder and then its decoder, a provider lookup each (~0.2 ms). The
// holder's cached EVP_PKEY stays unset: encode it afterwards, do not ask it
// for its key. false (nothing written) for a key that is not EC: the caller
// falls back to the OpenSSL setter.
Result<bool> set_ec_public_key(X509_PUBKEY* spki, EVP_PKEY* pkey);
// RFC 5280 §4.2.1.2: the certificate's subjectKeyIdentifier, or
// key_identifier() when it has none (an external issuer may lack one).
Result<std::string> subject_key_id_of(X509* cert);
// RFC 5280 §4.2.1.1 / §5.2.1: an AuthorityKeyIdentifier with this
// keyIdentifier; authority_key_id_of takes the issuer's subject_key_id_of.
Result<AuthorityKeyIdPtr> authority_key_id(std::string_view key_id);
Result<AuthorityKeyIdPtr> authority_key_id_of(X509* issuer);

// Big-endian bytes of a BIGNUM, left-padded with zeros to width (0: minimal).
std::string bn_bytes(const BIGNUM* bn, int width = 0);

}  // namespace acmekit::crypto::ossl
