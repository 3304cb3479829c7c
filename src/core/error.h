// One error type for every component, and Result<T> = std::expected<T, Error>.
//
// Inside the code base functions return Result<T>; exceptions are thrown only
// at the edges (the CLI's main turns an Error into one line on stderr and an
// exit code). An Error either comes from the ACME server (an RFC 8555 §6.7
// problem document) or from our side (I/O, crypto, network, bad input).
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acmekit {

// What kind of failure: what went wrong, not who reports it or how. In the
// spirit of Abseil's canonical codes and Boulder's error types: callers that
// react to a failure test the kind; only the edges map it, the CLI to an exit
// code (cli/acmekit/output.cc) and the CA's WFE to a problem document and an
// HTTP status (server/wfe/problems.cc).
enum class ErrorKind {
  kInvalidArgument,     // the input is wrong: flags, files, names, a request's content
  kNotFound,            // no such thing: record, file, lineage, account
  kAlreadyExists,       // the key is taken: a unique record exists (also a race lost to another writer)
  kFailedPrecondition,  // the thing is not in a state that allows this: already revoked, already bound
  kUnauthorized,        // the caller may not do this
  kUnavailable,         // could not be reached or is busy now (network, TLS, a locked database): retry
  kIo,                  // a local file or socket operation failed
  kCrypto,              // OpenSSL refused (bad key, bad PEM, signature failure)
  kProtocol,            // the peer answered something that is not valid ACME / DNS / HTTP
  kAcme,                // an RFC 8555 §6.7 problem: one a CA sent, or one the CA's RA/VA raise
  kTimeout,             // polling or waiting gave up
  kInternal,            // a bug on our side
};

// RFC 8555 §6.7.1: a problem about one identifier within a larger problem.
struct SubProblem {
  std::string type;             // "urn:ietf:params:acme:error:rejectedIdentifier"
  std::string detail;
  std::string identifier_type;  // "dns" or "ip"
  std::string identifier_value;
};

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string detail;  // human readable, one line
  // For kAcme: the problem document's type (full URN), HTTP status and
  // subproblems; retry_after when the server sent Retry-After.
  std::string type;
  int status = 0;
  std::vector<SubProblem> subproblems;
  std::optional<std::chrono::seconds> retry_after;

  // "badNonce" for "urn:ietf:params:acme:error:badNonce", else type as is.
  std::string short_type() const {
    constexpr std::string_view kPrefix = "urn:ietf:params:acme:error:";
    if (type.starts_with(kPrefix)) return type.substr(kPrefix.size());
    return type;
  }
  bool is_acme(std::string_view short_name) const {
    return kind == ErrorKind::kAcme && short_type() == short_name;
  }
  // One line for the user: "detail [type] (identifier: problem; ...)".
  std::string message() const {
    std::string m = detail;
    if (kind == ErrorKind::kAcme && !type.empty()) {
      m += " [" + type + "]";
    }
    for (const auto& sp : subproblems) {
      m += "; " + sp.identifier_value + ": " + sp.detail;
      if (!sp.type.empty()) m += " [" + sp.type + "]";
    }
    if (retry_after) m += " (retry after " + std::to_string(retry_after->count()) + " s)";
    return m;
  }
  // Prefix the detail with context: "creating order: " + detail.
  Error with_context(std::string_view context) && {
    detail = std::string(context) + ": " + detail;
    return std::move(*this);
  }
};

// Result<T> is std::expected<T, Error> that must not be ignored: dropping
// a Result (or a Status, Result<void>) is a compile error (-Werror=unused-result).
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
  using Base = std::expected<T, Error>;

 public:
  using Base::Base;
  Result() = default;
  Result(const Base& b) : Base(b) {}       // NOLINT: from and_then/transform/or_else
  Result(Base&& b) : Base(std::move(b)) {}  // NOLINT
};
using Status = Result<void>;

inline std::unexpected<Error> make_error(ErrorKind kind, std::string detail) {
  return std::unexpected<Error>(Error{.kind = kind, .detail = std::move(detail)});
}

// Return-if-error helpers, in the spirit of Abseil's status_macros.h.
#define ACMEKIT_CONCAT_INNER(a, b) a##b
#define ACMEKIT_CONCAT(a, b) ACMEKIT_CONCAT_INNER(a, b)
#define ACMEKIT_TRY_IMPL(tmp, lhs, expr)                   \
  auto tmp = (expr);                                       \
  if (!tmp) return std::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
// ACMEKIT_TRY(auto x, compute());  — declares x or returns the error.
#define ACMEKIT_TRY(lhs, expr) \
  ACMEKIT_TRY_IMPL(ACMEKIT_CONCAT(acmekit_try_, __LINE__), lhs, expr)
// ACMEKIT_CHECK(do_something());  — for Status-returning calls.
#define ACMEKIT_CHECK(expr)                                                 \
  do {                                                                      \
    auto acmekit_check_ = (expr);                                           \
    if (!acmekit_check_) return std::unexpected(std::move(acmekit_check_).error()); \
  } while (0)

}  // namespace acmekit
