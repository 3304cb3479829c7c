// Anti-replay nonces (RFC 8555 §6.5). MemoryNonceService: one instance, each
// issued nonce redeemable once. SharedNonceService: several instances on one
// database (two services opened on the same storage database are two
// instances): a nonce any of them issued is redeemed exactly once by any of
// them, a changed byte or an expired nonce is refused, and the MAC key is the
// one the first instance stored. On both engines (SQLite: two storages on one
// file; PostgreSQL: a fresh database of the shared cluster).
#include "server/nonce/nonce_service.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "core/base64url.h"
#include "support/fake_clock.h"
#include "support/storage_engines.h"

namespace acmekit::server::nonce {
namespace {

using namespace std::chrono_literals;
using test_support::Engine;
using test_support::FakeClock;

// "true", "false", or the error: redeem's answer, printable.
std::string answer(const Result<bool>& r) {
  if (!r) return "error: " + r.error().message();
  return *r ? "true" : "false";
}

TEST(MemoryNonceServiceTest, RedeemsEachIssuedNonceOnce) {
  MemoryNonceService nonces;
  const std::string a = nonces.issue(), b = nonces.issue();
  EXPECT_NE(a, b);
  auto raw = base64url_decode(a);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 16u);  // 128 random bits
  EXPECT_EQ(answer(nonces.redeem(b)), "true");
  EXPECT_EQ(answer(nonces.redeem(b)), "false");
  EXPECT_EQ(answer(nonces.redeem(a)), "true");
  EXPECT_EQ(answer(nonces.redeem(a)), "false");
  EXPECT_EQ(answer(nonces.redeem("never-issued")), "false");
  EXPECT_EQ(answer(nonces.redeem("")), "false");
}

TEST(MemoryNonceServiceTest, DropsTheOldestBeyondCapacity) {
  MemoryNonceService nonces(3);
  std::vector<std::string> issued;
  for (int i = 0; i < 5; ++i) issued.push_back(nonces.issue());
  EXPECT_EQ(answer(nonces.redeem(issued[0])), "false");
  EXPECT_EQ(answer(nonces.redeem(issued[1])), "false");
  for (int i = 2; i < 5; ++i) EXPECT_EQ(answer(nonces.redeem(issued[i])), "true") << i;
}

TEST(MemoryNonceServiceTest, ConcurrentRedeemsOfOneNonceHaveOneWinner) {
  MemoryNonceService nonces;
  const std::string n = nonces.issue();
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = nonces.redeem(n);
      if (r && *r) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won, 1);
}

class SharedNonceServiceTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kSqlite) {
      // Two instances of SQLite are two storages on one file.
      dir = std::filesystem::temp_directory_path() /
            ("acmekit-nonce-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
    } else {
      url = test_support::fresh_postgres_database();
      ASSERT_FALSE(url.empty());
    }
    storage_a = open_storage();
    storage_b = open_storage();
    ASSERT_TRUE(storage_a && storage_b);
    a = open_service(*storage_a);
    b = open_service(*storage_b);
    ASSERT_TRUE(a && b);
  }
  void TearDown() override {
    a.reset();
    b.reset();
    storage_a.reset();
    storage_b.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }

  std::unique_ptr<sa::Storage> open_storage() {
    auto opened = GetParam() == Engine::kSqlite ? sa::open_sqlite(dir / "ca.db") : sa::open_postgres({.url = url});
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }
  std::unique_ptr<SharedNonceService> open_service(sa::Storage& storage) {
    auto opened = SharedNonceService::open(storage, clock, 1h);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  FakeClock clock;
  std::filesystem::path dir;
  std::string url;
  std::unique_ptr<sa::Storage> storage_a, storage_b;
  std::unique_ptr<SharedNonceService> a, b;
};

