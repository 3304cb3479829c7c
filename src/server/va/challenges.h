// Internal to va/: one function per challenge type. Each returns {} when the
// challenge is met, else a problem (problem.h) as documented in validator.h.
#pragma once

#include "core/error.h"
#include "core/dns/resolver.h"
#include "server/va/validator.h"

namespace acmekit::server::va {

// RFC 8555 §8.3 (and RFC 8738 for IP identifiers): http01.cc.
Status validate_http01(const ValidationRequest& request, const ValidatorOptions& options, const dns::Resolver& dns);

// RFC 8555 §8.4: dns01.cc.
Status validate_dns01(const ValidationRequest& request, const dns::Resolver& dns);

// RFC 8737 §3 (RFC 8738 §6 for IP identifiers): tls_alpn01.cc.
Status validate_tls_alpn01(const ValidationRequest& request, const ValidatorOptions& options,
                           const dns::Resolver& dns);

}  // namespace acmekit::server::va
