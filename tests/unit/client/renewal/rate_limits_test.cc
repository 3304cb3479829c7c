#include "client/renewal/rate_limits.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace acmekit::client::renewal {
namespace {
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::system_clock;

class RateLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/acmekit-ratelimits-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path file() const { return dir_ / ".index" / "rate-limits.tsv"; }
  fs::path dir_;
  const system_clock::time_point t0 = system_clock::time_point(seconds(1'800'000'000));
};

TEST_F(RateLimitsTest, AHoldLastsTheRetryAfterAndSurvivesARestart) {
  auto limits = RateLimits::load(dir_);
  EXPECT_FALSE(limits.held("https://ca/dir", "acct1", t0));
  limits.record("https://ca/dir", "acct1", t0, seconds(7200), "too many new orders [urn:ietf:params:acme:error:rateLimited]");
  ASSERT_TRUE(limits.save(t0));

  auto again = RateLimits::load(dir_);  // the next run
  auto hold = again.held("https://ca/dir", "acct1", t0 + hours(1));
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->until, t0 + seconds(7200));
  EXPECT_NE(hold->detail.find("too many new orders"), std::string::npos);
  // Per account and per CA.
  EXPECT_FALSE(again.held("https://ca/dir", "acct2", t0 + hours(1)));
  EXPECT_FALSE(again.held("https://other/dir", "acct1", t0 + hours(1)));
  // Over at the Retry-After.
  EXPECT_FALSE(again.held("https://ca/dir", "acct1", t0 + seconds(7200)));
  EXPECT_EQ(again.next_release(t0), t0 + seconds(7200));
  EXPECT_FALSE(again.next_release(t0 + hours(3)));
}

TEST_F(RateLimitsTest, WithoutRetryAfterAnHourAndTheLaterHoldWins) {
  auto limits = RateLimits::load(dir_);
  limits.record("s", "a", t0, std::nullopt, "x");
  EXPECT_EQ(limits.held("s", "a", t0)->until, t0 + RateLimits::kDefaultHold);
  limits.record("s", "a", t0, seconds(60), "shorter");  // does not shorten the hold
  EXPECT_EQ(limits.held("s", "a", t0)->until, t0 + RateLimits::kDefaultHold);
  limits.record("s", "a", t0, hours(5), "longer");
  EXPECT_EQ(limits.held("s", "a", t0)->until, t0 + hours(5));
}

TEST_F(RateLimitsTest, ExpiredHoldsAreDroppedAndNothingIsWrittenForNothing) {
  {
    auto limits = RateLimits::load(dir_);
    ASSERT_TRUE(limits.save(t0));
    EXPECT_FALSE(fs::exists(file()));  // no holds, no file
    limits.record("s", "a", t0, seconds(10), "x");
    limits.record("s", "b", t0, hours(2), "tab\there\nnewline");
    ASSERT_TRUE(limits.save(t0));
  }
  auto later = RateLimits::load(dir_);
  ASSERT_TRUE(later.save(t0 + hours(1)));  // drops the expired one
  std::ifstream in(file());
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all.find("\ta\t"), std::string::npos) << all;
  EXPECT_NE(all.find("tab here newline"), std::string::npos) << all;  // one line per hold
  EXPECT_TRUE(RateLimits::load(dir_).held("s", "b", t0 + hours(1)));
}

TEST_F(RateLimitsTest, ATornFileIsNoHolds) {
  fs::create_directories(file().parent_path());
  std::ofstream(file()) << "garbage\ns\ta\tnot-a-number\tx\ns\tb\t";
  auto limits = RateLimits::load(dir_);
  EXPECT_FALSE(limits.held("s", "a", t0));
  EXPECT_FALSE(limits.held("s", "b", t0));
}

}  // namespace
}  // namespace acmekit::client::renewal