TEST_P(SharedNonceServiceTest, OneInstancesNonceIsRedeemedOnceByAnother) {
  const std::string n = a->issue();
  auto first = b->redeem(n);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);
  EXPECT_EQ(answer(b->redeem(n)), "false");
  EXPECT_EQ(answer(a->redeem(n)), "false");  // nor by the instance that issued it

  // Racing on both instances: one wins.
  const std::string m = b->issue();
  std::atomic<int> won{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = (i % 2 == 0 ? a : b)->redeem(m);
      if (!r) ++errors;
      else if (*r) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(won, 1);

  // Nonces differ, and each is good once.
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(seen.insert(a->issue()).second);
  for (const auto& s : seen) EXPECT_EQ(answer(b->redeem(s)), "true");
}

TEST_P(SharedNonceServiceTest, ANonceWithAByteChangedIsRefused) {
  const std::string n = a->issue();
  auto raw = base64url_decode(n);
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->size(), 32u);  // expiry 8 | random 12 | MAC 12
  for (std::size_t i : {0u, 7u, 8u, 19u, 20u, 31u}) {
    std::string changed = *raw;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_EQ(answer(b->redeem(base64url_encode(changed))), "false") << "byte " << i;
  }
  // Not base64url, too short, too long, empty.
  EXPECT_EQ(answer(b->redeem(n + "!")), "false");
  EXPECT_EQ(answer(b->redeem(n.substr(0, n.size() - 2))), "false");
  EXPECT_EQ(answer(b->redeem(base64url_encode(*raw + "x"))), "false");
  EXPECT_EQ(answer(b->redeem("")), "false");
  // The refusals spent nothing: the real one is still good, once.
  EXPECT_EQ(answer(b->redeem(n)), "true");
  EXPECT_EQ(answer(a->redeem(n)), "false");
}

TEST_P(SharedNonceServiceTest, AnExpiredNonceIsRefusedAndPruneForgetsIt) {
  const std::string old = a->issue();
  const std::string used = a->issue();
  ASSERT_EQ(answer(b->redeem(used)), "true");
  clock.advance(59min);
  const std::string fresh = a->issue();
  clock.advance(1min);  // old and used expire now (lifetime 1 h)
  EXPECT_EQ(answer(b->redeem(old)), "false");
  EXPECT_EQ(answer(a->redeem(old)), "false");
  EXPECT_EQ(answer(b->redeem(used)), "false");

  // prune forgets the expired redemption (the MAC check refuses it anyway)
  // and keeps the live one.
  ASSERT_EQ(answer(b->redeem(fresh)), "true");
  clock.advance(1ms);
  ASSERT_TRUE(a->prune());
  EXPECT_TRUE(*storage_a->redeem_nonce(used, clock.now() + 1h));  // forgotten
  EXPECT_EQ(answer(a->redeem(fresh)), "false");                // remembered
  EXPECT_EQ(answer(b->redeem(used)), "false");
}

TEST_P(SharedNonceServiceTest, TheMacKeyIsTheFirstInstancesOnly) {
  // Both instances hold the stored key: it is what shared_secret returns
  // to anyone now, whatever they offer.
  auto key = storage_b->shared_secret("nonce-mac-key", "a candidate that loses");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->size(), 32u);
  EXPECT_EQ(*storage_a->shared_secret("nonce-mac-key", "another"), *key);
  // A third instance opened later verifies what the first issued.
  auto later = open_storage();
  ASSERT_TRUE(later);
  auto c = open_service(*later);
  ASSERT_TRUE(c);
  EXPECT_EQ(answer(c->redeem(a->issue())), "true");
  EXPECT_EQ(answer(a->redeem(c->issue())), "true");

  // A service with another key (another CA's database) refuses them.
  auto other_db = sa::open_sqlite(":memory:");
  ASSERT_TRUE(other_db);
  auto stranger = open_service(**other_db);
  ASSERT_TRUE(stranger);
  EXPECT_EQ(answer(stranger->redeem(a->issue())), "false");
  EXPECT_EQ(answer(a->redeem(stranger->issue())), "false");
}

INSTANTIATE_TEST_SUITE_P(Engines, SharedNonceServiceTest, test_support::kBothEngines, test_support::engine_name);

}  // namespace
}  // namespace acmekit::server::nonce
