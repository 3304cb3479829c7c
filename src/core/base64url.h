// base64url without padding (RFC 7515 §2, RFC 4648 §5), the encoding of every
// binary value in JOSE and ACME: JWS parts, JWK members, thumbprints, tokens.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit {

// Encodes bytes with the URL-safe alphabet and no '=' padding.
std::string base64url_encode(std::string_view bytes);

// Decodes strictly: only [A-Za-z0-9_-], no '=' padding, no whitespace, a
// length that is not 1 mod 4, and zero unused trailing bits (the canonical
// encoding, RFC 4648 §3.5), so one value has exactly one encoding.
// Errors are kInvalidArgument; callers add context.
Result<std::string> base64url_decode(std::string_view text);

}  // namespace acmekit
