#include "server/wfe/problems.h"

#include <map>
#include <string>

#include "core/wire/problem.h"
#include "server/problems.h"
#include "server/wfe/jws_auth.h"

namespace acmekit::server::wfe {
namespace {

// RFC 8555 §6.7 types and the statuses Boulder (web/probs.go) and Pebble
// send them with; a type not listed is a 400.
const std::map<std::string, int, std::less<>>& status_by_type() {
  static const std::map<std::string, int, std::less<>> table = {
      {"accountDoesNotExist", 400}, {"alreadyReplaced", 409},   {"alreadyRevoked", 400},
      {"badCSR", 400},              {"badNonce", 400},          {"badPublicKey", 400},
      {"badRevocationReason", 400}, {"badSignatureAlgorithm", 400}, {"caa", 403},
      {"compound", 400},            {"connection", 400},        {"dns", 400},
      {"externalAccountRequired", 400}, {"incorrectResponse", 403}, {"invalidContact", 400},
      {"invalidProfile", 400},  // draft-ietf-acme-profiles §6.3 (Boulder: 400)
      {"malformed", 400},           {"orderNotReady", 403},     {"rateLimited", 429},
      {"rejectedIdentifier", 400},  {"serverInternal", 500},    {"tls", 400},
      {"unauthorized", 403},        {"unsupportedContact", 400}, {"unsupportedIdentifier", 400},
      {"userActionRequired", 403},
  };
  return table;
}

bool clients_to_see(const Error& e) {
  return e.kind == ErrorKind::kAcme || e.kind == ErrorKind::kNotFound || e.kind == ErrorKind::kAlreadyExists ||
         e.kind == ErrorKind::kUnauthorized;
}

}  // namespace

int http_status(const Error& e) {
  if (e.status != 0) return e.status;
  switch (e.kind) {
    case ErrorKind::kAcme: {
      const auto& table = status_by_type();
      auto it = table.find(e.short_type());
      return it == table.end() ? 400 : it->second;
    }
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kAlreadyExists: return 409;
    case ErrorKind::kUnauthorized: return 403;
    case ErrorKind::kUnavailable: return 503;
    default: return 500;
  }
}

nlohmann::json problem_body(const Error& e, int status) {
  if (!clients_to_see(e)) {
    return {{"type", std::string(wire::kErrorPrefix) + "serverInternal"},
            {"detail", e.kind == ErrorKind::kUnavailable ? "the server is busy; try again shortly"
                                                         : "the server had an internal error; it is logged"},
            {"status", status}};
  }
  nlohmann::json j = wire::problem_document(e);
  if (e.kind == ErrorKind::kNotFound || e.kind == ErrorKind::kAlreadyExists) {
    j["type"] = std::string(wire::kErrorPrefix) + "malformed";
  } else if (e.kind == ErrorKind::kUnauthorized) {
    j["type"] = std::string(wire::kErrorPrefix) + "unauthorized";
  }
  j["status"] = status;
  return j;
}

acmekit::http::Response problem_response(const Error& e) { return problem_response(e, http_status(e)); }

acmekit::http::Response problem_response(const Error& e, int status) {
  nlohmann::json body = problem_body(e, status);
  if (e.is_acme("badSignatureAlgorithm")) body["algorithms"] = accepted_algorithms();
  acmekit::http::Response r;
  r.status = status;
  r.headers.add("content-type", "application/problem+json");
  if (e.retry_after) r.headers.add("retry-after", std::to_string(e.retry_after->count()));
  if (e.kind == ErrorKind::kUnavailable && !e.retry_after) r.headers.add("retry-after", "1");
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

acmekit::http::Response framing_error_response(int status, std::string_view detail) {
  const Error e = status >= 500 ? Error{.kind = ErrorKind::kInternal, .detail = std::string(detail)}
                                : acme_problem("malformed", std::string(detail));
  return problem_response(e, status);
}

}  // namespace acmekit::server::wfe
