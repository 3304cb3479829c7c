// The certifier (order -> authorizations -> finalize -> chain) against the
// shared fake HTTP edge scripted as an ACME CA (support/fake_acme_ca.h) and
// the shared fake clock: every name answered at once and cleaned up
// whatever happens, failing names reported together, valid authorizations
// skipped, "replaces" sent (and dropped after alreadyReplaced), and the
// issued certificate checked before anyone installs it.
#include "client/certifier.h"

#include <gtest/gtest.h>

#include <mutex>

#include "client/api/session.h"
#include "core/crypto/certificate.h"
#include "support/fake_acme_ca.h"

namespace acmekit::client {
namespace {
using test_support::FakeAcmeCa;
using test_support::FakeClock;
using test_support::FakeHttp;

// Records what it was asked to present and clean up.
class RecordingSolver : public challenge::Solver {
 public:
  explicit RecordingSolver(wire::ChallengeType type) : type_(type) {}
  wire::ChallengeType type() const override { return type_; }
  Status present(const challenge::Task& t) override {
    std::lock_guard lock(mu);
    presented.push_back(t.identifier);
    return {};
  }
  Status cleanup(const challenge::Task& t) override {
    std::lock_guard lock(mu);
    cleaned.push_back(t.identifier);
    return {};
  }
  std::mutex mu;
  std::vector<std::string> presented, cleaned;

 private:
  wire::ChallengeType type_;
};

class CertifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto* raw = new RecordingSolver(wire::ChallengeType::kHttp01);
    solver = raw;
    solvers.add(std::unique_ptr<challenge::Solver>(raw));
    session.set_account_key(*crypto::PrivateKey::generate({}));
    session.set_account_url("https://ca.test/acct/1");
    ASSERT_TRUE(session.load_directory());
  }

  Result<Issued> obtain(ObtainRequest request) {
    Certifier certifier(session, solvers, clock);
    return certifier.obtain(request);
  }

  FakeClock clock;
  FakeHttp http{/*fresh_nonces=*/true};
  FakeAcmeCa ca{http, clock};
  api::Session session{http, FakeAcmeCa::kDirectory};
  challenge::SolverSet solvers;
  RecordingSolver* solver = nullptr;
};

TEST_F(CertifierTest, IssuesForEveryNameAndChecksTheCertificate) {
  auto issued = obtain({.names = {"a.test", "b.test"}});
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_EQ(issued->leaf.dns_names, (std::vector<std::string>{"a.test", "b.test"}));
  ASSERT_TRUE(issued->key);
  EXPECT_TRUE(issued->leaf.public_key == issued->key->public_key());
  EXPECT_EQ(crypto::parse_pem_chain(issued->chain_pem)->front().der, ca.ca_der());
  EXPECT_EQ(issued->fullchain_pem, issued->cert_pem + issued->chain_pem);
  // Both presented before the CA was told, both cleaned up.
  EXPECT_EQ(solver->presented, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(solver->cleaned, (std::vector<std::string>{"a.test", "b.test"}));
  EXPECT_EQ(ca.triggered, (std::vector<std::string>{"a.test http-01", "b.test http-01"}));
  // Polling slept on the fake clock, never for real.
  EXPECT_LT(clock.total_slept(), std::chrono::seconds(10));
}

TEST_F(CertifierTest, EveryFailingNameIsReportedAndEverythingIsCleanedUp) {
  ca.failing = {"bad1.test", "bad2.test"};
  auto issued = obtain({.names = {"bad1.test", "good.test", "bad2.test"}});
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().kind, ErrorKind::kAcme);
  ASSERT_EQ(issued.error().subproblems.size(), 2u) << issued.error().message();
  EXPECT_EQ(issued.error().subproblems[0].identifier_value, "bad1.test");
  EXPECT_EQ(issued.error().subproblems[1].identifier_value, "bad2.test");
  EXPECT_NE(issued.error().message().find("no key authorization at bad2.test"), std::string::npos)
      << issued.error().message();
  EXPECT_EQ(solver->cleaned.size(), 3u);
}

