#include "client/dns/rate_limit.h"

#include <algorithm>
#include <thread>

namespace acmekit::client::dns_api {

Rate default_rate(std::string_view provider) {
  // The published limits quoted in rate_limit.h.
  if (provider == "Cloudflare") return {.per_second = 4, .burst = 4};
  if (provider == "Route 53") return {.per_second = 5, .burst = 5};
  if (provider == "DigitalOcean") return {.per_second = 4, .burst = 4};
  if (provider == "Gandi LiveDNS") return {.per_second = 16, .burst = 16};
  if (provider == "PowerDNS" || provider == "acme-dns") return {.per_second = 20, .burst = 20};
  return {};
}

RateLimiter::RateLimiter(Rate rate, std::function<Clock::time_point()> now,
                         std::function<void(Clock::duration)> sleep)
    : rate_(rate), now_(std::move(now)), sleep_(std::move(sleep)) {
  if (!(rate_.per_second > 0)) rate_.per_second = kConservativeRate;
  rate_.burst = std::max(rate_.burst, 1.0);
  if (!now_) now_ = [] { return Clock::now(); };
  if (!sleep_) sleep_ = [](Clock::duration d) { std::this_thread::sleep_for(d); };
  tokens_ = rate_.burst;
  last_ = now_();
}

void RateLimiter::acquire() {
  // Held while sleeping: the next caller's token comes after this one's.
  std::lock_guard lock(mu_);
  for (;;) {
    const auto now = now_();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(rate_.burst, tokens_ + elapsed * rate_.per_second);
    last_ = now;
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return;
    }
    ++waits_;
    const double missing = (1.0 - tokens_) / rate_.per_second;
    sleep_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(missing)) +
           std::chrono::microseconds(1));
  }
}

int RateLimiter::waits() const {
  std::lock_guard lock(mu_);
  return waits_;
}

}  // namespace acmekit::client::dns_api
