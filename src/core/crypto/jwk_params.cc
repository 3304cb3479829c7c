#include "core/crypto/jwk_params.h"

#include <openssl/core_names.h>

#include "core/base64url.h"

namespace acmekit::crypto::jwk {
namespace {

using ParamsPtr = std::unique_ptr<OSSL_PARAM, ossl::Deleter<OSSL_PARAM_free>>;

constexpr Curve kP256{"P-256", "P-256", 32};
constexpr Curve kP384{"P-384", "P-384", 48};

}  // namespace

std::unexpected<Error> Reader::error(std::string detail) const {
  return make_error(ErrorKind::kInvalidArgument, "invalid " + std::string(kind) + ": " + std::move(detail));
}

Result<std::string> Reader::member(const nlohmann::json& jwk, const char* name) const {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return error(std::string("missing \"") + name + "\"");
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) return error(std::string("\"") + name + "\": " + bytes.error().detail);
  if (bytes->empty()) return error(std::string("\"") + name + "\" is empty");
  return *bytes;
}

Result<ossl::BnPtr> Reader::bn_member(const nlohmann::json& jwk, const char* name) const {
  ACMEKIT_TRY(std::string bytes, member(jwk, name));
  ossl::BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                           nullptr));
  if (!bn) return ossl::crypto_error("building key");
  return bn;
}

Result<Curve> curve_of(const Reader& r, const nlohmann::json& jwk) {
  auto crv = jwk.find("crv");
  if (crv == jwk.end() || !crv->is_string()) return r.error("missing \"crv\"");
  if (*crv == kP256.crv) return kP256;
  if (*crv == kP384.crv) return kP384;
  return r.error("unsupported curve " + crv->get<std::string>());
}

const Curve& curve_for(KeyAlgorithm algorithm) { return algorithm == KeyAlgorithm::kEcP384 ? kP384 : kP256; }

Status push_ec_public(const Reader& r, const nlohmann::json& jwk, const Curve& curve, OSSL_PARAM_BLD* bld,
                      std::string& point) {
  ACMEKIT_TRY(std::string x, r.member(jwk, "x"));
  ACMEKIT_TRY(std::string y, r.member(jwk, "y"));
  // RFC 7518 §6.2.1.2/§6.2.1.3: x and y are the full field size.
  if (x.size() != static_cast<size_t>(curve.width) || y.size() != static_cast<size_t>(curve.width)) {
    return r.error("\"x\"/\"y\" must be " + std::to_string(curve.width) + " bytes for " + curve.crv);
  }
  point = "\x04" + x + y;
  if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::crypto_error("building EC key");
  }
  return {};
}

Result<ossl::PkeyPtr> import(const Reader& r, const char* key_type, OSSL_PARAM_BLD* bld, int selection) {
  ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return r.error(ossl::drain_errors());
  }
  ossl::PkeyPtr pkey(raw);
  ossl::PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (selection == EVP_PKEY_KEYPAIR) {
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
      return r.error("the private and public parts do not match: " + ossl::drain_errors());
    }
  } else if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return r.error("public key check failed: " + ossl::drain_errors());
  }
  return pkey;
}

std::string bn_param(const EVP_PKEY* pkey, const char* name, int width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ossl::clear_errors();
    return {};
  }
  ossl::BnPtr bn(raw);
  return ossl::bn_bytes(bn.get(), width);
}

}  // namespace acmekit::crypto::jwk
