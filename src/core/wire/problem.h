// Problem documents (RFC 7807, RFC 8555 §6.7) and Retry-After (RFC 9110
// §10.2.3), turned into the one Error type at the HTTP edge.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/http/client.h"

namespace acmekit::wire {

// The RFC 8555 §6.7 error namespace.
inline constexpr std::string_view kErrorPrefix = "urn:ietf:params:acme:error:";

// Parses a problem document body into an Error of kind kAcme carrying type,
// detail, HTTP status and the §6.7.1 subproblems. A body that is not a problem
// document still gives an Error (kProtocol) that shows the status.
Error parse_problem(int status, std::string_view body);

// The same for a problem embedded in a resource (an order's or a
// challenge's "error" field).
Error parse_embedded_problem(std::string_view json_text);

// Retry-After as delta-seconds or an HTTP-date; nullopt when absent or
// unparseable. `now` is injected for tests.
std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Turns a non-2xx response into an Error (problem + Retry-After).
Error error_from_response(const http::Response& response);

// The wire form of an ACME problem (kind kAcme): type, detail and the
// §6.7.1 subproblems, without a status (the CA's WFE adds the one it
// answers with; a challenge's "error" carries none).
nlohmann::json problem_document(const Error& e);

}  // namespace acmekit::wire
