// The token bucket of rate_limit.h on a fake clock whose sleep advances it:
// the burst goes through without waiting, then each request waits for its
// own token, so N requests after the burst take (N - burst) / rate seconds
// of (fake) time; a pause refills at most `burst`; the ApiClient takes a
// token for every request, retries included.
#include "client/dns/rate_limit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "client/dns/api_client.h"
#include "../../support/fake_http.h"

namespace acmekit::client::dns_api {
namespace {

using Clock = RateLimiter::Clock;
using namespace std::chrono_literals;

struct FakeTime {
  Clock::time_point now{};
  std::vector<Clock::duration> sleeps;
  std::function<Clock::time_point()> clock() {
    return [this] { return now; };
  }
  std::function<void(Clock::duration)> sleeper() {
    return [this](Clock::duration d) {
      sleeps.push_back(d);
      now += d;
    };
  }
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

TEST(RateLimiterTest, BurstThenOneTokenPerInterval) {
  FakeTime t;
  RateLimiter limiter({.per_second = 4, .burst = 2}, t.clock(), t.sleeper());
  const auto start = t.now;
  limiter.acquire();
  limiter.acquire();
  EXPECT_EQ(limiter.waits(), 0);  // the burst
  EXPECT_EQ(t.now, start);
  for (int i = 0; i < 8; ++i) limiter.acquire();
  EXPECT_EQ(limiter.waits(), 8);  // each of the other 8 waited for its token
  EXPECT_NEAR(seconds(t.now - start), 8 / 4.0, 1e-3);
}

TEST(RateLimiterTest, APauseRefillsAtMostTheBurst) {
  FakeTime t;
  RateLimiter limiter({.per_second = 2, .burst = 3}, t.clock(), t.sleeper());
  for (int i = 0; i < 3; ++i) limiter.acquire();
  t.now += 60s;  // idle: would be 120 tokens without the cap
  for (int i = 0; i < 3; ++i) limiter.acquire();
  EXPECT_EQ(limiter.waits(), 0);
  limiter.acquire();  // the fourth after the pause waits
  EXPECT_EQ(limiter.waits(), 1);
  ASSERT_EQ(t.sleeps.size(), 1u);
  EXPECT_NEAR(seconds(t.sleeps[0]), 0.5, 1e-3);
}

TEST(RateLimiterTest, TimePassingBetweenRequestsIsCredited) {
  FakeTime t;
  RateLimiter limiter({.per_second = 10, .burst = 1}, t.clock(), t.sleeper());
  limiter.acquire();
  t.now += 100ms;  // exactly one token's worth
  limiter.acquire();
  EXPECT_EQ(limiter.waits(), 0);
  t.now += 50ms;  // half a token
  limiter.acquire();
  EXPECT_EQ(limiter.waits(), 1);
  EXPECT_NEAR(seconds(t.sleeps.back()), 0.05, 1e-3);
}

TEST(RateLimiterTest, NonsenseRatesFallBackToConservative) {
  FakeTime t;
  RateLimiter limiter({.per_second = 0, .burst = 0}, t.clock(), t.sleeper());
  limiter.acquire();  // burst raised to 1
  limiter.acquire();
  EXPECT_EQ(limiter.waits(), 1);
  EXPECT_NEAR(seconds(t.now - Clock::time_point{}), 1 / kConservativeRate, 1e-3);
}

TEST(RateLimiterTest, DefaultsAreThePublishedLimits) {
  EXPECT_EQ(default_rate("Cloudflare").per_second, 4);
  EXPECT_EQ(default_rate("Route 53").per_second, 5);
  EXPECT_EQ(default_rate("DigitalOcean").per_second, 4);
  EXPECT_EQ(default_rate("Gandi LiveDNS").per_second, 16);
  EXPECT_EQ(default_rate("PowerDNS").per_second, 20);
  EXPECT_EQ(default_rate("OVH").per_second, kConservativeRate);
}

TEST(RateLimiterTest, ApiClientTakesATokenPerRequestRetriesIncluded) {
  FakeTime t;
  auto limiter = std::make_shared<RateLimiter>(Rate{.per_second = 1, .burst = 1}, t.clock(), t.sleeper());
  auto http = std::make_shared<test_support::FakeHttp>();
  http->add(429, "", {{"Retry-After", "0"}});
  http->add(200, "{}");
  ApiClient api("Test", http, [](std::chrono::seconds) {}, limiter);
  auto r = api.send({.method = "GET", .url = "https://api.test/a"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(http->requests().size(), 2u);
  EXPECT_EQ(limiter->waits(), 1);  // two sends: the second waited for a token
}

}  // namespace
}  // namespace acmekit::client::dns_api
