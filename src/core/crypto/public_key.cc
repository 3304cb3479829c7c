// PublicKey: PEM/DER forms, description, equality and JWS verification.
// JWK import/export lives in public_key_jwk.cc.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/crypto/ecdsa_raw.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {

Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  ossl::BioPtr bio = ossl::mem_bio(pem);
  ossl::PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return ossl::crypto_error("reading public key PEM");
  return wrap_public_key(std::move(pkey));
}

std::string PublicKey::to_pem() const {
  if (!impl_) return {};
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
    ossl::clear_errors();
    return {};
  }
  return ossl::bio_contents(bio.get());
}

std::string PublicKey::spki_der() const {
  if (!impl_) return {};
  unsigned char* der = nullptr;
  int len = 0;
  // An EC key's SPKI is written from its curve and point (set_ec_public_key):
  // i2d_PUBKEY runs OpenSSL 3.0's encoder lookup (~50 µs), and the CA takes
  // this on every finalize (the blocked-keys check).
  if (impl_->algorithm != KeyAlgorithm::kRsa) {
    X509_PUBKEY* spki = X509_PUBKEY_new();
    auto set = spki != nullptr ? ossl::set_ec_public_key(spki, impl_->pkey.get()) : Result<bool>(false);
    if (set && *set) len = i2d_X509_PUBKEY(spki, &der);
    X509_PUBKEY_free(spki);
  }
  if (len <= 0) len = i2d_PUBKEY(impl_->pkey.get(), &der);
  if (len <= 0) {
    ossl::clear_errors();
    return {};
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

KeyAlgorithm PublicKey::algorithm() const { return impl_ ? impl_->algorithm : KeyAlgorithm::kEcP256; }

int PublicKey::bits() const { return impl_ ? impl_->bits : 0; }

std::string PublicKey::description() const {
  if (!impl_) return "no key";
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEcP256: return "ECDSA P-256";
    case KeyAlgorithm::kEcP384: return "ECDSA P-384";
    case KeyAlgorithm::kRsa: return "RSA " + std::to_string(impl_->bits);
  }
  return "unknown";
}

Status PublicKey::verify_jws(std::string_view alg, std::string_view data, std::string_view signature) const {
  if (!impl_) return make_error(ErrorKind::kCrypto, "verifying JWS: no key");
  // RFC 7518 §3.1: the alg must name this key's algorithm.
  std::string der_signature;
  std::string_view to_verify = signature;
  bool fits = false;
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEcP256: fits = alg == "ES256"; break;
    case KeyAlgorithm::kEcP384: fits = alg == "ES384"; break;
    case KeyAlgorithm::kRsa: fits = alg == "RS256"; break;
  }
  if (!fits) {
    return make_error(ErrorKind::kCrypto,
                      "JWS alg \"" + std::string(alg) + "\" does not fit a " + description() + " key");
  }
  if (impl_->algorithm != KeyAlgorithm::kRsa) {
    // RFC 7518 §3.4: raw R||S in the JWS, DER for OpenSSL.
    int half = impl_->algorithm == KeyAlgorithm::kEcP384 ? 48 : 32;
    ACMEKIT_TRY(der_signature, ecdsa_raw_to_der(signature, half));
    to_verify = der_signature;
  }
  ossl::MdCtxPtr ctx =
      md_ctx_for(impl_->verify, MdOperation::kVerify, impl_->pkey.get(), digest_for(impl_->algorithm));
  if (!ctx) return ossl::crypto_error("verifying JWS");
  // RS256 (RFC 7518 §3.3) is RSASSA-PKCS1-v1_5, OpenSSL's default RSA padding.
  int rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(to_verify.data()),
                            to_verify.size(), reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
  if (rc != 1) {
    ossl::clear_errors();
    return make_error(ErrorKind::kCrypto, "JWS signature does not verify (" + std::string(alg) + ")");
  }
  return {};
}

bool PublicKey::operator==(const PublicKey& other) const {
  if (!impl_ || !other.impl_) return !impl_ && !other.impl_;
  // The public components and parameters, compared by the key manager (not
  // the SubjectPublicKeyInfo DER: OpenSSL 3.0's encoder costs ~0.1 ms a key).
  return EVP_PKEY_eq(impl_->pkey.get(), other.impl_->pkey.get()) == 1;
}

}  // namespace acmekit::crypto
