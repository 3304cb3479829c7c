// RFC 8555 §6.7 problem types as server-side Errors. The RA and VA return
// these; only the WFE turns them into application/problem+json.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/wire/problem.h"

namespace acmekit::server {

// An Error of kind kAcme with type "urn:ietf:params:acme:error:<short_type>".
inline Error acme_problem(std::string_view short_type, std::string detail, int status) {
  Error e{.kind = ErrorKind::kAcme, .detail = std::move(detail)};
  e.type = std::string(wire::kErrorPrefix) + std::string(short_type);
  e.status = status;
  return e;
}

// The same, as an unexpected value for Result/Status returns.
inline std::unexpected<Error> problem(std::string_view short_type, std::string detail, int status = 400) {
  return std::unexpected(acme_problem(short_type, std::move(detail), status));
}

inline std::unexpected<Error> malformed(std::string detail) { return problem("malformed", std::move(detail), 400); }
inline std::unexpected<Error> unauthorized(std::string detail) {
  return problem("unauthorized", std::move(detail), 403);
}
inline std::unexpected<Error> not_found(std::string detail) { return problem("malformed", std::move(detail), 404); }
// RFC 9773 §5, §7.4: the named certificate already has a replacement order.
inline std::unexpected<Error> already_replaced(std::string detail) {
  return problem("alreadyReplaced", std::move(detail), 409);
}

// RFC 8555 §6.7 rateLimited, HTTP 429, with Retry-After (§6.6: the server
// says when the request may succeed); the WFE renders the header.
inline std::unexpected<Error> rate_limited(std::string detail, std::chrono::seconds retry_after) {
  Error e = acme_problem("rateLimited", std::move(detail), 429);
  e.retry_after = retry_after;
  return std::unexpected(std::move(e));
}

}  // namespace acmekit::server

#include <nlohmann/json.hpp>

namespace acmekit::server {

// The RFC 7807 / RFC 8555 §6.7 document for an Error: type, detail, status
// and subproblems (§6.7.1). Errors that are not kAcme are our own failures:
// they become serverInternal with a generic detail (the real one is logged,
// never sent).
nlohmann::json problem_json(const Error& error);

}  // namespace acmekit::server
