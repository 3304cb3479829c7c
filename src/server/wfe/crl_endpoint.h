// The CRL listener's endpoint (--crl-listen): plain HTTP, as RFC 5280
// §4.2.1.13 distribution points are (a CRL is signed; TLS would make
// fetching it depend on revocation checking itself).
//   GET /crl/N.crl  the latest stored CRL of shard N (0 <= N < shards), DER,
//                   application/pkix-crl (RFC 2585 §4.2), Cache-Control
//                   max-age until its nextUpdate; 404 for other paths and
//                   shards; 503 before the first CRL is made or while the
//                   database cannot answer; 405 for methods but GET and HEAD
// Served from the database, so every instance serves the same CRLs.
#pragma once

#include <functional>

#include "core/clock.h"
#include "core/http/client.h"
#include "core/http/server.h"
#include "server/sa/storage.h"

namespace acmekit::server::wfe {

class CrlEndpoint {
 public:
  CrlEndpoint(sa::StorageReader& storage, const Clock& clock, int shards)
      : storage_(storage), clock_(clock), shards_(shards) {}

  acmekit::http::Response handle(const http::ServerRequest& request);

 private:
  sa::StorageReader& storage_;
  const Clock& clock_;
  const int shards_;
};

}  // namespace acmekit::server::wfe
