// RFC 3339 timestamps as ACME resources carry them (RFC 8555 §7.1, RFC 9773
// §4.2 suggestedWindow). Shared by the CA (rendering) and the client
// (renewalInfo windows).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::wire {

// "2026-11-23T10:00:00Z" (UTC, whole seconds).
std::string rfc3339(std::chrono::system_clock::time_point t);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)"; 't'/'z' accepted
// (RFC 3339 §5.6). kInvalidArgument otherwise.
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace acmekit::wire