TEST_F(CertifierTest, AValidAuthorizationIsNotAnsweredAgain) {
  ca.already_valid = {"known.test"};
  auto issued = obtain({.names = {"known.test", "new.test"}});
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_EQ(solver->presented, std::vector<std::string>{"new.test"});
  EXPECT_EQ(ca.triggered, std::vector<std::string>{"new.test http-01"});
}

TEST_F(CertifierTest, ReplacesIsSentAndDroppedAfterAlreadyReplaced) {
  ca.refuse_replaces = true;
  auto issued = obtain({.names = {"r.test"}, .replaces = "aki.serial"});
  ASSERT_TRUE(issued) << issued.error().message();
  ASSERT_EQ(ca.new_orders.size(), 2u);
  EXPECT_EQ(ca.new_orders[0].value("replaces", ""), "aki.serial");  // RFC 9773 §5
  EXPECT_FALSE(ca.new_orders[1].contains("replaces"));
}

// draft-ietf-acme-profiles §4: newOrder carries "profile" only when one
// is chosen, and only one the directory offers (certbot 4's rules).
TEST_F(CertifierTest, ProfilesInNewOrder) {
  ca.offer_profiles({{"classic", "90 days"}, {"shortlived", "160 hours"}}, "classic");
  ASSERT_TRUE(session.load_directory());

  auto required = obtain({.names = {"p.test"}, .required_profile = "shortlived"});
  ASSERT_TRUE(required) << required.error().message();
  EXPECT_EQ(ca.new_orders.back().value("profile", ""), "shortlived");
  EXPECT_EQ(required->profile, "shortlived");  // as the order reported it

  auto preferred = obtain({.names = {"p.test"}, .preferred_profile = "shortlived"});
  ASSERT_TRUE(preferred) << preferred.error().message();
  EXPECT_EQ(ca.new_orders.back().value("profile", ""), "shortlived");

  auto none = obtain({.names = {"p.test"}});
  ASSERT_TRUE(none) << none.error().message();
  EXPECT_FALSE(ca.new_orders.back().contains("profile"));
  EXPECT_EQ(none->profile, "classic");  // the CA's default, named by the CA

  // A preferred profile the CA lacks: ordered without one.
  auto missing = obtain({.names = {"p.test"}, .preferred_profile = "nosuch"});
  ASSERT_TRUE(missing) << missing.error().message();
  EXPECT_FALSE(ca.new_orders.back().contains("profile"));
  EXPECT_EQ(missing->profile, "classic");

  // A required one it lacks: an error naming what it offers, and no order.
  const auto orders = ca.new_orders.size();
  auto refused = obtain({.names = {"p.test"}, .required_profile = "nosuch"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("it offers classic, shortlived"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(ca.new_orders.size(), orders);
}

TEST_F(CertifierTest, ARequiredProfileFromACaWithoutProfilesFails) {
  auto refused = obtain({.names = {"p.test"}, .required_profile = "shortlived"});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("offers no profiles"), std::string::npos) << refused.error().message();
  EXPECT_TRUE(ca.new_orders.empty());
  auto preferred = obtain({.names = {"p.test"}, .preferred_profile = "shortlived"});
  ASSERT_TRUE(preferred) << preferred.error().message();
  EXPECT_FALSE(ca.new_orders.back().contains("profile"));
}

TEST_F(CertifierTest, ACertificateForAnotherKeyIsRefused) {
  ca.issue_for_another_key = true;
  auto issued = obtain({.names = {"k.test"}});
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(issued.error().detail, "the CA issued a certificate for another key");
}

TEST_F(CertifierTest, NoSolverTheCaOffersIsABadSetup) {
  challenge::SolverSet alpn_only;
  alpn_only.add(std::make_unique<RecordingSolver>(wire::ChallengeType::kTlsAlpn01));
  Certifier certifier(session, alpn_only, clock);
  auto issued = certifier.obtain({.names = {"x.test"}});
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(issued.error().detail.find("offered: http-01, dns-01; set up: tls-alpn-01"), std::string::npos)
      << issued.error().detail;
}

}  // namespace
}  // namespace acmekit::client
