#include "client/challenge/solver_set.h"

#include <gtest/gtest.h>

namespace acmekit::client::challenge {
namespace {

class NamedSolver : public Solver {
 public:
  explicit NamedSolver(std::string type) : type_(std::move(type)) {}
  std::string type() const override { return type_; }
  Status present(const Task&) override { return {}; }
  Status cleanup(const Task&) override { return {}; }

 private:
  std::string type_;
};

wire::Authorization authz_offering(std::vector<std::string> types) {
  wire::Authorization a{.identifier = {"dns", "example.com"}, .status = "pending"};
  for (auto& t : types) a.challenges.push_back({.type = t, .url = "https://ca/chall/" + t});
  return a;
}

TEST(SolverSetTest, TheFirstPreferredTypeTheCaOffersWins) {
  SolverSet set;
  set.add(std::make_unique<NamedSolver>(kTlsAlpn01));
  set.add(std::make_unique<NamedSolver>(kHttp01));
  const auto authz = authz_offering({kHttp01, kDns01, kTlsAlpn01});
  auto c = set.choose(authz);
  ASSERT_NE(c.solver, nullptr);
  EXPECT_EQ(c.solver->type(), kTlsAlpn01);
  EXPECT_EQ(c.challenge->url, "https://ca/chall/tls-alpn-01");
  // A wildcard's authorization offers dns-01 only (RFC 8555 §7.1.3): none of ours.
  EXPECT_EQ(set.choose(authz_offering({kDns01})).solver, nullptr);
  EXPECT_EQ(set.types(), "tls-alpn-01, http-01");
}

TEST(SolverSetTest, ApexAndWildcardCanUseDifferentSolvers) {
  SolverSet set;
  set.add(std::make_unique<NamedSolver>(kHttp01));
  set.add(std::make_unique<NamedSolver>(kDns01));
  EXPECT_EQ(set.choose(authz_offering({kHttp01, kDns01, kTlsAlpn01})).solver->type(), kHttp01);
  EXPECT_EQ(set.choose(authz_offering({kDns01})).solver->type(), kDns01);
}

TEST(SolverSetTest, BorrowedSolversAreUsedNotOwned) {
  NamedSolver shared(kHttp01);
  {
    SolverSet set;
    set.add(shared);
    EXPECT_EQ(set.choose(authz_offering({kHttp01})).solver, &shared);
  }
  EXPECT_EQ(shared.type(), kHttp01);  // still alive
}

TEST(PreferredChallengesTest, CertbotSpellings) {
  auto r = parse_preferred_challenges("dns, http-01,TLS-ALPN-01,dns-01");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, (std::vector<std::string>{kDns01, kHttp01, kTlsAlpn01}));
  EXPECT_EQ(parse_preferred_challenges("").value(), std::vector<std::string>{});
  EXPECT_EQ(parse_preferred_challenges("http-01,").value(), std::vector<std::string>{kHttp01});  // renewal conf form
}

TEST(PreferredChallengesTest, UnknownTypeIsNamed) {
  auto r = parse_preferred_challenges("http-01,tls-sni-01");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().detail.find("tls-sni-01"), std::string::npos) << r.error().detail;
}

}  // namespace
}  // namespace acmekit::client::challenge
