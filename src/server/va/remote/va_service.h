// The remote perspective's endpoints (`acmekit-ca va`), behind a listener
// that requires the CA's client certificate (mutual TLS):
//   POST /validate  a ValidationRequest (wire.h) -> its result
//   POST /caa       a CaaRequest + the CA's identities -> its result
//   GET  /health    200 {"status":"ok"}
// Checks run through this VA's own Validator (its DNS, hosts file and
// address policy); CAA through caa.h with the identities the CA sent.
#pragma once

#include <string>
#include <vector>

#include "core/dns/resolver.h"
#include "core/http/server.h"
#include "server/va/validator.h"

namespace acmekit::server::va::remote {

class VaService {
 public:
  VaService(Validator& validator, const ValidatorOptions& options)
      : validator_(validator), dns_(options.dns_resolvers, options.timeout) {}

  acmekit::http::Response handle(const http::ServerRequest& request);

 private:
  Validator& validator_;
  const dns::Resolver dns_;
};

}  // namespace acmekit::server::va::remote
