// PublicKey <-> JWK (RFC 7517; members per RFC 7518 §6.2 EC and §6.3 RSA).
#include <openssl/core_names.h>

#include "core/base64url.h"
#include "core/crypto/jwk_params.h"

namespace acmekit::crypto {
namespace {

constexpr jwk::Reader kReader{"JWK"};

Result<PublicKey> ec_from_jwk(const nlohmann::json& j) {
  ACMEKIT_TRY(const jwk::Curve curve, jwk::curve_of(kReader, j));
  jwk::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::crypto_error("building EC key");
  std::string point;  // alive until import
  ACMEKIT_CHECK(jwk::push_ec_public(kReader, j, curve, bld.get(), point));
  ACMEKIT_TRY(ossl::PkeyPtr pkey, jwk::import(kReader, "EC", bld.get(), EVP_PKEY_PUBLIC_KEY));
  return wrap_public_key(std::move(pkey));
}

Result<PublicKey> rsa_from_jwk(const nlohmann::json& j) {
  ACMEKIT_TRY(ossl::BnPtr n, kReader.bn_member(j, "n"));
  ACMEKIT_TRY(ossl::BnPtr e, kReader.bn_member(j, "e"));
  jwk::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::crypto_error("building RSA key");
  }
  ACMEKIT_TRY(ossl::PkeyPtr pkey, jwk::import(kReader, "RSA", bld.get(), EVP_PKEY_PUBLIC_KEY));
  return wrap_public_key(std::move(pkey));
}

}  // namespace

Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& j) {
  return jwk::by_kty<PublicKey>(kReader, j, ec_from_jwk, rsa_from_jwk);
}

nlohmann::json PublicKey::to_jwk() const {
  if (!impl_) return nlohmann::json::object();
  const EVP_PKEY* pkey = impl_->pkey.get();
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEcP256:
    case KeyAlgorithm::kEcP384: {
      // RFC 7518 §6.2.1: x/y padded to the field size.
      const jwk::Curve& curve = jwk::curve_for(impl_->algorithm);
      return {{"kty", "EC"},
              {"crv", curve.crv},
              {"x", base64url_encode(jwk::bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, curve.width))},
              {"y", base64url_encode(jwk::bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, curve.width))}};
    }
    case KeyAlgorithm::kRsa:
      // RFC 7518 §6.3.1: minimal big-endian, no leading zero octets.
      return {{"kty", "RSA"},
              {"n", base64url_encode(jwk::bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, 0))},
              {"e", base64url_encode(jwk::bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, 0))}};
  }
  return nlohmann::json::object();
}

std::optional<std::uint64_t> PublicKey::rsa_public_exponent() const {
  if (!impl_ || impl_->algorithm != KeyAlgorithm::kRsa) return std::nullopt;
  const std::string e = jwk::bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E, 0);
  if (e.empty() || e.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : e) v = (v << 8) | c;
  return v;
}

}  // namespace acmekit::crypto
