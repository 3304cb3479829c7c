// CSRs as the CA reads them from finalize (RFC 8555 §7.4; PEM or DER), and
// the PEM keys the client reads from disk (--key-path, --csr). A CSR that
// parses parses again from its DER with the same names and key; a private
// key that parses writes PEM that parses to the same key. parse_csr's fast
// way for EC keys and OpenSSL's X509_REQ agree on every input.
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  const std::string_view in = fuzz::as_view(data, size);
  auto csr = crypto::parse_csr(in);
  // parse_csr's own reading of EC CSRs agrees with OpenSSL's X509_REQ on
  // every input: both refuse it, or both read the same names, key and DER.
  auto reference = crypto::parse_csr_with_x509_req(in);
  FUZZ_CHECK(csr.has_value() == reference.has_value());
  if (csr && reference) {
    FUZZ_CHECK(csr->der == reference->der);
    FUZZ_CHECK(csr->common_name == reference->common_name);
    FUZZ_CHECK(csr->dns_names == reference->dns_names);
    FUZZ_CHECK(csr->ip_addresses == reference->ip_addresses);
    FUZZ_CHECK(csr->public_key == reference->public_key);
  }
  if (csr) {
    FUZZ_CHECK(!csr->der.empty());
    auto again = crypto::parse_csr(csr->der);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->common_name == csr->common_name);
    FUZZ_CHECK(again->dns_names == csr->dns_names);
    FUZZ_CHECK(again->ip_addresses == csr->ip_addresses);
    FUZZ_CHECK(again->public_key == csr->public_key);
    FUZZ_CHECK(!csr->public_key.to_jwk().empty());
  } else {
    FUZZ_CHECK(csr.error().kind == ErrorKind::kCrypto);
  }
  if (auto key = crypto::PrivateKey::from_pem(in)) {
    auto again = crypto::PrivateKey::from_pem(key->to_pem());
    FUZZ_CHECK(again && again->public_key() == key->public_key());
  }
  if (auto pub = crypto::PublicKey::from_pem(in)) {
    auto again = crypto::PublicKey::from_pem(pub->to_pem());
    FUZZ_CHECK(again && *again == *pub);
  }
  return 0;
}
