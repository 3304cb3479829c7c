// RFC 3339 timestamps as ACME resources carry them (RFC 8555 §7.1): the
// core's, under the WFE's names.
#pragma once

#include "core/wire/rfc3339.h"

namespace acmekit::server::wfe {
using wire::parse_rfc3339;
using wire::rfc3339;
}  // namespace acmekit::server::wfe
