#include "core/jose/jws.h"

#include "core/base64url.h"

namespace acmekit::jose {
namespace {

std::unexpected<Error> malformed(std::string detail) {
  return make_error(ErrorKind::kProtocol, "malformed JWS: " + std::move(detail));
}

// A base64url string member of the flattened JWS, decoded.
Result<std::string> decoded_member(const nlohmann::json& jws, const char* name) {
  auto it = jws.find(name);
  if (it == jws.end() || !it->is_string()) return malformed(std::string("missing string \"") + name + "\"");
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) return malformed(std::string("\"") + name + "\": " + bytes.error().detail);
  return *bytes;
}

}  // namespace

std::string compact_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> sign(const crypto::PrivateKey& key, const JwsHeader& header, std::string_view payload) {
  if (!key.impl_) return make_error(ErrorKind::kInvalidArgument, "signing JWS: no key");
  if (header.url.empty()) return make_error(ErrorKind::kInvalidArgument, "signing JWS: no url");
  // RFC 8555 §6.2: alg, nonce, url, and exactly one of jwk or kid.
  nlohmann::json protected_header = {{"alg", key.jws_algorithm()}, {"url", header.url}};
  if (!header.nonce.empty()) protected_header["nonce"] = header.nonce;  // §6.5.2
  if (header.kid.empty()) {
    protected_header["jwk"] = key.public_key().to_jwk();
  } else {
    protected_header["kid"] = header.kid;
  }
  // RFC 7515 §5.1: signing input = base64url(protected) "." base64url(payload).
  std::string protected_b64 = base64url_encode(compact_json(protected_header));
  std::string payload_b64 = base64url_encode(payload);  // "" for POST-as-GET (§6.3)
  ACMEKIT_TRY(std::string signature, key.sign_jws(protected_b64 + "." + payload_b64));
  // RFC 7515 §7.2.2: flattened JWS JSON serialization.
  return nlohmann::json{
      {"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url_encode(signature)}};
}

Result<ParsedJws> parse(const nlohmann::json& flattened) {
  if (!flattened.is_object()) return malformed("not a JSON object");
  // RFC 8555 §6.2: one signature, no unprotected header.
  if (flattened.contains("signatures")) return malformed("multiple signatures (general serialization)");
  if (flattened.contains("header")) return malformed("unprotected header");
  ACMEKIT_TRY(std::string header_text, decoded_member(flattened, "protected"));
  ParsedJws jws;
  ACMEKIT_TRY(jws.payload, decoded_member(flattened, "payload"));
  ACMEKIT_TRY(jws.signature, decoded_member(flattened, "signature"));
  jws.protected_header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (jws.protected_header.is_discarded() || !jws.protected_header.is_object()) {
    return malformed("protected header is not a JSON object");
  }
  auto alg = jws.protected_header.find("alg");
  if (alg == jws.protected_header.end() || !alg->is_string()) return malformed("protected header has no \"alg\"");
  if (jws.protected_header.contains("b64")) return malformed("unencoded payload option (RFC 7797)");
  if (jws.protected_header.contains("crit")) return malformed("unsupported \"crit\" header");
  jws.signing_input = flattened["protected"].get<std::string>() + "." + flattened["payload"].get<std::string>();
  return jws;
}

Status verify(const ParsedJws& jws, const crypto::PublicKey& key) {
  auto alg = jws.protected_header.find("alg");
  if (alg == jws.protected_header.end() || !alg->is_string()) {
    return make_error(ErrorKind::kCrypto, "JWS has no \"alg\"");
  }
  const auto& name = alg->get_ref<const std::string&>();
  // RFC 8555 §6.2: alg MUST NOT be "none" or a MAC algorithm.
  if (name == "none" || name.starts_with("HS")) {
    return make_error(ErrorKind::kCrypto, "JWS alg \"" + name + "\" is not allowed");
  }
  return key.verify_jws(name, jws.signing_input, jws.signature);
}

}  // namespace acmekit::jose
