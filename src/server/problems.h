// RFC 8555 §6.7 problem types as the CA's domain errors. The RA and VA
// return these (kind kAcme, type "urn:ietf:params:acme:error:<short>"), or a
// plain kind where no ACME type says more (kNotFound, kAlreadyExists,
// kUnauthorized); they never choose an HTTP status. Only the WFE turns an
// Error into application/problem+json and a status (wfe/problems.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/wire/problem.h"

namespace acmekit::server {

// An Error of kind kAcme with type "urn:ietf:params:acme:error:<short_type>".
inline Error acme_problem(std::string_view short_type, std::string detail) {
  Error e{.kind = ErrorKind::kAcme, .detail = std::move(detail)};
  e.type = std::string(wire::kErrorPrefix) + std::string(short_type);
  return e;
}

// The same, as an unexpected value for Result/Status returns.
inline std::unexpected<Error> problem(std::string_view short_type, std::string detail) {
  return std::unexpected(acme_problem(short_type, std::move(detail)));
}

inline std::unexpected<Error> malformed(std::string detail) { return problem("malformed", std::move(detail)); }
inline std::unexpected<Error> unauthorized(std::string detail) { return problem("unauthorized", std::move(detail)); }
// No such resource (the WFE answers 404 malformed, as Boulder and Pebble do).
inline std::unexpected<Error> not_found(std::string detail) {
  return make_error(ErrorKind::kNotFound, std::move(detail));
}
// The request would make a second of something unique, e.g. a key already
// in use by an account (§7.3.5: 409 Conflict).
inline std::unexpected<Error> conflict(std::string detail) {
  return make_error(ErrorKind::kAlreadyExists, std::move(detail));
}
// RFC 9773 §5, §7.4: the named certificate already has a replacement order.
inline std::unexpected<Error> already_replaced(std::string detail) {
  return problem("alreadyReplaced", std::move(detail));
}

// RFC 8555 §6.7 rateLimited with Retry-After (§6.6: the server says when the
// request may succeed); the WFE renders the header.
inline std::unexpected<Error> rate_limited(std::string detail, std::chrono::seconds retry_after) {
  Error e = acme_problem("rateLimited", std::move(detail));
  e.retry_after = retry_after;
  return std::unexpected(std::move(e));
}

}  // namespace acmekit::server
