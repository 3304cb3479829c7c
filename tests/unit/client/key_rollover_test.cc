// Key rollover (RFC 8555 §7.3.5) and the recovery of a key an interrupted
// rollover left staged, against a fake HTTP edge and a real account store:
// the CA's onlyReturnExisting answer (§7.3.1) to the staged key decides.
#include "client/key_rollover.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/fake_clock.h"
#include "support/fake_http.h"

#include <deque>
#include <filesystem>
#include <functional>
#include <utility>

#include "client/account_setup.h"
#include "client/store/atomic_file.h"
#include "core/jose/jws.h"

namespace acmekit::client {
namespace {
namespace fs = std::filesystem;

using test_support::FakeClock;
using test_support::FakeHttp;

constexpr const char* kDirectory =
    R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/new-acct","newOrder":"https://ca/order",)"
    R"("keyChange":"https://ca/key-change"})";
constexpr const char* kAccountUrl = "https://ca/acct/1";
constexpr const char* kServer = "https://ca/dir";

fs::path test_dir() {
  return fs::temp_directory_path() / ("acmekit-rollover-" + std::to_string(::getpid()) + "-" +
                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
}

class KeyRolloverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(dir);
    http.add(200, kDirectory);
    ASSERT_TRUE(session.load_directory());
    old_key = crypto::PrivateKey::generate({}).value();
    staged = crypto::PrivateKey::generate({}).value();
    auto saved = accounts.save(kServer, old_key, kAccountUrl, {"mailto:a@b.test"});
    ASSERT_TRUE(saved) << saved.error().message();
    account = std::move(*saved);
    account_dir = dir / "accounts" / store::AccountStore::server_dir_name(kServer) / account.id;
    http.clear_requests();
  }
  void TearDown() override { fs::remove_all(dir); }

  void stage() { ASSERT_TRUE(accounts.stage_key(kServer, account, staged)); }
  std::string file(const char* name) { return store::read_file(account_dir / name).value_or(""); }
  bool has_staged_file() { return fs::exists(account_dir / "private_key.next.pem"); }
  void add_account_answer(const std::string& url = kAccountUrl) {
    http.add(200, R"({"status":"valid","contact":["mailto:a@b.test"]})", {{"Location", url}});
  }
  // The request at `i` is a JWS; its protected header and payload.
  std::pair<nlohmann::json, nlohmann::json> jws_of(size_t i, const crypto::PrivateKey& signer) {
    auto jws = jose::parse(nlohmann::json::parse(http.requests().at(i).body));
    EXPECT_TRUE(jws);
    EXPECT_TRUE(jose::verify(*jws, signer.public_key())) << "request " << i << " not signed by the expected key";
    return {jws->protected_header, nlohmann::json::parse(jws->payload)};
  }
  void expect_onlyreturnexisting_with(size_t i, const crypto::PrivateKey& key) {
    ASSERT_GT(http.requests().size(), i);
    EXPECT_EQ(http.requests()[i].url, "https://ca/new-acct");
    auto [header, payload] = jws_of(i, key);
    // §7.3.1: jwk, not kid, and onlyReturnExisting.
    EXPECT_EQ(header["jwk"], key.public_key().to_jwk());
    EXPECT_FALSE(header.contains("kid"));
    EXPECT_EQ(payload, (nlohmann::json{{"onlyReturnExisting", true}}));
  }
  void expect_session_signs_with(const crypto::PrivateKey& key) {
    ASSERT_TRUE(session.account_key());
    EXPECT_TRUE(session.account_key()->public_key() == key.public_key());
    EXPECT_EQ(session.account_url(), kAccountUrl);
  }

