// The renewal decision with an injected clock and random pick: RFC 9773's
// window (inside, before, after, invalid, none -> the 1/3 rule), the moment
// chosen once per window, Retry-After clamps and error backoff (§4.3).
#include "client/renewal/ari.h"

#include <gtest/gtest.h>

#include "client/renewal/due.h"

namespace acmekit::client::renewal {
namespace {
using namespace std::chrono;
using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
constexpr auto kDay = 24h;

// A 90-day certificate issued at kT0; the CA's window is days 60-62.
const TimePoint kNotBefore = kT0, kNotAfter = kT0 + 90 * kDay;
const wire::RenewalInfo kWindow{.window_start = kT0 + 60 * kDay, .window_end = kT0 + 62 * kDay};

RandomFraction fixed(double u) {
  return [u] { return u; };
}

AriState answered(double u, TimePoint now = kT0 + kDay) {
  return after_answer(nullptr, "id.1", kWindow, 6h, now, fixed(u));
}

TEST(RenewalDue, WithoutAriAThirdOfTheLifetimeIsLeft) {
  // 90 days: due at 30 days left; 6 days: at 2 days left.
  EXPECT_FALSE(renewal_due(kNotBefore, kNotAfter, kT0 + 59 * kDay).due);
  auto d = renewal_due(kNotBefore, kNotAfter, kT0 + 60 * kDay);
  EXPECT_TRUE(d.due);
  EXPECT_EQ(d.renew_at, kT0 + 60 * kDay);
  EXPECT_FALSE(d.ari);
  const TimePoint six = kT0 + 6 * kDay;
  EXPECT_FALSE(renewal_due(kT0, six, kT0 + 4 * kDay - 1s).due);
  EXPECT_TRUE(renewal_due(kT0, six, kT0 + 4 * kDay).due);
  EXPECT_EQ(renewal_due(kT0, six, six + 1s).reason, "expired");
}

TEST(RenewalDue, BeforeTheChosenMomentIsNotDue) {
  AriState s = answered(0.5);  // the middle of the window: day 61
  ASSERT_TRUE(s.window);
  EXPECT_EQ(s.window->renew_at, kT0 + 61 * kDay);
  auto d = renewal_due(kNotBefore, kNotAfter, kT0 + 59 * kDay, &*s.window);
  EXPECT_FALSE(d.due);
  EXPECT_EQ(d.renew_at, kT0 + 61 * kDay);  // what the daemon sleeps until
  ASSERT_TRUE(d.ari);
  EXPECT_NE(d.reason.find("ARI"), std::string::npos) << d.reason;
  // Inside the window but before the moment: still not due, although the
  // 1/3 rule alone would renew at day 60.
  EXPECT_FALSE(renewal_due(kNotBefore, kNotAfter, kT0 + 60 * kDay + 12h, &*s.window).due);
}

TEST(RenewalDue, AtTheChosenMomentInsideTheWindowIsDue) {
  AriState s = answered(0.25);  // day 60.5
  auto d = renewal_due(kNotBefore, kNotAfter, kT0 + 60 * kDay + 12h, &*s.window);
  EXPECT_TRUE(d.due);
  EXPECT_NE(d.reason.find("inside the CA's renewal window (ARI) 2026-03-02T00:00:00Z to 2026-03-04T00:00:00Z"),
            std::string::npos)
      << d.reason;
}

TEST(RenewalDue, AWindowInThePastIsDueNow) {
  // A revoked certificate's window lies around "now" at the CA: whatever
  // moment was picked, renewal is immediate (§4.2 step 3).
  for (double u : {0.0, 0.999}) {
    AriState s = after_answer(nullptr, "id.1", {.window_start = kT0 + 2 * kDay - 1h, .window_end = kT0 + 2 * kDay}, 6h,
                              kT0 + 2 * kDay, fixed(u));
    auto d = renewal_due(kNotBefore, kNotAfter, kT0 + 2 * kDay + 1s, &*s.window);
    EXPECT_TRUE(d.due) << u;
    EXPECT_NE(d.reason.find("has passed"), std::string::npos) << d.reason;
  }
}

TEST(RenewalDue, AWindowLaterThanTheThirdPostponesRenewal) {
  // The CA may spread load by suggesting later than the 1/3 rule would.
  AriState s = after_answer(nullptr, "id.1", {.window_start = kT0 + 70 * kDay, .window_end = kT0 + 71 * kDay}, 6h, kT0,
                            fixed(0.0));
  EXPECT_FALSE(renewal_due(kNotBefore, kNotAfter, kT0 + 65 * kDay, &*s.window).due);
  EXPECT_TRUE(renewal_due(kNotBefore, kNotAfter, kT0 + 70 * kDay, &*s.window).due);
}

TEST(RenewalDue, ExplanationUrlIsInTheReason) {
  wire::RenewalInfo info = kWindow;
  info.explanation_url = "https://ca.test/why";
  AriState s = after_answer(nullptr, "id.1", info, 6h, kT0, fixed(0.0));
  EXPECT_NE(renewal_due(kNotBefore, kNotAfter, kT0, &*s.window).reason.find("https://ca.test/why"), std::string::npos);
}

TEST(AriState, TheMomentIsUniformInTheWindowAndChosenOnce) {
  EXPECT_EQ(answered(0.0).window->renew_at, kWindow.window_start);
  EXPECT_EQ(answered(0.75).window->renew_at, kWindow.window_start + 36h);
  // The same window again: the earlier choice stands, whatever the dice say.
  AriState first = answered(0.1);
  AriState again = after_answer(&first, "id.1", kWindow, 6h, kT0 + 2 * kDay, fixed(0.9));
  EXPECT_EQ(again.window->renew_at, first.window->renew_at);
  // A moved window gets a new choice.
  AriState moved = after_answer(&first, "id.1", {.window_start = kT0 + 3 * kDay, .window_end = kT0 + 4 * kDay}, 6h,
                                kT0 + 2 * kDay, fixed(0.5));
  EXPECT_EQ(moved.window->renew_at, kT0 + 3 * kDay + 12h);
  // A state about another certificate is not reused.
  AriState other = after_answer(&first, "id.2", kWindow, 6h, kT0, fixed(0.9));
  EXPECT_NE(other.window->renew_at, first.window->renew_at);
}

TEST(AriState, RetryAfterIsClampedToOneMinuteAndOneDay) {
  // §4.3.2
  const TimePoint now = kT0;
  EXPECT_EQ(after_answer(nullptr, "id", kWindow, 21600s, now, fixed(0)).next_fetch, now + 6h);
  EXPECT_EQ(after_answer(nullptr, "id", kWindow, 5s, now, fixed(0)).next_fetch, now + 1min);
  EXPECT_EQ(after_answer(nullptr, "id", kWindow, 0s, now, fixed(0)).next_fetch, now + 1min);
  EXPECT_EQ(after_answer(nullptr, "id", kWindow, 7 * 24h, now, fixed(0)).next_fetch, now + 24h);
  // No Retry-After is a long-term error (§4.3.3): six hours, window kept.
  AriState none = after_answer(nullptr, "id", kWindow, std::nullopt, now, fixed(0));
  EXPECT_EQ(none.next_fetch, now + 6h);
  EXPECT_TRUE(none.window);
}

TEST(AriState, TemporaryErrorsBackOffThenCountAsLongTerm) {
  // §4.3.3: 1, 2, 4, 8 minutes, then six hours.
  AriState s = answered(0.5);
  TimePoint now = kT0;
  const minutes expected[] = {1min, 2min, 4min, 8min};
  for (auto wait : expected) {
    s = after_failure(&s, "id.1", AriFailure::kTemporary, now);
    EXPECT_EQ(s.next_fetch, now + wait);
    EXPECT_TRUE(s.window);  // the CA's last word stays
  }
  s = after_failure(&s, "id.1", AriFailure::kTemporary, now);
  EXPECT_EQ(s.next_fetch, now + 6h);
  EXPECT_EQ(s.failures, 0);
  // An answer resets the count.
  s = after_failure(&s, "id.1", AriFailure::kTemporary, now);
  s = after_answer(&s, "id.1", kWindow, 6h, now, fixed(0.5));
  EXPECT_EQ(s.failures, 0);
}

TEST(AriState, LongTermErrorsWaitSixHoursAndNoRenewalInfoFallsBackToTheThirdRule) {
  AriState s = after_failure(nullptr, "id.1", AriFailure::kLongTerm, kT0);
  EXPECT_EQ(s.next_fetch, kT0 + 6h);
  EXPECT_FALSE(s.window);  // never answered: the 1/3 rule
  AriState with_window = answered(0.5);
  EXPECT_TRUE(after_failure(&with_window, "id.1", AriFailure::kLongTerm, kT0).window);
  AriState dropped = after_failure(&with_window, "id.1", AriFailure::kNoRenewalInfo, kT0);
  EXPECT_FALSE(dropped.window);
  EXPECT_EQ(dropped.next_fetch, kT0 + 24h);
}

TEST(AriState, FetchIsDueOnceItsTimeHasComeAndNeverAfterExpiry) {
  EXPECT_TRUE(fetch_due(nullptr, kNotAfter, kT0));
  AriState s = answered(0.5, kT0);  // next fetch at kT0 + 6h
  EXPECT_FALSE(fetch_due(&s, kNotAfter, kT0 + 6h - 1s));
  EXPECT_TRUE(fetch_due(&s, kNotAfter, kT0 + 6h));
  // §4.3: not after the certificate expired.
  EXPECT_FALSE(fetch_due(nullptr, kNotAfter, kNotAfter));
  EXPECT_FALSE(fetch_due(&s, kNotAfter, kNotAfter + kDay));
}

TEST(AriState, FailuresAreClassifiedAsRfc9773Says) {
  EXPECT_EQ(classify_failure(Error{.kind = ErrorKind::kUnavailable}), AriFailure::kTemporary);
  EXPECT_EQ(classify_failure(Error{.kind = ErrorKind::kAcme, .status = 503}), AriFailure::kTemporary);
  EXPECT_EQ(classify_failure(Error{.kind = ErrorKind::kProtocol, .status = 500}), AriFailure::kTemporary);
  EXPECT_EQ(classify_failure(Error{.kind = ErrorKind::kAcme, .status = 404}), AriFailure::kLongTerm);
  EXPECT_EQ(classify_failure(Error{.kind = ErrorKind::kProtocol}), AriFailure::kLongTerm);  // an invalid object
}

}  // namespace
}  // namespace acmekit::client::renewal
