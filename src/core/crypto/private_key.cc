// PrivateKey: generation, PEM import/export and JWS signing.
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>

#include "core/crypto/ecdsa_raw.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

// Refuses to prompt for a passphrase: encrypted keys are an error.
int no_password(char*, int, int, void*) { return -1; }

}  // namespace

Result<PrivateKey> PrivateKey::generate(const KeySpec& spec) {
  EVP_PKEY* raw = nullptr;
  switch (spec.algorithm) {
    case KeyAlgorithm::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case KeyAlgorithm::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
      break;
    case KeyAlgorithm::kRsa:
      if (spec.rsa_bits < 2048 || spec.rsa_bits > 8192) {
        return make_error(ErrorKind::kInvalidArgument,
                          "RSA key size must be 2048..8192 bits, got " + std::to_string(spec.rsa_bits));
      }
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
      break;
  }
  if (raw == nullptr) return ossl::crypto_error("generating key");
  return wrap_private_key(ossl::PkeyPtr(raw));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  ossl::BioPtr bio = ossl::mem_bio(pem);
  // Decodes PKCS#8, SEC1 "EC PRIVATE KEY" and PKCS#1 "RSA PRIVATE KEY".
  ossl::PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!pkey) return ossl::crypto_error("reading private key PEM (unencrypted PKCS#8, SEC1 or PKCS#1)");
  return wrap_private_key(std::move(pkey));
}

std::string PrivateKey::to_pem() const {
  if (!impl_) return {};
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    ossl::clear_errors();
    return {};
  }
  return ossl::bio_contents(bio.get());
}

PublicKey PrivateKey::public_key() const {
  if (!impl_) return {};
  std::call_once(impl_->public_once, [this] {
    auto key = wrap_public_half(impl_->pkey.get());
    if (key) impl_->public_half = *std::move(key);  // never fails: the key was classified on the way in
  });
  return impl_->public_half;
}

KeyAlgorithm PrivateKey::algorithm() const { return impl_ ? impl_->algorithm : KeyAlgorithm::kEcP256; }

int PrivateKey::bits() const { return impl_ ? impl_->bits : 0; }

std::string PrivateKey::jws_algorithm() const {
  if (!impl_) return {};
  // RFC 7518 §3.1.
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEcP256: return "ES256";
    case KeyAlgorithm::kEcP384: return "ES384";
    case KeyAlgorithm::kRsa: return "RS256";
  }
  return {};
}

Result<std::string> PrivateKey::sign_jws(std::string_view data) const {
  if (!impl_) return make_error(ErrorKind::kCrypto, "signing JWS: no key");
  Impl& impl = *impl_;
  ossl::MdCtxPtr ctx = md_ctx_for(impl.sign, MdOperation::kSign, impl.pkey.get(), digest_for(impl.algorithm));
  if (!ctx) return ossl::crypto_error("signing JWS");
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  // The largest signature of this key (a DER ECDSA-Sig-Value, or the RSA
  // modulus' size), kept by OpenSSL with the key: no asking first.
  const int max_size = EVP_PKEY_get_size(impl.pkey.get());
  if (max_size <= 0) return ossl::crypto_error("signing JWS");
  size_t len = static_cast<size_t>(max_size);
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, in, data.size()) != 1) {
    return ossl::crypto_error("signing JWS");
  }
  signature.resize(len);
  if (impl_->algorithm == KeyAlgorithm::kRsa) return signature;  // RFC 7518 §3.3
  // RFC 7518 §3.4: ECDSA as fixed-width R||S rather than DER.
  return ecdsa_der_to_raw(signature, impl_->algorithm == KeyAlgorithm::kEcP384 ? 48 : 32);
}

Result<KeySpec> key_spec_from_names(std::string_view key_type, std::string_view curve, int rsa_bits) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  std::string type = lower(key_type);
  if (type == "rsa") {
    if (rsa_bits < 2048 || rsa_bits > 8192) {
      return make_error(ErrorKind::kInvalidArgument,
                        "RSA key size must be 2048..8192 bits, got " + std::to_string(rsa_bits));
    }
    return KeySpec{.algorithm = KeyAlgorithm::kRsa, .rsa_bits = rsa_bits};
  }
  if (type == "ecdsa" || type == "ec") {
    std::string c = lower(curve);
    if (c.empty() || c == "secp256r1" || c == "p-256" || c == "prime256v1") {
      return KeySpec{.algorithm = KeyAlgorithm::kEcP256};
    }
    if (c == "secp384r1" || c == "p-384") return KeySpec{.algorithm = KeyAlgorithm::kEcP384};
    return make_error(ErrorKind::kInvalidArgument,
                      "unsupported elliptic curve \"" + std::string(curve) + "\" (use secp256r1 or secp384r1)");
  }
  return make_error(ErrorKind::kInvalidArgument,
                    "unsupported key type \"" + std::string(key_type) + "\" (use ecdsa or rsa)");
}

}  // namespace acmekit::crypto
