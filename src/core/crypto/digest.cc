#include "core/crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/crypto/ossl.h"

namespace acmekit::crypto {

namespace {

// One EVP digest of data, size bytes long.
std::string evp_digest(const EVP_MD* md, std::size_t size, const char* what, std::string_view data) {
  std::string out(size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md, nullptr) != 1 ||
      len != size) {
    // Only an OpenSSL misconfiguration gets here; there is no sane fallback.
    std::fprintf(stderr, "acmekit: %s failed: %s\n", what, ossl::drain_errors().c_str());
    std::abort();
  }
  return out;
}

}  // namespace

std::string sha256(std::string_view data) { return evp_digest(EVP_sha256(), 32, "SHA-256", data); }

std::string sha1(std::string_view data) { return evp_digest(EVP_sha1(), 20, "SHA-1", data); }

Result<std::string> hmac(std::string_view digest, std::string_view key, std::string_view data) {
  // RFC 7518 §3.2: HS256/HS384/HS512 use SHA-256/384/512; TSIG (RFC 8945 §6)
  // also MD5, SHA-1 and SHA-224.
  if (digest != "SHA256" && digest != "SHA384" && digest != "SHA512" && digest != "MD5" && digest != "SHA1" &&
      digest != "SHA224") {
    return make_error(ErrorKind::kInvalidArgument, "HMAC: unsupported digest " + std::string(digest));
  }
  if (key.empty()) return make_error(ErrorKind::kInvalidArgument, "HMAC: empty key");
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  std::string digest_name(digest);
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name.c_str(), nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out,
                &out_len) == nullptr) {
    return ossl::crypto_error("HMAC");
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  for (std::size_t done = 0; done < n;) {
    int chunk = static_cast<int>(std::min<std::size_t>(n - done, 1 << 20));
    if (RAND_bytes(p + done, chunk) != 1) {
      std::fprintf(stderr, "acmekit: RAND_bytes failed: %s\n", ossl::drain_errors().c_str());
      std::abort();
    }
    done += static_cast<std::size_t>(chunk);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace acmekit::crypto
