// The due decision for a certificate we revoked (RFC 8555 §7.6): due at
// once, young or old, with or without the CA's RFC 9773 window, which is not
// used; not revoked, the usual rules apply.
#include "client/renewal/due.h"

#include <gtest/gtest.h>

namespace acmekit::client::renewal {
namespace {
using namespace std::chrono;
using namespace std::chrono_literals;

using TimePoint = system_clock::time_point;
const TimePoint kT0 = TimePoint(seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
constexpr auto kDay = 24h;
const TimePoint kNotBefore = kT0, kNotAfter = kT0 + 90 * kDay;
// The CA's window for the certificate: days 60-62, the moment chosen at 61.
const AriWindow kWindow{.start = kT0 + 60 * kDay, .end = kT0 + 62 * kDay, .renew_at = kT0 + 61 * kDay};

TEST(RenewalDueRevoked, AFreshRevokedCertificateIsDueNow) {
  const TimePoint now = kT0 + 1h;
  EXPECT_FALSE(renewal_due(kNotBefore, kNotAfter, now).due);
  auto d = renewal_due(kNotBefore, kNotAfter, now, nullptr, Revocation::kRevoked);
  EXPECT_TRUE(d.due);
  EXPECT_EQ(d.reason, "the live certificate was revoked");
  EXPECT_EQ(d.renew_at, now);
  EXPECT_FALSE(d.ari);
}

TEST(RenewalDueRevoked, TheCasWindowIsNotUsed) {
  const TimePoint now = kT0 + 10 * kDay;  // long before the window
  EXPECT_FALSE(renewal_due(kNotBefore, kNotAfter, now, &kWindow).due);
  auto d = renewal_due(kNotBefore, kNotAfter, now, &kWindow, Revocation::kRevoked);
  EXPECT_TRUE(d.due);
  EXPECT_EQ(d.reason, "the live certificate was revoked");
  EXPECT_FALSE(d.ari);  // renew --json shows no window for it
}

TEST(RenewalDueRevoked, RevokedWinsOverExpired) {
  auto d = renewal_due(kNotBefore, kNotAfter, kNotAfter + 1s, nullptr, Revocation::kRevoked);
  EXPECT_TRUE(d.due);
  EXPECT_EQ(d.reason, "the live certificate was revoked");
}

TEST(RenewalDueRevoked, NotKnownRevokedIsTheUsualDecision) {
  for (const TimePoint now : {kT0 + 1h, kT0 + 59 * kDay, kT0 + 60 * kDay, kNotAfter + 1s}) {
    for (const AriWindow* w : {static_cast<const AriWindow*>(nullptr), &kWindow}) {
      auto plain = renewal_due(kNotBefore, kNotAfter, now, w);
      auto known = renewal_due(kNotBefore, kNotAfter, now, w, Revocation::kNotKnown);
      EXPECT_EQ(plain.due, known.due);
      EXPECT_EQ(plain.reason, known.reason);
      EXPECT_EQ(plain.renew_at, known.renew_at);
    }
  }
}

}  // namespace
}  // namespace acmekit::client::renewal
