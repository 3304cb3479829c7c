// Authenticating a POST (RFC 8555 §6.2-§6.5): content type, flattened JWS,
// accepted algorithm, exactly one of jwk/kid, the key or account, the
// signature, the url, and a single-use nonce. Each failure is the RFC's
// problem type.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/crypto/key.h"
#include "core/error.h"
#include "core/http/server.h"
#include "server/model.h"
#include "server/nonce/nonce_service.h"
#include "server/sa/storage.h"
#include "server/wfe/account_keys.h"

namespace acmekit::server::wfe {

// Which key reference an endpoint takes (§6.2): newAccount and the inner
// key-change JWS need "jwk", revokeCert either, everything else "kid".
enum class KeyRule { kJwk, kKid, kEither };

// The algorithms we verify (RFC 7518 §3.1); sent in badSignatureAlgorithm's
// "algorithms" list (§6.7).
inline const std::vector<std::string>& accepted_algorithms() {
  static const std::vector<std::string> kAlgs = {"ES256", "ES384", "RS256"};
  return kAlgs;
}

struct Authenticated {
  nlohmann::json protected_header;
  std::string payload;                   // decoded; "" for POST-as-GET (§6.3)
  std::optional<AccountRecord> account;  // the "kid" account, valid
  nlohmann::json jwk;                    // the "jwk" header when used
  crypto::PublicKey key;                 // the key that verified the signature
};

struct AuthParams {
  std::string request_url;         // base URL (external_url or https://HOST) + target: must equal "url" (§6.4)
  std::string account_url_prefix;  // https://HOST/acme/acct/ : "kid" must start with it
  KeyRule rule = KeyRule::kKid;
  int min_rsa_bits = 2048;
};

Result<Authenticated> authenticate(const http::ServerRequest& request, const AuthParams& params,
                                   sa::StorageReader& storage, nonce::NonceService& nonces, AccountKeys& keys);

// Checks an already parsed inner JWS of a key change (§7.3.5): "jwk" present
// and no "kid", no "nonce", url equal to outer_url, a valid signature with an
// acceptable key. Returns the new key's JWK and the decoded payload.
struct InnerJws {
  nlohmann::json jwk;
  crypto::PublicKey key;
  std::string payload;
};
Result<InnerJws> verify_key_change_inner(const nlohmann::json& inner, const std::string& outer_url, int min_rsa_bits);

}  // namespace acmekit::server::wfe
