#include "core/crypto/ossl.h"

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

}  // namespace acmekit::crypto::ossl
