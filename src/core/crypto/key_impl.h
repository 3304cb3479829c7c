// Internal to src/core/crypto/: what PublicKey::Impl and PrivateKey::Impl
// hold, and how other crypto files wrap an EVP_PKEY into our key types.
#pragma once

#include <openssl/evp.h>

#include <mutex>
#include <string>

#include "core/crypto/key.h"
#include "core/crypto/ossl.h"

namespace acmekit::crypto {

// A JWS signing or verification context, set up once per key and copied
// for each use: EVP_Digest{Sign,Verify}Init fetch the algorithms and build
// the provider's context on every call, and a copy costs a quarter of a
// P-256 signature less. Only read after the once_flag, so threads may copy
// it at the same time.
struct PreparedMdCtx {
  std::once_flag once;
  ossl::MdCtxPtr kept;  // null when it could not be made
};
enum class MdOperation { kSign, kVerify };
// A fresh context for operation with pkey and md, flagged to be used once
// (no copy inside EVP_Digest*Final): a copy of prepared's, or set up anew
// when there is none or the provider cannot copy it. Null on failure, with
// OpenSSL's error queued.
ossl::MdCtxPtr md_ctx_for(PreparedMdCtx& prepared, MdOperation operation, EVP_PKEY* pkey, const EVP_MD* md);

// Both Impls own one EVP_PKEY, never modified after construction (so sharing
// it between threads is safe), and cache what we derive from it.
struct PublicKey::Impl {
  ossl::PkeyPtr pkey;
  KeyAlgorithm algorithm = KeyAlgorithm::kEcP256;
  int bits = 0;
  PreparedMdCtx verify;  // verify_jws()
};

struct PrivateKey::Impl {
  ossl::PkeyPtr pkey;
  KeyAlgorithm algorithm = KeyAlgorithm::kEcP256;
  int bits = 0;
  // public_key(), made on first use (a signer asks for it on every JWS
  // with a jwk, every CSR and certificate check).
  std::once_flag public_once;
  PublicKey public_half;
  PreparedMdCtx sign;  // sign_jws()
};

// The algorithm of an EVP_PKEY, or kCrypto if it is not EC P-256/P-384 or RSA.
Result<KeyAlgorithm> classify_pkey(EVP_PKEY* pkey);

// Takes ownership of pkey (also on error), which must hold no private part
// (from a JWK, SPKI, certificate or CSR): it is shared, not copied (OpenSSL
// keys are reference-counted and safe to verify with from several threads).
Result<PublicKey> wrap_public_key(ossl::PkeyPtr pkey);
// A PublicKey of a copy of pkey's public half only, exported and imported
// as OSSL_PARAMs (for a private key's public half).
Result<PublicKey> wrap_public_half(const EVP_PKEY* pkey);
Result<PrivateKey> wrap_private_key(ossl::PkeyPtr pkey);

// The raw EVP_PKEY of a key, or nullptr for an empty key.
inline EVP_PKEY* pkey_of(const PublicKey& key) { return key.impl_ ? key.impl_->pkey.get() : nullptr; }
inline EVP_PKEY* pkey_of(const PrivateKey& key) { return key.impl_ ? key.impl_->pkey.get() : nullptr; }

// The message digest used with this algorithm for JWS and CSR signatures:
// SHA-384 for P-384 (RFC 7518 §3.4), SHA-256 otherwise.
const EVP_MD* digest_for(KeyAlgorithm algorithm);

}  // namespace acmekit::crypto
