// A provider's request-rate limit on our side: a token bucket (rate tokens a
// second, at most `burst` saved up; a request takes one, waiting for it when
// none is left), so 1,000 names never send more than the API's documented
// rate and its 429s stay the exception (api_client.h still honours
// Retry-After when one comes). One bucket per provider instance, shared by
// every thread that sends through it.
//
// The defaults (default_rate below) are each API's documented limit where
// the provider publishes one, kConservativeRate otherwise:
//   Cloudflare    1,200 requests / 5 minutes per user          -> 4/s
//   Route 53      5 requests / second per AWS account          -> 5/s
//   DigitalOcean  250 requests / minute                         -> 4/s
//   Gandi         1,000 requests / minute                       -> 16/s
//   PowerDNS, acme-dns: the user's own server, no published limit -> 20/s
//   the others: kConservativeRate.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string_view>

namespace acmekit::client::dns_api {

inline constexpr double kConservativeRate = 4.0;

struct Rate {
  double per_second = kConservativeRate;
  double burst = kConservativeRate;  // requests sent back to back after a pause
};

// The default for a provider by its name() ("Cloudflare", "Route 53").
Rate default_rate(std::string_view provider);

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // now / sleep: tests pass a fake clock whose sleep advances it.
  explicit RateLimiter(Rate rate, std::function<Clock::time_point()> now = {},
                       std::function<void(Clock::duration)> sleep = {});

  // Takes one token, sleeping until there is one. Thread safe; waiting
  // threads are served one at a time, so each waits for its own token.
  void acquire();
  // How many times acquire() had to wait (for tests and the debug log).
  int waits() const;

 private:
  Rate rate_;
  std::function<Clock::time_point()> now_;
  std::function<void(Clock::duration)> sleep_;
  mutable std::mutex mu_;
  double tokens_;
  Clock::time_point last_;
  int waits_ = 0;
};

}  // namespace acmekit::client::dns_api
