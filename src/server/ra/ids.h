// Random identifiers for URLs and challenge tokens.
#pragma once

#include <string>

#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::server::ra {

// 128 random bits, base64url: the last path segment of a resource URL.
inline std::string new_id() { return base64url_encode(crypto::random_bytes(16)); }

// RFC 8555 §8.1: a token with at least 128 bits of entropy; we use 256.
inline std::string new_token() { return base64url_encode(crypto::random_bytes(32)); }

}  // namespace acmekit::server::ra
