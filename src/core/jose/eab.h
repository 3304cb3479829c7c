// External account binding (RFC 8555 §7.3.4): a MAC-signed JWS, carried in
// newAccount's "externalAccountBinding", that ties the new ACME account key
// to an account the CA already knows.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/jose/jws.h"

namespace acmekit::jose {

// The flattened HS256 JWS over account_jwk with protected header
// {"alg":"HS256","kid":eab_kid,"url":new_account_url} and no nonce.
// hmac_key_b64url is the MAC key as the CA hands it out, base64url; trailing
// '=' padding, which some CAs include, is tolerated. kInvalidArgument for an
// empty kid, url or key, or a key that is not base64url.
Result<nlohmann::json> sign_eab(std::string_view eab_kid, std::string_view hmac_key_b64url,
                                const nlohmann::json& account_jwk, std::string_view new_account_url);

// For the CA: checks the MAC of a parsed EAB JWS (alg HS256/HS384/HS512) with
// the raw MAC key. kCrypto if the alg is not a MAC or the MAC is wrong. The
// kid/url/payload checks of RFC 8555 §7.3.4 are the caller's.
Status verify_eab_mac(const ParsedJws& jws, std::string_view hmac_key);

}  // namespace acmekit::jose
