// Internal to src/core/crypto/: JWS carries ECDSA signatures as the raw
// concatenation R || S (RFC 7518 §3.4), OpenSSL produces and consumes the
// DER SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::crypto {

// DER ECDSA-Sig-Value -> R || S, each left-padded to half_width bytes.
Result<std::string> ecdsa_der_to_raw(std::string_view der, int half_width);
// R || S (exactly 2 * half_width bytes) -> DER ECDSA-Sig-Value.
Result<std::string> ecdsa_raw_to_der(std::string_view raw, int half_width);

}  // namespace acmekit::crypto
