// Internal to va/: the RFC 8555 §6.7 problem a failed validation returns.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::server::va {

// kAcme Error of type "urn:ietf:params:acme:error:" + type, with the HTTP
// status Boulder gives it (403 for unauthorized, else 400).
inline std::unexpected<Error> problem(std::string_view type, std::string detail) {
  return std::unexpected(Error{.kind = ErrorKind::kAcme,
                               .detail = std::move(detail),
                               .type = "urn:ietf:params:acme:error:" + std::string(type),
                               .status = type == "unauthorized" ? 403 : 400});
}

}  // namespace acmekit::server::va
