#include "client/api/poll.h"

#include <gtest/gtest.h>

#include "support/fake_clock.h"

namespace acmekit::client::api {
namespace {
using namespace std::chrono;

using test_support::FakeClock;

TEST(PollTest, BacksOffFromASoonFirstPollUpToTheCap) {
  PollPolicy p;
  EXPECT_EQ(next_poll_delay(p, 0, std::nullopt), p.first_delay);
  EXPECT_GT(next_poll_delay(p, 3, std::nullopt), next_poll_delay(p, 2, std::nullopt));
  EXPECT_EQ(next_poll_delay(p, 50, std::nullopt), p.max_delay);
}

TEST(PollTest, HonoursRetryAfterUpToItsCap) {
  PollPolicy p;
  EXPECT_EQ(next_poll_delay(p, 0, seconds(7)), milliseconds(7000));
  EXPECT_EQ(next_poll_delay(p, 0, seconds(100000)), p.max_retry_after);
}

TEST(PollTest, PollsUntilDoneSleepingWhatTheServerAsked) {
  FakeClock clock;
  int calls = 0;
  auto st = poll_until(clock, PollPolicy{}, "thing", [&]() -> Result<PollStep> {
    ++calls;
    return PollStep{.done = calls == 3, .retry_after = seconds(2)};
  });
  ASSERT_TRUE(st);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(clock.slept(), (std::vector<milliseconds>{milliseconds(2000), milliseconds(2000)}));
}

TEST(PollTest, TimesOutNamingWhatItWaitedFor) {
  FakeClock clock;
  PollPolicy p{.timeout = milliseconds(5000)};
  auto st = poll_until(clock, p, "the order", [&]() -> Result<PollStep> { return PollStep{}; });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(st.error().detail.find("the order"), std::string::npos);
}

TEST(PollTest, StopsOnTheFirstError) {
  FakeClock clock;
  auto st = poll_until(clock, PollPolicy{}, "x", [&]() -> Result<PollStep> {
    return make_error(ErrorKind::kUnavailable, "gone");
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kUnavailable);
  EXPECT_TRUE(clock.slept().empty());
}

}  // namespace
}  // namespace acmekit::client::api
