// The storage on PostgreSQL as several acmekit-ca instances use it: two
// Storage objects opened on one database are two instances, and every race
// between them is decided once by the database; a restarted or stopped
// server costs calls that fail fast with kUnavailable, never a hang, and
// the pool reconnects by itself; instances starting together on an empty
// database both migrate it. Real server (support/shared_postgres.h), no mocks.
// The contract both engines share is storage_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "server/sa/schema.h"
#include "server/sa/storage.h"
#include "server/sa/storage_test_locks.h"
#include "storage_test_records.h"
#include "support/shared_postgres.h"

namespace acmekit::server::sa {
namespace {

using namespace std::chrono_literals;
using test::account;
using test::base_time;
using test::certificate;
using test::order;
using test_support::PostgresCluster;
using SteadyClock = std::chrono::steady_clock;

class PgStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cluster = test_support::shared_postgres(&error);
    ASSERT_NE(cluster, nullptr) << error;
    url = test_support::fresh_postgres_database();
    ASSERT_FALSE(url.empty());
  }
  std::unique_ptr<Storage> open(int pool = 8) {
    auto opened = open_postgres({.url = url, .pool = pool});
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }
  // n threads started together (a latch), thread i on storages[i % size].
  template <typename F>
  static void race(const std::vector<Storage*>& storages, int n, F body) {
    std::latch start(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        body(*storages[static_cast<std::size_t>(i) % storages.size()], i);
      });
    }
    for (auto& t : threads) t.join();
  }

  PostgresCluster* cluster = nullptr;
  std::string url;
};

TEST_F(PgStorageTest, TwoInstancesFinalizeAnOrderOnce) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->add_account(account("acct-a", "thumb-a")));
  for (int round = 0; round < 3; ++round) {
    const std::string id = "order-" + std::to_string(round);
    ASSERT_TRUE(a->add_order(order(id, "acct-a", {"example.com"}, {}), {}));
    std::atomic<int> won{0}, errors{0};
    race({a.get(), b.get()}, 20, [&](Storage& s, int i) {
      auto r = s.begin_finalize(id, "instance", "csr", base_time() + std::chrono::milliseconds(i));
      if (!r) {
        ++errors;
        ADD_FAILURE() << r.error().message();
      } else if (*r) {
        ++won;
      }
    });
    EXPECT_EQ(errors, 0);
    EXPECT_EQ(won, 1) << id;
    EXPECT_EQ((*b->get_order(id))->status, AcmeStatus::kProcessing);
  }
}

TEST_F(PgStorageTest, TwoInstancesBindAnEabKeyOnce) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->add_eab_key({.kid = "kid-1", .hmac_key = "mac", .created = base_time()}));
  std::atomic<int> bound{0}, refused{0}, other{0};
  std::vector<std::string> winners(10);
  race({a.get(), b.get()}, 10, [&](Storage& s, int i) {
    auto r = s.bind_eab_key("kid-1", "acct-" + std::to_string(i));
    if (r) {
      ++bound;
      winners[static_cast<std::size_t>(i)] = "acct-" + std::to_string(i);
    } else if (r.error().kind == ErrorKind::kFailedPrecondition) {
      ++refused;
    } else {
      ++other;
      ADD_FAILURE() << r.error().message();
    }
  });
  EXPECT_EQ(bound, 1);
  EXPECT_EQ(refused, 9);
  EXPECT_EQ(other, 0);
  const std::string bound_to = (*a->get_eab_key("kid-1"))->account_id;
  EXPECT_NE(std::find(winners.begin(), winners.end(), bound_to), winners.end()) << bound_to;
}

TEST_F(PgStorageTest, TwoInstancesCreateOneAccountPerKey) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  std::atomic<int> created{0}, exists{0}, other{0};
  race({a.get(), b.get()}, 10, [&](Storage& s, int i) {
    auto r = s.add_account(account("acct-" + std::to_string(i), "thumb-same"));
    if (r) {
      ++created;
    } else if (r.error().kind == ErrorKind::kAlreadyExists) {
      ++exists;
    } else {
      ++other;
      ADD_FAILURE() << r.error().message();
    }
  });
  EXPECT_EQ(created, 1);
  EXPECT_EQ(exists, 9);
  EXPECT_EQ(other, 0);
  EXPECT_TRUE(b->get_account_by_thumbprint("thumb-same")->has_value());
}

