// The CA's first look at every POST body (RFC 8555 §6.2): the body as JSON,
// the flattened JWS parse, the embedded "jwk" imported, and the signature
// verified with it and with a fixed key. Inputs starting with '~' also sign
// the rest as a payload and check that parse + verify accept it back.
#include "core/base64url.h"
#include "core/crypto/key.h"
#include "core/jose/jwk.h"
#include "core/jose/jws.h"
#include "core/wire/json.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit;

const crypto::PrivateKey& fixed_key() {
  static const crypto::PrivateKey key = crypto::PrivateKey::generate({}).value();
  return key;
}

void sign_round_trip(std::string_view payload) {
  auto jws = jose::sign(fixed_key(), {.url = "https://ca.test/acme/new-order", .nonce = "n0nce", .kid = "k"}, payload);
  FUZZ_CHECK(jws.has_value());
  auto parsed = wire::parse_json(jose::compact_json(*jws), "JWS");
  FUZZ_CHECK(parsed.has_value());
  auto back = jose::parse(*parsed);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(back->payload == payload);
  FUZZ_CHECK(jose::verify(*back, fixed_key().public_key()).has_value());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_view(data, size);
  if (in.starts_with('~')) {
    in.remove_prefix(1);
    sign_round_trip(in);
    return 0;
  }
  auto body = wire::parse_json(in, "JWS");
  if (!body) return 0;
  auto jws = jose::parse(*body);
  if (!jws) {
    FUZZ_CHECK(jws.error().kind == ErrorKind::kProtocol);
    return 0;
  }
  // What parse promises: the parts are the members, decoded.
  FUZZ_CHECK(jws->protected_header.is_object() && jws->protected_header["alg"].is_string());
  const std::string p = (*body)["protected"].get<std::string>();
  const std::string pl = (*body)["payload"].get<std::string>();
  FUZZ_CHECK(jws->signing_input == p + "." + pl);
  FUZZ_CHECK(base64url_decode(pl).value() == jws->payload);
  FUZZ_CHECK(base64url_decode((*body)["signature"].get<std::string>()).value() == jws->signature);

  (void)jose::verify(*jws, fixed_key().public_key());
  (void)jose::verify(*jws, crypto::PublicKey());  // the empty key: an error, not a crash
  if (auto it = jws->protected_header.find("jwk"); it != jws->protected_header.end()) {
    (void)jose::thumbprint(*it);
    if (auto key = crypto::PublicKey::from_jwk(*it)) {
      (void)jose::verify(*jws, *key);
      FUZZ_CHECK(jose::key_thumbprint(*key) == jose::thumbprint(key->to_jwk()));
    }
  }
  return 0;
}
