#include "client/challenge/solver_set.h"

#include <gtest/gtest.h>

namespace acmekit::client::challenge {
namespace {

class NamedSolver : public Solver {
 public:
  explicit NamedSolver(ChallengeType type) : type_(type) {}
  ChallengeType type() const override { return type_; }
  Status present(const Task&) override { return {}; }
  Status cleanup(const Task&) override { return {}; }

 private:
  ChallengeType type_;
};

wire::Authorization authz_offering(std::vector<ChallengeType> types) {
  wire::Authorization a{.identifier = {"dns", "example.com"}, .status = wire::AcmeStatus::kPending};
  for (auto t : types) a.challenges.push_back({.type = t, .url = "https://ca/chall/" + wire::to_string(t)});
  return a;
}

TEST(SolverSetTest, TheFirstPreferredTypeTheCaOffersWins) {
  SolverSet set;
  set.add(std::make_unique<NamedSolver>(wire::ChallengeType::kTlsAlpn01));
  set.add(std::make_unique<NamedSolver>(wire::ChallengeType::kHttp01));
  const auto authz = authz_offering({wire::ChallengeType::kHttp01, wire::ChallengeType::kDns01, wire::ChallengeType::kTlsAlpn01});
  auto c = set.choose(authz);
  ASSERT_NE(c.solver, nullptr);
  EXPECT_EQ(c.solver->type(), wire::ChallengeType::kTlsAlpn01);
  EXPECT_EQ(c.challenge->url, "https://ca/chall/tls-alpn-01");
  // A wildcard's authorization offers dns-01 only (RFC 8555 §7.1.3): none of ours.
  EXPECT_EQ(set.choose(authz_offering({wire::ChallengeType::kDns01})).solver, nullptr);
  EXPECT_EQ(set.types(), "tls-alpn-01, http-01");
}

TEST(SolverSetTest, ApexAndWildcardCanUseDifferentSolvers) {
  SolverSet set;
  set.add(std::make_unique<NamedSolver>(wire::ChallengeType::kHttp01));
  set.add(std::make_unique<NamedSolver>(wire::ChallengeType::kDns01));
  EXPECT_EQ(set.choose(authz_offering({wire::ChallengeType::kHttp01, wire::ChallengeType::kDns01, wire::ChallengeType::kTlsAlpn01})).solver->type(), wire::ChallengeType::kHttp01);
  EXPECT_EQ(set.choose(authz_offering({wire::ChallengeType::kDns01})).solver->type(), wire::ChallengeType::kDns01);
}

TEST(SolverSetTest, BorrowedSolversAreUsedNotOwned) {
  NamedSolver shared(wire::ChallengeType::kHttp01);
  {
    SolverSet set;
    set.add(shared);
    EXPECT_EQ(set.choose(authz_offering({wire::ChallengeType::kHttp01})).solver, &shared);
  }
  EXPECT_EQ(shared.type(), wire::ChallengeType::kHttp01);  // still alive
}

TEST(PreferredChallengesTest, CertbotSpellings) {
  auto r = parse_preferred_challenges("dns, http-01,TLS-ALPN-01,dns-01");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, (std::vector<ChallengeType>{wire::ChallengeType::kDns01, wire::ChallengeType::kHttp01, wire::ChallengeType::kTlsAlpn01}));
  EXPECT_EQ(parse_preferred_challenges("").value(), std::vector<ChallengeType>{});
  EXPECT_EQ(parse_preferred_challenges("http-01,").value(), std::vector<ChallengeType>{wire::ChallengeType::kHttp01});  // renewal conf form
}

TEST(PreferredChallengesTest, UnknownTypeIsNamed) {
  auto r = parse_preferred_challenges("http-01,tls-sni-01");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().detail.find("tls-sni-01"), std::string::npos) << r.error().detail;
}

}  // namespace
}  // namespace acmekit::client::challenge
