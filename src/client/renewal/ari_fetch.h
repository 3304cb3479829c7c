// Asking CAs for renewal information (RFC 9773 §4) for the lineages whose
// next fetch time has come, and recording the answers in the AriCache.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/renewal/ari.h"
#include "client/renewal/ari_cache.h"
#include "core/http/client.h"

namespace acmekit::client::renewal {

// One lineage to ask about: its live certificate and the CA it came from.
struct AriTarget {
  std::string name;
  std::string cert_id;    // RFC 9773 §4.1
  std::string server;     // the ACME directory URL
  std::string ca_bundle;  // extra trust anchors for that CA's HTTPS
};

// An HTTP client for a CA (CurlClient in production, a fake in tests).
using HttpClientFactory = std::function<std::unique_ptr<http::Client>(const std::string& ca_bundle)>;
HttpClientFactory curl_client_factory();

struct AriFetchReport {
  size_t answered = 0;        // valid RenewalInfo received
  size_t failed = 0;          // errors: the 1/3 rule (or the last window) for this pass
  size_t without_ari = 0;     // the CA's directory has no renewalInfo
  size_t directories = 0;     // directory fetches (one per server)
};

// Fetches renewalInfo for every target and puts the new state into `cache`.
// The directory is fetched once per server; a CA without renewalInfo or an
// unreachable one marks all its targets at once. Up to `parallel` GETs run at
// once, each worker with its own HTTP client. Failures are logged (info) and
// recorded with their retry time (§4.3.3), never returned.
AriFetchReport fetch_renewal_info(AriCache& cache, const std::vector<AriTarget>& targets, TimePoint now,
                                  const RandomFraction& random, const HttpClientFactory& http_factory,
                                  size_t parallel = 4);

}  // namespace acmekit::client::renewal
