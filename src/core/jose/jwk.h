// JWK thumbprints and what ACME derives from them: key authorizations
// (RFC 8555 §8.1) and dns-01 TXT values (§8.4). Keys come as public JWKs,
// e.g. crypto::PublicKey::to_jwk().
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto/key.h"

namespace acmekit::jose {

// RFC 7638 §3: base64url(SHA-256(UTF-8 of the JSON object holding only the
// required members, keys sorted, no whitespace)). Required members:
// EC {"crv","kty","x","y"}, RSA {"e","kty","n"}, OKP {"crv","kty","x"}
// (RFC 7638 §3.2, RFC 8037 §2). Missing members are left out; a JWK with
// another kty is hashed with all its members.
std::string thumbprint(const nlohmann::json& jwk);

// The thumbprint of the key itself, not of how a JWK spelled it: of its
// canonical JWK (crypto::PublicKey::to_jwk: RSA n and e without leading
// zero octets, RFC 7518 §6.3.1.1). The one identity of an account key.
std::string key_thumbprint(const crypto::PublicKey& key);

// RFC 8555 §8.1: token "." base64url(Thumbprint(accountKey)).
std::string key_authorization(std::string_view token, const nlohmann::json& jwk);

// RFC 8555 §8.4: base64url(SHA-256(key authorization)), the TXT record value
// at _acme-challenge.<domain>.
std::string dns01_txt_value(std::string_view key_authorization);

}  // namespace acmekit::jose