TEST_F(PgStorageTest, TwoInstancesNeverHoldOneLockTogether) {
  auto a = open(), b = open();
  ASSERT_TRUE(a && b);
  // Six threads over the two instances, ten rounds each: never two holders.
  expect_mutual_exclusion({a.get(), b.get()}, "rate-limits", 6, 10);

  // Held by instance a: instance b waits, and gets it when a releases it.
  auto held = a->exclusive("rate-limits");
  ASSERT_TRUE(held) << held.error().message();
  auto other_name = b->exclusive("another");  // another name: not blocked
  ASSERT_TRUE(other_name) << other_name.error().message();
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto lock = b->exclusive("rate-limits");
    EXPECT_TRUE(lock) << lock.error().message();
    got = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(got) << "instance b took a lock instance a holds";
  held->reset();
  waiter.join();
  EXPECT_TRUE(got);
}

// Calls f until it succeeds, at most `attempts` times; every failure must be
// kUnavailable with retry_after, and every call must end within `bound`.
template <typename F>
int attempts_until_success(F f, int attempts, std::chrono::seconds bound) {
  for (int i = 1; i <= attempts; ++i) {
    const auto start = SteadyClock::now();
    auto r = f();
    const auto took = SteadyClock::now() - start;
    EXPECT_LT(took, bound) << "call " << i << " took " << std::chrono::duration_cast<std::chrono::milliseconds>(took);
    if (r) return i;
    EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable) << r.error().message();
    EXPECT_TRUE(r.error().retry_after.has_value()) << r.error().message();
    std::this_thread::sleep_for(100ms);
  }
  return 0;
}

TEST_F(PgStorageTest, ReconnectsAfterTheServerRestarts) {
  auto db = open();
  ASSERT_TRUE(db);
  // Several pooled connections, all of which the restart breaks.
  ASSERT_TRUE(db->add_account(account("acct-a", "thumb-a")));
  race({db.get()}, 4, [&](Storage& s, int i) {
    EXPECT_TRUE(s.add_order(order("order-" + std::to_string(i), "acct-a", {"example.com"}, {}), {}));
  });
  ASSERT_TRUE(cluster->restart()) << cluster->log_text();

  // The first call finds its pooled connection gone (libpq learns it only
  // then) and fails; the pool drops the other idle ones with it, so the
  // next connects anew and succeeds.
  const int read = attempts_until_success([&] { return db->get_account("acct-a"); }, 10, 10s);
  EXPECT_GT(read, 0) << "no read succeeded after the restart";
  EXPECT_LE(read, 2) << "each stale pooled connection failed a request of its own";
  // Then writes and reads work, and what was committed before is there.
  const int write = attempts_until_success([&] { return db->add_account(account("acct-b", "thumb-b")); }, 10, 10s);
  EXPECT_GT(write, 0);
  EXPECT_TRUE((*db->get_account("acct-a")).has_value());
  EXPECT_EQ(db->list_order_ids("acct-a", "", 10)->size(), 4u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(db->get_order("order-" + std::to_string(i % 4))) << i;  // every pooled connection is good again
  }
  EXPECT_TRUE(db->exclusive("after-restart"));
}

TEST_F(PgStorageTest, ADownServerIsUnavailableFastThenWorksWhenBack) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->add_account(account("acct-a", "thumb-a")));
  cluster->stop();
  for (int i = 0; i < 3; ++i) {
    const auto start = SteadyClock::now();
    auto r = db->get_account("acct-a");
    const auto took = SteadyClock::now() - start;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable) << r.error().message();
    EXPECT_TRUE(r.error().retry_after.has_value()) << r.error().message();
    EXPECT_LT(took, 7s) << "connect_timeout is 5 s";
  }
  auto write = db->add_account(account("acct-b", "thumb-b"));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, ErrorKind::kUnavailable) << write.error().message();
  auto opened = open_postgres({.url = url});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::kUnavailable) << opened.error().message();

  ASSERT_TRUE(cluster->restart()) << cluster->log_text();
  EXPECT_GT(attempts_until_success([&] { return db->add_account(account("acct-b", "thumb-b")); }, 5, 10s), 0);
  EXPECT_TRUE((*db->get_account("acct-a")).has_value());
  EXPECT_TRUE((*db->get_account("acct-b")).has_value());
}

