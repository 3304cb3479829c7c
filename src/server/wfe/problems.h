// Where an Error becomes what the client sees: the only place in the CA
// that picks an HTTP status for an error and writes a problem document
// (RFC 7807, RFC 8555 §6.7). The RA and VA return Errors (server/problems.h);
// the generic HTTP listener asks for framing errors through
// framing_error_response.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/http/client.h"

namespace acmekit::server::wfe {

// The status the WFE answers `e` with: e.status when WFE code set one (405,
// 415, ...); for an ACME problem the status RFC 8555 and Boulder use for its
// type (rateLimited 429, orderNotReady 403, alreadyReplaced 409, ...);
// kNotFound 404, kAlreadyExists 409, kUnauthorized 403, kUnavailable 503;
// anything else is our failure: 500.
int http_status(const Error& e);

// The document the client gets: type, detail, status and subproblems
// (§6.7.1). An error that is not the client's to act on becomes
// serverInternal without its detail (the caller logs it).
nlohmann::json problem_body(const Error& e, int status);

// application/problem+json with http_status(e) (or `status`), Retry-After
// when the error has one; badSignatureAlgorithm lists the algorithms.
acmekit::http::Response problem_response(const Error& e);
acmekit::http::Response problem_response(const Error& e, int status);

// For the HTTP listener's own refusals (bad framing 400, body too large
// 413, a handler that failed 500): malformed / serverInternal documents.
acmekit::http::Response framing_error_response(int status, std::string_view detail);

}  // namespace acmekit::server::wfe
