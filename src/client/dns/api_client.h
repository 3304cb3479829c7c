// The HTTP side every provider API shares: one request with the provider's
// name on every error, 429 / 503 retried after the API's Retry-After (at
// most kMaxRetries times, each wait at most kMaxRetryWait), then a clear
// failure. Transport failures are kIo naming the provider ("API down"): a
// DNS provider is not the CA, so its trouble is exit status 1. Every
// request, retries included, first takes a token from the provider's rate
// limiter (rate_limit.h: its documented request rate by default).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "client/dns/rate_limit.h"
#include "core/http/client.h"

namespace acmekit::client::dns_api {

class ApiClient {
 public:
  static constexpr int kMaxRetries = 3;
  static constexpr std::chrono::seconds kMaxRetryWait{60};

  // sleep: how a Retry-After is waited for (tests pass a recorder).
  // limiter: none given, one at default_rate(provider).
  ApiClient(std::string provider, std::shared_ptr<http::Client> http,
            std::function<void(std::chrono::seconds)> sleep = {}, std::shared_ptr<RateLimiter> limiter = {});

  // Sends; any HTTP status but 429 (and 503 with Retry-After) is returned
  // for the provider to read its own error format. Exhausted retries:
  // kUnavailable "Cloudflare: rate limited (HTTP 429) 4 times on GET URL".
  Result<http::Response> send(const http::Request& request);
  const std::string& provider() const { return provider_; }

 private:
  std::string provider_;
  std::shared_ptr<http::Client> http_;
  std::function<void(std::chrono::seconds)> sleep_;
  std::shared_ptr<RateLimiter> limiter_;
};

// A URL path segment / query value, percent-encoded (RFC 3986 unreserved kept).
std::string url_encode(std::string_view text);

}  // namespace acmekit::client::dns_api
