// PrivateKey <-> a private JWK (RFC 7518 §6.2.2 EC "d", §6.3.2 RSA "d",
// "p", "q", "dp", "dq", "qi"): certbot keeps account keys as
// accounts/.../private_key.json in this form.
#include <openssl/core_names.h>

#include <utility>
#include <vector>

#include "core/base64url.h"
#include "core/crypto/jwk_params.h"

namespace acmekit::crypto {
namespace {

constexpr jwk::Reader kReader{"private JWK"};

// RFC 7518 §6.3.1 and §6.3.2, in certbot's order. OpenSSL's provider wants
// the CRT members too (§6.3.2 makes them optional; certbot always writes them).
constexpr std::pair<const char*, const char*> kRsaParts[] = {
    {"n", OSSL_PKEY_PARAM_RSA_N},           {"e", OSSL_PKEY_PARAM_RSA_E},
    {"d", OSSL_PKEY_PARAM_RSA_D},           {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
    {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},     {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};

Result<PrivateKey> ec_from_jwk(const nlohmann::json& j) {
  ACMEKIT_TRY(const jwk::Curve curve, jwk::curve_of(kReader, j));
  ACMEKIT_TRY(ossl::BnPtr d, kReader.bn_member(j, "d"));
  jwk::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::crypto_error("building EC key");
  std::string point;  // alive until import
  ACMEKIT_CHECK(jwk::push_ec_public(kReader, j, curve, bld.get(), point));
  if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
    return ossl::crypto_error("building EC key");
  }
  ACMEKIT_TRY(ossl::PkeyPtr pkey, jwk::import(kReader, "EC", bld.get(), EVP_PKEY_KEYPAIR));
  return wrap_private_key(std::move(pkey));
}

Result<PrivateKey> rsa_from_jwk(const nlohmann::json& j) {
  jwk::ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::crypto_error("building RSA key");
  std::vector<ossl::BnPtr> keep;  // alive until the params are built
  for (const auto& [jwk_name, param] : kRsaParts) {
    ACMEKIT_TRY(ossl::BnPtr bn, kReader.bn_member(j, jwk_name));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, bn.get()) != 1) return ossl::crypto_error("building RSA key");
    keep.push_back(std::move(bn));
  }
  ACMEKIT_TRY(ossl::PkeyPtr pkey, jwk::import(kReader, "RSA", bld.get(), EVP_PKEY_KEYPAIR));
  return wrap_private_key(std::move(pkey));
}

}  // namespace

Result<PrivateKey> PrivateKey::from_jwk(const nlohmann::json& j) {
  return jwk::by_kty<PrivateKey>(kReader, j, ec_from_jwk, rsa_from_jwk);
}

nlohmann::json PrivateKey::to_jwk() const {
  if (!impl_) return nlohmann::json::object();
  const EVP_PKEY* pkey = impl_->pkey.get();
  nlohmann::json out = public_key().to_jwk();
  if (impl_->algorithm == KeyAlgorithm::kRsa) {
    // RFC 7518 §6.3.2: minimal big-endian, like n and e.
    for (const auto& [jwk_name, param] : kRsaParts) out[jwk_name] = base64url_encode(jwk::bn_param(pkey, param, 0));
  } else {
    // RFC 7518 §6.2.2.1: d is the full field size.
    out["d"] = base64url_encode(
        jwk::bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, jwk::curve_for(impl_->algorithm).width));
  }
  return out;
}

}  // namespace acmekit::crypto