TEST_F(PgStorageTest, InstancesStartingTogetherBothMigrateAnEmptyDatabase) {
  std::vector<Result<std::unique_ptr<Storage>>> opened;
  for (int i = 0; i < 4; ++i) opened.emplace_back(make_error(ErrorKind::kInternal, "not run"));
  {
    std::latch start(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        opened[static_cast<std::size_t>(i)] = open_postgres({.url = url});
      });
    }
    for (auto& t : threads) t.join();
  }
  for (auto& o : opened) {
    ASSERT_TRUE(o) << o.error().message();
  }
  auto versions = PostgresCluster::query(url, "SELECT version FROM schema_version");
  ASSERT_TRUE(versions) << versions.error().detail;
  EXPECT_EQ(*versions, (PostgresCluster::Rows{{std::to_string(kSchemaVersion)}}));
  // Each works on the one schema.
  ASSERT_TRUE((*opened[0])->add_account(account("acct-a", "thumb-a")));
  EXPECT_TRUE((*(*opened[3])->get_account("acct-a")).has_value());
}

TEST_F(PgStorageTest, CountsCertificatesUnderADomainAsSqliteDoes) {
  // The per-domain count is a range over reversed names ("com.example." up
  // to "com.example/"), right only in byte order. This database's default
  // collation ignores punctuation (shared_postgres.h), as en_US does.
  auto order_of = PostgresCluster::query(url, "SELECT 'com.example.sub' < 'com.example/'");
  ASSERT_TRUE(order_of) << order_of.error().detail;
  ASSERT_EQ(*order_of, (PostgresCluster::Rows{{"f"}})) << "the database's collation is byte order: proves nothing";

  auto pg = open();
  auto sqlite = open_sqlite(":memory:");
  ASSERT_TRUE(pg && sqlite);
  const std::vector<std::string> names = {"example.com",     "example.com.au", "aexample.com",   "sub.example.com",
                                          "*.example.com",   "example-x.com",  "example.co",     "b.sub.example.com",
                                          "exampl.com",      "com",            "xn--bcher-kva.example.com"};
  for (Storage* s : {pg.get(), sqlite->get()}) {
    ASSERT_TRUE(s->add_account(account("acct-a", "thumb-a")));
    int n = 0;
    for (const auto& name : names) {
      const std::string id = std::to_string(++n);
      ASSERT_TRUE(s->add_order(order("order-" + id, "acct-a", {name}, {}), {}));
      CertificateRecord c = certificate("0" + id, "acct-a", "order-" + id, base_time() + n * 1min);
      c.identifiers = {{.type = "dns", .value = name}};
      ASSERT_TRUE(s->add_certificate(c));
    }
  }
  const std::vector<std::pair<std::string, std::size_t>> want = {
      {"example.com", 5},  // itself, sub., *., b.sub., xn--bcher-kva.
      {"sub.example.com", 2}, {"com", 9}, {"com.au", 1}, {"au", 1}, {"example.com.au", 1},
      {"aexample.com", 1}, {"example.co", 1}, {"exampl.com", 1}, {"example", 0}, {"xample.com", 0},
  };
  for (const auto& [domain, count] : want) {
    const wire::Identifier id{.type = "dns", .value = domain};
    auto on_pg = pg->count_certificates_under(id, base_time() - 1h, 100);
    auto on_sqlite = (*sqlite)->count_certificates_under(id, base_time() - 1h, 100);
    ASSERT_TRUE(on_pg && on_sqlite);
    EXPECT_EQ(on_sqlite->count, count) << domain;
    EXPECT_EQ(on_pg->count, on_sqlite->count) << domain;
    EXPECT_EQ(on_pg->newest, on_sqlite->newest) << domain;
  }
}

}  // namespace
}  // namespace acmekit::server::sa
