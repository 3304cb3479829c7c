// PublicKey <-> JWK (RFC 7517; members per RFC 7518 §6.2 EC and §6.3 RSA).
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "core/base64url.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ossl::Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, ossl::Deleter<OSSL_PARAM_free>>;

std::unexpected<Error> jwk_error(std::string detail) {
  return make_error(ErrorKind::kInvalidArgument, "invalid JWK: " + std::move(detail));
}

// A required base64url string member, decoded.
Result<std::string> member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return jwk_error(std::string("missing \"") + name + "\"");
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) return jwk_error(std::string("\"") + name + "\": " + bytes.error().detail);
  if (bytes->empty()) return jwk_error(std::string("\"") + name + "\" is empty");
  return *bytes;
}

// Builds an EVP_PKEY of type key_type from params, then checks it.
Result<PublicKey> import(const char* key_type, OSSL_PARAM_BLD* bld) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return make_error(ErrorKind::kInvalidArgument, "invalid JWK: " + ossl::drain_errors());
  }
  ossl::PkeyPtr pkey(raw);
  // For EC: the point is on the curve; for RSA: n and e are plausible.
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return make_error(ErrorKind::kInvalidArgument, "invalid JWK: public key check failed: " + ossl::drain_errors());
  }
  return wrap_public_key(std::move(pkey));
}

Result<PublicKey> ec_from_jwk(const nlohmann::json& jwk) {
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
  // RFC 7518 §6.2.1.2/§6.2.1.3: x and y are the full field size.
  if (x.size() != width || y.size() != width) {
    return jwk_error("\"x\"/\"y\" must be " + std::to_string(width) + " bytes for " + group);
  }
  // SEC 1 §2.3.3 uncompressed point: 0x04 || x || y.
  std::string point = "\x04" + x + y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::crypto_error("building EC key");
  }
  return import("EC", bld.get());
}

Result<PublicKey> rsa_from_jwk(const nlohmann::json& jwk) {
  ACMEKIT_TRY(std::string n_bytes, member(jwk, "n"));
  ACMEKIT_TRY(std::string e_bytes, member(jwk, "e"));
  ossl::BnPtr n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes.data()),
                          static_cast<int>(n_bytes.size()), nullptr));
  ossl::BnPtr e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes.data()),
                          static_cast<int>(e_bytes.size()), nullptr));
  if (!n || !e) return ossl::crypto_error("building RSA key");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::crypto_error("building RSA key");
  }
  return import("RSA", bld.get());
}

// A BIGNUM parameter of pkey as big-endian bytes (width 0: minimal).
std::string bn_param(EVP_PKEY* pkey, const char* name, int width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ossl::clear_errors();
    return {};
  }
  ossl::BnPtr bn(raw);
  return ossl::bn_bytes(bn.get(), width);
}

}  // namespace

Result<PublicKey> PublicKey::from_jwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) return jwk_error("not a JSON object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return jwk_error("missing \"kty\"");
  if (*kty == "EC") return ec_from_jwk(jwk);
  if (*kty == "RSA") return rsa_from_jwk(jwk);
  return jwk_error("unsupported kty " + kty->get<std::string>());
}

nlohmann::json PublicKey::to_jwk() const {
  if (!impl_) return nlohmann::json::object();
  EVP_PKEY* pkey = impl_->pkey.get();
  switch (impl_->algorithm) {
    case KeyAlgorithm::kEcP256:
    case KeyAlgorithm::kEcP384: {
      // RFC 7518 §6.2.1: x/y padded to the field size.
      int width = impl_->algorithm == KeyAlgorithm::kEcP384 ? 48 : 32;
      return {{"kty", "EC"},
              {"crv", impl_->algorithm == KeyAlgorithm::kEcP384 ? "P-384" : "P-256"},
              {"x", base64url_encode(bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, width))},
              {"y", base64url_encode(bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, width))}};
    }
    case KeyAlgorithm::kRsa:
      // RFC 7518 §6.3.1: minimal big-endian, no leading zero octets.
      return {{"kty", "RSA"},
              {"n", base64url_encode(bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, 0))},
              {"e", base64url_encode(bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, 0))}};
  }
  return nlohmann::json::object();
}

std::optional<std::uint64_t> PublicKey::rsa_public_exponent() const {
  if (!impl_ || impl_->algorithm != KeyAlgorithm::kRsa) return std::nullopt;
  const std::string e = bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E, 0);
  if (e.empty() || e.size() > 8) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : e) v = (v << 8) | c;
  return v;
}

}  // namespace acmekit::crypto
