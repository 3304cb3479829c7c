// Test-only helpers that check our output with OpenSSL directly, without
// going through acmekit's crypto code (so a bug there cannot hide itself).
#pragma once

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <string_view>

namespace acmekit::ossl_check {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A public key from SubjectPublicKeyInfo PEM, read by OpenSSL.
inline Pkey openssl_public_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

// A private key from PEM, read by OpenSSL.
inline Pkey openssl_private_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

// R || S (RFC 7518 §3.4) -> DER ECDSA-Sig-Value, with ECDSA_SIG.
inline std::string raw_to_der(std::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0) return {};
  int half = static_cast<int>(raw.size() / 2);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(p, half, nullptr), BN_bin2bn(p + half, half, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// DER ECDSA-Sig-Value -> R || S, each half `half` bytes.
inline std::string der_to_raw(std::string_view der, int half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  std::string out(static_cast<std::size_t>(2 * half), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), o, half);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), o + half, half);
  ECDSA_SIG_free(sig);
  return out;
}

// Verifies a JWS signature with OpenSSL: ES256/ES384 raw R||S, RS256 PKCS#1 v1.5.
inline bool openssl_verify_jws(EVP_PKEY* key, std::string_view alg, std::string_view data,
                               std::string_view signature) {
  const EVP_MD* md = nullptr;
  std::string sig(signature);
  if (alg == "ES256") {
    if (signature.size() != 64) return false;
    md = EVP_sha256();
    sig = raw_to_der(signature);
  } else if (alg == "ES384") {
    if (signature.size() != 96) return false;
    md = EVP_sha384();
    sig = raw_to_der(signature);
  } else if (alg == "RS256") {
    md = EVP_sha256();
  } else {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// Signs with OpenSSL; ECDSA output converted to R||S.
inline std::string openssl_sign_jws(EVP_PKEY* key, std::string_view alg, std::string_view data) {
  const EVP_MD* md = alg == "ES384" ? EVP_sha384() : EVP_sha256();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1) {
      sig.resize(len);
    } else {
      sig.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256") return der_to_raw(sig, 32);
  if (alg == "ES384") return der_to_raw(sig, 48);
  return sig;
}

// SHA-256 computed by OpenSSL.
inline std::string openssl_sha256(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Standard base64 by OpenSSL, turned into base64url without padding.
inline std::string openssl_base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace acmekit::ossl_check
