// JWS (RFC 7515) as ACME uses it (RFC 8555 §6.2): one signature, flattened
// JSON serialization, everything in the protected header.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::jose {

// The ACME protected header fields besides "alg" (RFC 8555 §6.2, §6.4, §6.5.2).
struct JwsHeader {
  std::string url;    // "url", required
  std::string nonce;  // "nonce"; empty leaves it out (e.g. the inner JWS of a key change, §7.3.5)
  std::string kid;    // "kid" = account URL; empty embeds the public key as "jwk" instead
};

// Signs payload with key: {"protected","payload","signature"}, all base64url.
// The protected header holds "alg" (key.jws_algorithm()), "url", "nonce" if
// set, and "kid" or "jwk". An empty payload gives "payload": "", the
// POST-as-GET body (RFC 8555 §6.3); send "{}" for an empty JSON object.
// kInvalidArgument for an empty key or url.
Result<nlohmann::json> sign(const crypto::PrivateKey& key, const JwsHeader& header, std::string_view payload);

struct ParsedJws {
  nlohmann::json protected_header;  // the decoded protected header object
  std::string payload;              // decoded
  std::string signing_input;        // protected "." payload (as sent, base64url)
  std::string signature;            // decoded
};

// Parses a flattened JWS. kProtocol if it is not an object with string
// "protected", "payload" and "signature", if a member is not base64url, if
// the protected header is not a JSON object with a string "alg", or if it
// uses what RFC 8555 §6.2 forbids: an unprotected "header", several
// "signatures", or the unencoded payload option ("b64", RFC 7797); "crit"
// is refused too as we understand no extensions (RFC 7515 §4.1.11).
// Checking url/nonce/jwk/kid is the caller's job.
Result<ParsedJws> parse(const nlohmann::json& flattened);

// Verifies the signature with key under protected_header["alg"] (ES256,
// ES384 or RS256; "none" and MACs are refused, RFC 8555 §6.2). kCrypto if
// the alg does not fit the key or the signature is wrong.
Status verify(const ParsedJws& jws, const crypto::PublicKey& key);

// nlohmann::json::dump without whitespace that never throws (invalid UTF-8
// is replaced). Used for every JSON we sign.
std::string compact_json(const nlohmann::json& value);

}  // namespace acmekit::jose
