// Internal to va/: the RFC 8555 §6.7 problem a failed validation returns,
// with the HTTP status Boulder gives it (403 for unauthorized, else 400).
#pragma once

#include <string>
#include <string_view>

#include "server/problems.h"

namespace acmekit::server::va {

inline std::unexpected<Error> problem(std::string_view type, std::string detail) {
  return server::problem(type, std::move(detail), type == "unauthorized" ? 403 : 400);
}

}  // namespace acmekit::server::va
