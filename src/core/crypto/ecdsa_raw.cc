#include "core/crypto/ecdsa_raw.h"

#include "core/crypto/ossl.h"

namespace acmekit::crypto {

Result<std::string> ecdsa_der_to_raw(std::string_view der, int half_width) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::crypto_error("decoding ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_num_bytes(r) > half_width || BN_num_bytes(s) > half_width) {
    return make_error(ErrorKind::kCrypto, "ECDSA signature component wider than the curve");
  }
  // RFC 7518 §3.4: R and S as fixed-width big-endian octet sequences.
  return ossl::bn_bytes(r, half_width) + ossl::bn_bytes(s, half_width);
}

Result<std::string> ecdsa_raw_to_der(std::string_view raw, int half_width) {
  if (raw.size() != static_cast<std::size_t>(2 * half_width)) {
    return make_error(ErrorKind::kCrypto, "ECDSA signature must be " + std::to_string(2 * half_width) +
                                              " bytes (R||S), got " + std::to_string(raw.size()));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  ossl::BnPtr r(BN_bin2bn(bytes, half_width, nullptr));
  ossl::BnPtr s(BN_bin2bn(bytes + half_width, half_width, nullptr));
  ossl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig) return ossl::crypto_error("building ECDSA signature");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl::crypto_error("building ECDSA signature");
  r.release();  // now owned by sig
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return ossl::crypto_error("encoding ECDSA signature");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace acmekit::crypto
