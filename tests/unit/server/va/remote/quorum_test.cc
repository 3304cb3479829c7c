// Baseline Requirements §3.2.2.9's quorum over perspective results.
#include "server/va/remote/quorum.h"

#include <gtest/gtest.h>

#include "server/problems.h"

namespace acmekit::server::va::remote {
namespace {

Status ok() { return {}; }
Status answered(std::string_view type, std::string detail) { return problem(type, std::move(detail)); }
Status down(std::string detail) { return make_error(ErrorKind::kUnavailable, std::move(detail)); }

TEST(QuorumTest, AllowedNonCorroborationsFollowTheTable) {
  EXPECT_EQ(allowed_non_corroborations(0), 0u);
  EXPECT_EQ(allowed_non_corroborations(1), 0u);
  for (std::size_t n = 2; n <= 5; ++n) EXPECT_EQ(allowed_non_corroborations(n), 1u) << n;
  EXPECT_EQ(allowed_non_corroborations(6), 2u);
  EXPECT_EQ(allowed_non_corroborations(20), 2u);
}

TEST(QuorumTest, AllAgreeIsValid) {
  EXPECT_TRUE(decide(ok(), {{"a", ok()}, {"b", ok()}, {"c", ok()}}, "x"));
}

TEST(QuorumTest, OneOfThreeDisagreeingIsStillValid) {
  EXPECT_TRUE(decide(ok(), {{"a", ok()}, {"b", answered("unauthorized", "wrong TXT")}, {"c", ok()}}, "x"));
  EXPECT_TRUE(decide(ok(), {{"a", ok()}, {"b", down("refused")}, {"c", ok()}}, "x"));
}

TEST(QuorumTest, TwoOfThreeDisagreeingIsInvalidAndNamesThem) {
  Status s = decide(ok(), {{"a", ok()}, {"b", answered("unauthorized", "wrong TXT")}, {"c", down("refused")}},
                    "dns-01 validation of dns:x.test");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::kAcme);
  EXPECT_EQ(s.error().short_type(), "unauthorized");
  const std::string& d = s.error().detail;
  EXPECT_NE(d.find("dns-01 validation of dns:x.test: 2 of 3 remote perspectives did not corroborate"), std::string::npos) << d;
  EXPECT_NE(d.find("b (disagreed): wrong TXT"), std::string::npos) << d;
  EXPECT_NE(d.find("c (unreachable): refused"), std::string::npos) << d;
  EXPECT_EQ(d.find("a ("), std::string::npos) << d;
}

TEST(QuorumTest, NoAnswerAtAllIsServerInternal) {
  Status s = decide(ok(), {{"a", down("x")}, {"b", down("y")}}, "w");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().short_type(), "serverInternal");
}

TEST(QuorumTest, PrimaryFailureDecidesWhateverTheRemotesSay) {
  Status s = decide(answered("dns", "NXDOMAIN"), {{"a", ok()}, {"b", ok()}}, "w");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().short_type(), "dns");
  EXPECT_EQ(s.error().detail, "NXDOMAIN");
}

TEST(QuorumTest, SixRemotesAllowTwo) {
  std::vector<PerspectiveResult> r{{"a", ok()}, {"b", ok()}, {"c", ok()}, {"d", ok()},
                                   {"e", down("x")}, {"f", answered("caa", "no")}};
  EXPECT_TRUE(decide(ok(), r, "w"));
  r[0].result = down("z");
  EXPECT_FALSE(decide(ok(), r, "w"));
}

TEST(QuorumTest, OneRemoteMustAgree) {
  EXPECT_FALSE(decide(ok(), {{"a", down("x")}}, "w"));
  EXPECT_TRUE(decide(ok(), {{"a", ok()}}, "w"));
}

TEST(QuorumTest, OutcomeLabels) {
  EXPECT_EQ(to_string(outcome_of(ok())), "corroborated");
  EXPECT_EQ(to_string(outcome_of(answered("dns", "x"))), "disagreed");
  EXPECT_EQ(to_string(outcome_of(down("x"))), "unreachable");
}

}  // namespace
}  // namespace acmekit::server::va::remote
