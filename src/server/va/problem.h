// Internal to va/: the RFC 8555 §6.7 problem a failed validation returns.
// The WFE picks its HTTP status (server/wfe/problems.h).
#pragma once

#include <string>
#include <string_view>

#include "server/problems.h"

namespace acmekit::server::va {

inline std::unexpected<Error> problem(std::string_view type, std::string detail) {
  return server::problem(type, std::move(detail));
}

}  // namespace acmekit::server::va