  fs::path dir = test_dir(), account_dir;
  FakeHttp http{/*fresh_nonces=*/true};
  FakeClock clock;
  api::Session session{http, kServer};
  store::AccountStore accounts{dir};
  crypto::PrivateKey old_key, staged;
  store::StoredAccount account;
};

TEST_F(KeyRolloverTest, NoStagedKeyAsksTheCaNothing) {
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, StagedKey::kNone);
  EXPECT_TRUE(http.requests().empty());
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, StagedKeyTheCaKnowsIsCommitted) {
  stage();
  add_account_answer();
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, StagedKey::kCommitted);
  expect_onlyreturnexisting_with(0, staged);
  EXPECT_EQ(http.requests().size(), 1u);
  EXPECT_FALSE(has_staged_file());
  EXPECT_EQ(file("private_key.pem"), staged.to_pem());
  struct stat st{};
  ASSERT_EQ(::stat((account_dir / "private_key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(account.key.public_key() == staged.public_key());
  expect_session_signs_with(staged);
  // The next load reads the recovered key.
  auto listed = accounts.list(kServer);
  ASSERT_TRUE(listed && listed->size() == 1);
  EXPECT_TRUE(listed->front().key.public_key() == staged.public_key());
}

TEST_F(KeyRolloverTest, StagedKeyTheCaNeverSawIsDiscarded) {
  stage();
  http.add_problem(400, "accountDoesNotExist");
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, StagedKey::kDiscarded);
  expect_onlyreturnexisting_with(0, staged);
  EXPECT_FALSE(has_staged_file());
  EXPECT_EQ(file("private_key.pem"), old_key.to_pem());
  EXPECT_TRUE(account.key.public_key() == old_key.public_key());
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, UnreachableCaKeepsBothKeysAndUsesTheCurrentOne) {
  stage();  // no canned answer: the request fails with kUnavailable
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, StagedKey::kUnresolved);
  EXPECT_EQ(file("private_key.next.pem"), staged.to_pem());
  EXPECT_EQ(file("private_key.pem"), old_key.to_pem());
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, OtherProblemsAndOtherAccountsKeepBothKeys) {
  stage();
  http.add_problem(500, "serverInternal");
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, StagedKey::kUnresolved);
  add_account_answer("https://ca/acct/2");  // the staged key belongs to another account
  r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, StagedKey::kUnresolved);
  EXPECT_EQ(file("private_key.next.pem"), staged.to_pem());
  EXPECT_EQ(file("private_key.pem"), old_key.to_pem());
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, UnreadableStagedKeyIsKept) {
  ASSERT_TRUE(store::write_file_atomic(account_dir / "private_key.next.pem", "not a key", 0600));
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, StagedKey::kUnresolved);
  EXPECT_TRUE(http.requests().empty());
  EXPECT_EQ(file("private_key.next.pem"), "not a key");
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, ARolloverInAnotherProcessIsWaitedForThenLeftAlone) {
  stage();
  auto held = accounts.try_lock_key(kServer, account);  // a second open file: flock conflicts
  ASSERT_TRUE(held && *held);
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, StagedKey::kUnresolved);
  EXPECT_TRUE(http.requests().empty());
  EXPECT_GE(clock.total_slept(), std::chrono::duration_cast<std::chrono::milliseconds>(kKeyLockWait));
  EXPECT_TRUE(has_staged_file());
  auto again = accounts.try_lock_key(kServer, account);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // still held
  held->reset();
  again = accounts.try_lock_key(kServer, account);
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again);  // released with the descriptor
}

TEST_F(KeyRolloverTest, AKeyCommittedWhileWaitingForTheLockIsPickedUp) {
  stage();
  auto held = accounts.try_lock_key(kServer, account);
  ASSERT_TRUE(held && *held);
  // The lock holder (another worker of this renew run) recovers the staged
  // key and lets go while we wait: our copy of the key, read before, is stale.
  clock.on_sleep = [&](int n) {
    if (n != 1) return;  // at the first sleep only
    ASSERT_TRUE(accounts.commit_key(kServer, account));
    held->reset();
  };
  auto r = resolve_staged_key(session, accounts, account, clock);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, StagedKey::kNone);
  EXPECT_TRUE(http.requests().empty());
  EXPECT_TRUE(account.key.public_key() == staged.public_key());
  expect_session_signs_with(staged);
}

TEST_F(KeyRolloverTest, StageKeyNeverOverwritesAStagedKey) {
  stage();
  auto other = crypto::PrivateKey::generate({}).value();
  auto st = accounts.stage_key(kServer, account, other);
  ASSERT_FALSE(st);
  EXPECT_EQ(file("private_key.next.pem"), staged.to_pem());
}

TEST_F(KeyRolloverTest, RolloverStagesAsksAndCommits) {
  auto next = crypto::PrivateKey::generate({}).value();
  http.add(200, "{}");  // keyChange
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_EQ(http.requests().size(), 1u);
  EXPECT_EQ(http.requests()[0].url, "https://ca/key-change");
  auto [header, payload] = jws_of(0, old_key);  // §7.3.5: outer JWS by the old key, kid
  EXPECT_EQ(header["kid"], kAccountUrl);
  auto inner = jose::parse(payload);
  ASSERT_TRUE(inner);
  EXPECT_TRUE(jose::verify(*inner, next.public_key()));
  EXPECT_EQ(file("private_key.pem"), next.to_pem());
  EXPECT_FALSE(has_staged_file());
  EXPECT_TRUE(account.key.public_key() == next.public_key());
  expect_session_signs_with(next);
}

