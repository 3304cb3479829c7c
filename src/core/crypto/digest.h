// Hashes, HMAC and randomness: the small primitives the JOSE layer needs
// (thumbprints, dns-01 values, EAB MACs, tokens and nonces).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::crypto {

// SHA-256 of data: the raw 32-byte digest (RFC 7638 thumbprints, RFC 8555 §8.4).
std::string sha256(std::string_view data);

// SHA-1 of data: the raw 20-byte digest. Not for anything new: only where
// an API's signature demands it (OVH's X-Ovh-Signature).
std::string sha1(std::string_view data);

// HMAC (RFC 2104) with digest "SHA256", "SHA384" or "SHA512": the raw MAC.
// Used for JWS HS256/HS384/HS512 (RFC 7518 §3.2), e.g. EAB (RFC 8555 §7.3.4);
// DNS TSIG (RFC 8945 §6) also uses "MD5", "SHA1" and "SHA224".
// An unknown digest name or an empty key is kInvalidArgument.
Result<std::string> hmac(std::string_view digest, std::string_view key, std::string_view data);

// n bytes from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if the
// generator fails: continuing without randomness is never safe.
std::string random_bytes(std::size_t n);

// Compares two byte strings in time that depends only on their lengths
// (for MAC checks).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace acmekit::crypto
