// JWK import (RFC 7517/7518 §6) and thumbprints (RFC 7638): what the CA reads
// from every newAccount and keyChange. An imported key exports a canonical
// JWK that imports again to the same key with the same thumbprint (but for
// OpenSSL's randomized RSA modulus check, see below), and its PEM
// round-trips too.
#include "core/crypto/key.h"
#include "core/jose/jwk.h"
#include "core/wire/json.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace acmekit;
  const std::string_view in = fuzz::as_view(data, size);
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  (void)jose::thumbprint(json);
  (void)jose::key_authorization("token", json);
  auto key = crypto::PublicKey::from_jwk(json);
  if (!key) {
    FUZZ_CHECK(key.error().kind == ErrorKind::kInvalidArgument);
    return 0;
  }
  const nlohmann::json canonical = key->to_jwk();
  FUZZ_CHECK(canonical.is_object() && !canonical.empty());
  auto again = crypto::PublicKey::from_jwk(canonical);
  if (!again && key->algorithm() == crypto::KeyAlgorithm::kRsa &&
      again.error().detail.find("invalid modulus") != std::string::npos) {
    // OpenSSL's RSA public key check (SP 800-56B §6.4.2.1) runs Miller-Rabin
    // with random bases: a bogus composite modulus passes or fails by
    // chance (corpus jwk/rsa-modulus-checked-by-chance). Not ours to fix.
    return 0;
  }
  FUZZ_CHECK(again && *again == *key);
  FUZZ_CHECK(again->to_jwk() == canonical);
  FUZZ_CHECK(jose::key_thumbprint(*key) == jose::thumbprint(canonical));
  auto from_pem = crypto::PublicKey::from_pem(key->to_pem());
  FUZZ_CHECK(from_pem && *from_pem == *key);
  FUZZ_CHECK(!key->description().empty() && key->bits() > 0);
  (void)key->rsa_public_exponent();
  (void)key->verify_jws("ES256", "data", "sig");
  (void)key->verify_jws("RS256", "data", std::string(256, 'x'));
  return 0;
}