TEST_F(KeyRolloverTest, RolloverResolvesALeftoverStagedKeyFirst) {
  stage();
  http.add_problem(400, "accountDoesNotExist");  // the leftover: never seen
  http.add(200, "{}");                           // keyChange
  auto next = crypto::PrivateKey::generate({}).value();
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_EQ(http.requests().size(), 2u);
  expect_onlyreturnexisting_with(0, staged);
  EXPECT_EQ(http.requests()[1].url, "https://ca/key-change");
  jws_of(1, old_key);
  EXPECT_EQ(file("private_key.pem"), next.to_pem());
  EXPECT_FALSE(has_staged_file());
}

TEST_F(KeyRolloverTest, RolloverFromARecoveredLeftoverSignsWithIt) {
  stage();
  add_account_answer();  // the leftover: the CA has it
  http.add(200, "{}");   // keyChange
  auto next = crypto::PrivateKey::generate({}).value();
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_EQ(http.requests().size(), 2u);
  auto [header, payload] = jws_of(1, staged);  // the key the CA knows signs the keyChange
  auto inner = jose::parse(payload);
  ASSERT_TRUE(inner);
  EXPECT_EQ(nlohmann::json::parse(inner->payload)["oldKey"], staged.public_key().to_jwk());
  EXPECT_EQ(file("private_key.pem"), next.to_pem());
}

TEST_F(KeyRolloverTest, RolloverStopsWhenTheLeftoverCannotBeResolved) {
  stage();  // the CA is unreachable
  auto next = crypto::PrivateKey::generate({}).value();
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(st.error().detail.find("interrupted rollover"), std::string::npos) << st.error().detail;
  EXPECT_EQ(http.requests().size(), 1u);  // no keyChange
  EXPECT_EQ(file("private_key.next.pem"), staged.to_pem());
  EXPECT_EQ(file("private_key.pem"), old_key.to_pem());
}

TEST_F(KeyRolloverTest, ARefusedRolloverLeavesNoStagedKey) {
  http.add_problem(403, "unauthorized");         // keyChange refused
  http.add_problem(400, "accountDoesNotExist");  // the new key: unknown
  auto next = crypto::PrivateKey::generate({}).value();
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().is_acme("unauthorized"));
  expect_onlyreturnexisting_with(1, next);
  EXPECT_FALSE(has_staged_file());
  EXPECT_EQ(file("private_key.pem"), old_key.to_pem());
  expect_session_signs_with(old_key);
}

TEST_F(KeyRolloverTest, ALostAnswerToAnAcceptedRolloverStillCommits) {
  http.add_problem(504, "serverInternal");  // the answer to keyChange never arrived intact
  add_account_answer();                     // but the CA knows the new key
  auto next = crypto::PrivateKey::generate({}).value();
  auto st = rollover_account_key(session, accounts, account, next, clock);
  ASSERT_TRUE(st) << st.error().message();
  EXPECT_EQ(file("private_key.pem"), next.to_pem());
  EXPECT_FALSE(has_staged_file());
  expect_session_signs_with(next);
}

TEST_F(KeyRolloverTest, LoadAccountRecoversTheStagedKey) {
  stage();
  add_account_answer();
  auto loaded = load_account(session, accounts, "", &clock);
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_TRUE(*loaded);
  EXPECT_EQ((*loaded)->url, kAccountUrl);
  EXPECT_TRUE((*loaded)->key.public_key() == staged.public_key());
  expect_session_signs_with(staged);
  EXPECT_FALSE(has_staged_file());
}

TEST_F(KeyRolloverTest, EnsureAccountDiscardsAStagedKeyAndUsesTheAccount) {
  stage();
  http.add_problem(400, "accountDoesNotExist");  // the staged key
  add_account_answer();                          // the stored key: §7.3.1 check
  auto a = ensure_account(session, accounts, {}, &clock);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->url, kAccountUrl);
  ASSERT_EQ(http.requests().size(), 2u);
  expect_onlyreturnexisting_with(0, staged);
  expect_onlyreturnexisting_with(1, old_key);
  EXPECT_FALSE(has_staged_file());
  expect_session_signs_with(old_key);
}

}  // namespace
}  // namespace acmekit::client
