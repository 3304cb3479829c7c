// PrivateKey from a private JWK (RFC 7518 §6.2.2 EC "d", §6.3.2 RSA "d",
// "p", "q", "dp", "dq", "qi"): certbot keeps account keys as
// accounts/.../private_key.json in this form.
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <utility>
#include <vector>

#include "core/base64url.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ossl::Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, ossl::Deleter<OSSL_PARAM_free>>;

std::unexpected<Error> jwk_error(std::string detail) {
  return make_error(ErrorKind::kInvalidArgument, "invalid private JWK: " + std::move(detail));
}

Result<std::string> member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return jwk_error(std::string("missing \"") + name + "\"");
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) return jwk_error(std::string("\"") + name + "\" is not base64url");
  return *bytes;
}

Result<ossl::BnPtr> bn_member(const nlohmann::json& jwk, const char* name) {
  ACMEKIT_TRY(std::string bytes, member(jwk, name));
  ossl::BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                           nullptr));
  if (!bn) return ossl::crypto_error("building key");
  return bn;
}

Result<PrivateKey> import(const char* key_type, OSSL_PARAM_BLD* bld) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return jwk_error(ossl::drain_errors());
  }
  ossl::PkeyPtr pkey(raw);
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return jwk_error("the private and public parts do not match: " + ossl::drain_errors());
  }
  return wrap_private_key(std::move(pkey));
}

Result<PrivateKey> ec_from_jwk(const nlohmann::json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) return jwk_error("missing \"crv\"");
  std::size_t width = 0;
  const char* group = nullptr;
  if (*crv == "P-256") {
    width = 32, group = "P-256";
  } else if (*crv == "P-384") {
    width = 48, group = "P-384";
  } else {
    return jwk_error("unsupported curve " + crv->get<std::string>());
  }
  ACMEKIT_TRY(std::string x, member(jwk, "x"));
  ACMEKIT_TRY(std::string y, member(jwk, "y"));
  if (x.size() != width || y.size() != width) return jwk_error("\"x\"/\"y\" have the wrong size");
  ACMEKIT_TRY(ossl::BnPtr d, bn_member(jwk, "d"));
  std::string point = "\x04" + x + y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
    return ossl::crypto_error("building EC key");
  }
  return import("EC", bld.get());
}

Result<PrivateKey> rsa_from_jwk(const nlohmann::json& jwk) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::crypto_error("building RSA key");
  // All of them: OpenSSL's provider wants the CRT parameters (RFC 7518
  // §6.3.2 makes them optional, certbot always writes them).
  const std::pair<const char*, const char*> parts[] = {
      {"n", OSSL_PKEY_PARAM_RSA_N},           {"e", OSSL_PKEY_PARAM_RSA_E},
      {"d", OSSL_PKEY_PARAM_RSA_D},           {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},     {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  std::vector<ossl::BnPtr> keep;  // alive until the params are built
  for (const auto& [jwk_name, param] : parts) {
    ACMEKIT_TRY(ossl::BnPtr bn, bn_member(jwk, jwk_name));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, bn.get()) != 1) return ossl::crypto_error("building RSA key");
    keep.push_back(std::move(bn));
  }
  return import("RSA", bld.get());
}

}  // namespace

Result<PrivateKey> PrivateKey::from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return jwk_error("not a JSON object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return jwk_error("missing \"kty\"");
  if (*kty == "EC") return ec_from_jwk(jwk);
  if (*kty == "RSA") return rsa_from_jwk(jwk);
  return jwk_error("unsupported kty " + kty->get<std::string>());
}

}  // namespace acmekit::crypto
