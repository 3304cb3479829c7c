#include "core/crypto/raw_spki.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>

namespace acmekit::crypto {

ASN1_SEQUENCE(RawSpki) = {
    ASN1_SIMPLE(RawSpki, algorithm, X509_ALGOR),
    ASN1_SIMPLE(RawSpki, key, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(RawSpki)

ossl::PkeyPtr named_curve_key(const RawSpki& spki) {
  if (OBJ_obj2nid(spki.algorithm->algorithm) != NID_X9_62_id_ecPublicKey) return nullptr;
  int parameter_type = 0;
  const void* parameter = nullptr;
  X509_ALGOR_get0(nullptr, &parameter_type, &parameter, spki.algorithm);
  if (parameter_type != V_ASN1_OBJECT) return nullptr;
  const int curve = OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(parameter));
  // An EC point is whole octets: a BIT STRING with unused bits is not one.
  if ((spki.key->flags & ASN1_STRING_FLAG_BITS_LEFT) != 0 && (spki.key->flags & 0x07) != 0) return nullptr;
  return ec_public_key(curve, spki.key->data, static_cast<std::size_t>(spki.key->length));
}

namespace {

// An EC key from its group name and, when point is not null, its encoded
// point (EVP_PKEY_fromdata); null when the provider refuses them.
ossl::PkeyPtr ec_key_from_data(const char* curve_name, const unsigned char* point, std::size_t point_len) {
  std::string group(curve_name);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(point), point_len),
      OSSL_PARAM_construct_end()};
  if (point == nullptr) params[1] = OSSL_PARAM_construct_end();
  ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, point == nullptr ? EVP_PKEY_KEY_PARAMETERS : EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ossl::clear_errors();
    return nullptr;
  }
  return ossl::PkeyPtr(key);
}

// A key of the curve's domain parameters only, made once and kept for the
// life of the process: a new key copies them (EC_GROUP_dup) instead of
// building the group from its name.
EVP_PKEY* curve_parameters(int curve) {
  static EVP_PKEY* const p256 = ec_key_from_data("prime256v1", nullptr, 0).release();
  static EVP_PKEY* const p384 = ec_key_from_data("secp384r1", nullptr, 0).release();
  if (curve == NID_X9_62_prime256v1) return p256;
  if (curve == NID_secp384r1) return p384;
  return nullptr;
}

}  // namespace

ossl::PkeyPtr ec_public_key(int curve, const unsigned char* point, std::size_t point_len) {
  if (EVP_PKEY* parameters = curve_parameters(curve)) {
    ossl::PkeyPtr key(EVP_PKEY_new());
    // set1_encoded_public_key refuses a point off the curve (EC_POINT_oct2point).
    if (key && EVP_PKEY_copy_parameters(key.get(), parameters) == 1 &&
        EVP_PKEY_set1_encoded_public_key(key.get(), point, point_len) == 1) {
      return key;
    }
    ossl::clear_errors();
    return nullptr;
  }
  const char* curve_name = curve == NID_undef ? nullptr : OBJ_nid2sn(curve);
  if (curve_name == nullptr || point == nullptr) return nullptr;
  return ec_key_from_data(curve_name, point, point_len);
}

}  // namespace acmekit::crypto
