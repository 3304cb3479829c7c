// Internal to src/core/crypto/: what reading and writing JWKs (RFC 7517,
// members per RFC 7518 §6.2 EC and §6.3 RSA) shares between the public
// (public_key_jwk.cc) and the private side (private_key_jwk.cc): members
// decoded to bytes or BIGNUMs, the curve table, the EVP_PKEY_fromdata import
// with its check, and a key's parameters read back as bytes.
#pragma once

#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto/key_impl.h"

namespace acmekit::crypto::jwk {

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ossl::Deleter<OSSL_PARAM_BLD_free>>;

// Errors say which kind of JWK was read: "invalid JWK: ..." or
// "invalid private JWK: ...".
struct Reader {
  std::string_view kind;  // "JWK" | "private JWK"

  std::unexpected<Error> error(std::string detail) const;
  // A required base64url string member, decoded; never empty.
  Result<std::string> member(const nlohmann::json& jwk, const char* name) const;
  Result<ossl::BnPtr> bn_member(const nlohmann::json& jwk, const char* name) const;
};

// RFC 7517 §4.1 "kty": an object with kty EC or RSA goes to the matching reader.
template <typename Key, typename Ec, typename Rsa>
Result<Key> by_kty(const Reader& r, const nlohmann::json& jwk, Ec ec, Rsa rsa) {
  if (!jwk.is_object()) return r.error("not a JSON object");
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return r.error("missing \"kty\"");
  if (*kty == "EC") return ec(jwk);
  if (*kty == "RSA") return rsa(jwk);
  return r.error("unsupported kty " + kty->get<std::string>());
}

// RFC 7518 §6.2.1.1: the curves we take, with their field size in bytes.
struct Curve {
  const char* crv;    // "P-256"
  const char* group;  // OpenSSL's group name
  int width;          // x, y and d are this many bytes (§6.2.1.2, §6.2.2.1)
};
Result<Curve> curve_of(const Reader& r, const nlohmann::json& jwk);
const Curve& curve_for(KeyAlgorithm algorithm);  // an EC algorithm

// Pushes crv's group and the uncompressed point (SEC 1 §2.3.3: 0x04 || x || y)
// of jwk's "x" and "y" (each exactly the field size), built in `point`:
// OSSL_PARAM_BLD keeps a pointer, so the caller keeps `point` alive until
// the params are built (import).
Status push_ec_public(const Reader& r, const nlohmann::json& jwk, const Curve& curve, OSSL_PARAM_BLD* bld,
                      std::string& point);

// EVP_PKEY_fromdata of selection (EVP_PKEY_PUBLIC_KEY | EVP_PKEY_KEYPAIR),
// then the matching check (the point is on the curve, n and e plausible; a
// private part matches its public part).
Result<ossl::PkeyPtr> import(const Reader& r, const char* key_type, OSSL_PARAM_BLD* bld, int selection);

// A BIGNUM parameter of pkey as big-endian bytes, left-padded to width (0:
// minimal, as RFC 7518 §6.3 wants for RSA); empty when absent.
std::string bn_param(const EVP_PKEY* pkey, const char* name, int width);

}  // namespace acmekit::crypto::jwk
