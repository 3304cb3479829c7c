#include "core/crypto/ossl.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <climits>

namespace acmekit::crypto::ossl {

std::string drain_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  if (out.empty()) out = "unknown OpenSSL error";
  return out;
}

std::unexpected<Error> crypto_error(std::string_view what) {
  return make_error(ErrorKind::kCrypto, std::string(what) + ": " + drain_errors());
}

void clear_errors() { ERR_clear_error(); }

BioPtr mem_bio(std::string_view bytes) {
  // A negative length would make OpenSSL take strlen(); refuse huge inputs.
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return BioPtr(BIO_new(BIO_s_mem()));
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

std::string bn_bytes(const BIGNUM* bn, int width) {
  int n = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  if (n == 0) return out;
  if (width > 0) {
    if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n) != n) return {};
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

Result<std::string> key_identifier(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_pubkey_digest(cert, EVP_sha1(), md, &len) != 1) return crypto_error("computing key identifier");
  return std::string(reinterpret_cast<char*>(md), len);
}

Result<bool> set_ec_public_key(X509_PUBKEY* spki, EVP_PKEY* pkey) {
  char group[64] = {};
  unsigned char point[256];
  std::size_t point_len = 0;
  if (EVP_PKEY_is_a(pkey, "EC") != 1) return false;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, nullptr) != 1 ||
      EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &point_len) != 1) {
    return crypto_error("reading the EC public key");
  }
  int curve = OBJ_sn2nid(group);
  if (curve == NID_undef) curve = EC_curve_nist2nid(group);
  if (curve == NID_undef) return make_error(ErrorKind::kCrypto, std::string("unknown EC group ") + group);
  auto* bits = static_cast<unsigned char*>(OPENSSL_memdup(point, point_len));
  if (bits == nullptr) return crypto_error("writing the EC public key");
  // set0 takes bits; the OIDs are OpenSSL's static ones.
  if (X509_PUBKEY_set0_param(spki, OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT, OBJ_nid2obj(curve), bits,
                             static_cast<int>(point_len)) != 1) {
    OPENSSL_free(bits);
    return crypto_error("writing the EC public key");
  }
  return true;
}

Result<std::string> subject_key_id_of(X509* cert) {
  if (const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert)) {
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                       static_cast<std::size_t>(ASN1_STRING_length(ski)));
  }
  return key_identifier(cert);
}

Result<AuthorityKeyIdPtr> authority_key_id(std::string_view key_id) {
  AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
  if (!akid) return crypto_error("building authorityKeyIdentifier");
  akid->keyid = ASN1_OCTET_STRING_new();
  if (akid->keyid == nullptr ||
      ASN1_OCTET_STRING_set(akid->keyid, reinterpret_cast<const unsigned char*>(key_id.data()),
                            static_cast<int>(key_id.size())) != 1) {
    return crypto_error("building authorityKeyIdentifier");
  }
  return akid;
}

Result<AuthorityKeyIdPtr> authority_key_id_of(X509* issuer) {
  ACMEKIT_TRY(std::string key_id, subject_key_id_of(issuer));
  return authority_key_id(key_id);
}

}  // namespace acmekit::crypto::ossl
