#include "client/dns/api_client.h"

#include <charconv>
#include <fmt/format.h>
#include <thread>

#include <spdlog/spdlog.h>

namespace acmekit::client::dns_api {

ApiClient::ApiClient(std::string provider, std::shared_ptr<http::Client> http,
                     std::function<void(std::chrono::seconds)> sleep, std::shared_ptr<RateLimiter> limiter)
    : provider_(std::move(provider)), http_(std::move(http)), sleep_(std::move(sleep)), limiter_(std::move(limiter)) {
  if (!sleep_) sleep_ = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
  if (!limiter_) limiter_ = std::make_shared<RateLimiter>(default_rate(provider_));
}

Result<http::Response> ApiClient::send(const http::Request& request) {
  for (int attempt = 0;; ++attempt) {
    limiter_->acquire();
    auto response = http_->send(request);
    if (!response) {
      // API down, DNS, TLS: not the CA (exit 1, not 4).
      return make_error(ErrorKind::kIo, fmt::format("{}: API unreachable: {}", provider_, response.error().detail));
    }
    const auto retry_after = response->headers.get("retry-after");
    const bool limited = response->status == 429 || (response->status == 503 && retry_after);
    if (!limited) return response;
    if (attempt == kMaxRetries) {
      return make_error(ErrorKind::kUnavailable,
                        fmt::format("{}: rate limited (HTTP {}) {} times on {} {}; try again later", provider_,
                                    response->status, attempt + 1, request.method, request.url));
    }
    long seconds = 1;
    if (retry_after) {
      long v = 0;
      auto [p, ec] = std::from_chars(retry_after->data(), retry_after->data() + retry_after->size(), v);
      if (ec == std::errc() && v >= 0) seconds = v;
    }
    seconds = std::min<long>(seconds, kMaxRetryWait.count());
    spdlog::warn("{}: rate limited (HTTP {}), retrying in {} s (Retry-After)", provider_, response->status, seconds);
    sleep_(std::chrono::seconds(seconds));
  }
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace acmekit::client::dns_api
