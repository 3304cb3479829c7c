#include "core/crypto/key_impl.h"

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "core/crypto/raw_spki.h"

namespace acmekit::crypto {

Result<KeyAlgorithm> classify_pkey(EVP_PKEY* pkey) {
  if (pkey == nullptr) return make_error(ErrorKind::kCrypto, "no key");
  if (EVP_PKEY_is_a(pkey, "RSA")) return KeyAlgorithm::kRsa;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      return ossl::crypto_error("reading the EC curve");
    }
    std::string_view name(group, len);
    if (name == "prime256v1" || name == "P-256") return KeyAlgorithm::kEcP256;
    if (name == "secp384r1" || name == "P-384") return KeyAlgorithm::kEcP384;
    return make_error(ErrorKind::kCrypto, "unsupported EC curve " + std::string(name) +
                                              " (supported: P-256, P-384)");
  }
  const char* type = EVP_PKEY_get0_type_name(pkey);
  return make_error(ErrorKind::kCrypto, std::string("unsupported key type ") + (type ? type : "?") +
                                            " (supported: ECDSA P-256, ECDSA P-384, RSA)");
}

Result<PublicKey> wrap_public_key(ossl::PkeyPtr pkey) {
  ACMEKIT_TRY(KeyAlgorithm algorithm, classify_pkey(pkey.get()));
  PublicKey key;
  key.impl_ = std::make_shared<PublicKey::Impl>();
  key.impl_->bits = EVP_PKEY_get_bits(pkey.get());
  key.impl_->algorithm = algorithm;
  key.impl_->pkey = std::move(pkey);
  return key;
}

Result<PublicKey> wrap_public_half(const EVP_PKEY* pkey) {
  // An EC key: its point on a copy of its curve (ec_public_key).
  if (auto algorithm = classify_pkey(const_cast<EVP_PKEY*>(pkey)); algorithm && *algorithm != KeyAlgorithm::kRsa) {
    unsigned char point[1 + 2 * 48];
    std::size_t point_len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &point_len) != 1) {
      return ossl::crypto_error("exporting public key");
    }
    const int curve = *algorithm == KeyAlgorithm::kEcP384 ? NID_secp384r1 : NID_X9_62_prime256v1;
    ossl::PkeyPtr pub = ec_public_key(curve, point, point_len);
    if (!pub) return make_error(ErrorKind::kCrypto, "importing public key");
    return wrap_public_key(std::move(pub));
  }
  // Otherwise export the public components and domain parameters only, and import
  // them into a new key of the same key manager: the copy has no private
  // part. (Not a round trip through SubjectPublicKeyInfo DER: OpenSSL 3.0
  // builds a new decoder context for every d2i_PUBKEY, ~0.2 ms.)
  OSSL_PARAM* params = nullptr;
  if (EVP_PKEY_todata(pkey, EVP_PKEY_PUBLIC_KEY, &params) != 1) return ossl::crypto_error("exporting public key");
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, const_cast<EVP_PKEY*>(pkey), nullptr));
  EVP_PKEY* pub = nullptr;
  const bool ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                  EVP_PKEY_fromdata(ctx.get(), &pub, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  if (!ok) return ossl::crypto_error("importing public key");
  return wrap_public_key(ossl::PkeyPtr(pub));
}

Result<PrivateKey> wrap_private_key(ossl::PkeyPtr pkey) {
  ACMEKIT_TRY(KeyAlgorithm algorithm, classify_pkey(pkey.get()));
  PrivateKey key;
  key.impl_ = std::make_shared<PrivateKey::Impl>();
  key.impl_->bits = EVP_PKEY_get_bits(pkey.get());
  key.impl_->algorithm = algorithm;
  key.impl_->pkey = std::move(pkey);
  return key;
}

namespace {
bool init_md_ctx(EVP_MD_CTX* ctx, MdOperation operation, EVP_PKEY* pkey, const EVP_MD* md) {
  return (operation == MdOperation::kSign ? EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey)
                                          : EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey)) == 1;
}
}  // namespace

ossl::MdCtxPtr md_ctx_for(PreparedMdCtx& prepared, MdOperation operation, EVP_PKEY* pkey, const EVP_MD* md) {
  std::call_once(prepared.once, [&] {
    ossl::MdCtxPtr made(EVP_MD_CTX_new());
    if (made && init_md_ctx(made.get(), operation, pkey, md)) prepared.kept = std::move(made);
    ossl::clear_errors();  // a failure shows again below, on the caller's own context
  });
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return nullptr;
  if (!prepared.kept || EVP_MD_CTX_copy_ex(ctx.get(), prepared.kept.get()) != 1) {
    EVP_MD_CTX_reset(ctx.get());
    ossl::clear_errors();
    if (!init_md_ctx(ctx.get(), operation, pkey, md)) return nullptr;
  }
  EVP_MD_CTX_set_flags(ctx.get(), EVP_MD_CTX_FLAG_FINALISE);
  return ctx;
}

const EVP_MD* digest_for(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEcP384 ? EVP_sha384() : EVP_sha256();
}

}  // namespace acmekit::crypto
