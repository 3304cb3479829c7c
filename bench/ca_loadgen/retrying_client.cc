#include "retrying_client.h"

#include <string_view>
#include <thread>

namespace acmekit::loadgen {
namespace {

// A connection that failed or died without an answer. Not: an untrusted
// certificate (no retry fixes it) or a timeout (the request may still run;
// the 60 s limit is the run's own).
bool connection_failed(const Error& e) {
  if (e.kind != ErrorKind::kUnavailable) return false;
  const std::string_view d = e.detail;
  return d.find("is not trusted") == std::string_view::npos && d.find("timed out") == std::string_view::npos;
}

}  // namespace

Result<http::Response> RetryingClient::send(const http::Request& request) {
  for (int attempt = 0;; ++attempt) {
    auto r = inner_.send(request);
    if (r) {
      if (r->status == 400 && r->body.find("urn:ietf:params:acme:error:badNonce") != std::string::npos) {
        counters_.bad_nonce.fetch_add(1, std::memory_order_relaxed);
      }
      return r;
    }
    // A resent POST carries the same JWS: if the first copy did reach a CA,
    // its nonce is spent and the answer is badNonce, which Session retries
    // with a fresh nonce (RFC 8555 §6.5).
    if (attempt >= kMaxRetries || !connection_failed(r.error())) return r;
    counters_.transport.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(kDelay);
  }
}

}  // namespace acmekit::loadgen
