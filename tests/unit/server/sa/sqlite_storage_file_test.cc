// The SQLite storage on a real file: what a CA operator relies on across a
// restart and a kill -9. The database is checked with the sqlite3 library
// directly, independently of the code under test.
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "server/sa/schema.h"
#include "server/sa/storage.h"
#include "storage_test_records.h"

namespace acmekit::server::sa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::account;
using test::authz;
using test::base_time;
using test::certificate;
using test::expect_same;
using test::order;

class SqliteStorageFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-sa-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = dir / "ca.db";
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<Storage> open(const SqliteOptions& options = {}) {
    auto opened = open_sqlite(path, options);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  // Runs one SQL statement with the sqlite3 library and returns its rows'
  // first column (or `column`), joined by newlines.
  std::string raw_query(const std::string& sql) { return raw_query_column(sql, 0); }
  std::string raw_query_column(const std::string& sql, int column) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
        if (!out.empty()) out += "\n";
        out += text != nullptr ? text : "";
      }
    } else {
      out = std::string("prepare failed: ") + sqlite3_errmsg(raw);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return out;
  }

  // The kill -9 cases: stores acct-a, then forks a child that opens the
  // database itself and runs write(storage, fd): orders for acct-a, each
  // number reported on fd once stored, until killed. Returns the child's
  // pid (-1 if it could not start) and the pipe's read end in *fd.
  pid_t fork_writer(int* fd, const std::function<void(Storage&, int)>& write) {
    {
      auto db = open();
      if (!db || !db->add_account(account("acct-a", "thumb-a"))) return -1;
    }  // closed: the child opens its own connection
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      auto db = open_sqlite(path);
      if (!db) ::_exit(2);
      write(**db, fds[1]);
      ::_exit(5);
    }
    ::close(fds[1]);
    *fd = fds[0];
    return pid;
  }

  // Reads the order numbers a child reports on fd until
  // it has `want`, kills it, and takes what it wrote before the kill.
  void read_reports_then_kill(int fd, pid_t pid, std::size_t want, std::set<std::int32_t>& reported) {
    std::int32_t n = 0;
    while (reported.size() < want && ::read(fd, &n, sizeof n) == sizeof n) reported.insert(n);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
    while (::read(fd, &n, sizeof n) == sizeof n) reported.insert(n);  // written before the kill
    ::close(fd);
    ASSERT_GE(reported.size(), want);
  }

  // After the kill: the file is intact, every reported order is there, at
  // most in_flight more (committed, not yet reported), each whole.
  void expect_reported_orders_kept(const std::set<std::int32_t>& reported, std::size_t in_flight,
                                   std::size_t authzs_each) {
    EXPECT_EQ(raw_query("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(raw_query("PRAGMA foreign_key_check"), "");
    auto db = open();
    ASSERT_TRUE(db);
    for (std::int32_t i : reported) {
      auto o = db->get_order("order-" + std::to_string(i));
      ASSERT_TRUE(o) << o.error().message();
      ASSERT_TRUE(o->has_value()) << "reported order " << i << " lost";
    }
    auto ids = db->list_order_ids("acct-a", "", 1'000'000);
    ASSERT_TRUE(ids);
    EXPECT_GE(ids->size(), reported.size());
    EXPECT_LE(ids->size(), reported.size() + in_flight);
    for (const auto& id : *ids) {
      auto o = **db->get_order(id);
      ASSERT_EQ(o.authz_ids.size(), authzs_each) << id;
      for (const auto& authz_id : o.authz_ids) {
        EXPECT_TRUE(db->get_authz(authz_id)->has_value()) << authz_id;
      }
    }
  }

  fs::path dir, path;
};

TEST_F(SqliteStorageFileTest, EverythingSurvivesARestart) {
  AccountRecord acct = account("acct-a", "thumb-a");
  acct.eab_kid = "kid-1";
  AuthzRecord a = authz("authz-1", "acct-a", "example.com", AcmeStatus::kValid, base_time() + 30 * 24h);
  a.challenges[0].status = AcmeStatus::kValid;
  a.challenges[0].validated = base_time() + 1min;
  OrderRecord o = order("order-1", "acct-a", {"example.com"}, {"authz-1"});
  o.not_before = base_time();
  o.not_after = base_time() + 90 * 24h;
  CertificateRecord c = certificate("7f01", "acct-a", "order-1", base_time());
  EabKeyRecord k{.kid = "kid-1", .hmac_key = std::string("\x00mac\xff", 5), .created = base_time()};
  {
    auto db = open({.synchronous = "full"});
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add_eab_key(k));
    ASSERT_TRUE(db->add_account(acct));  // binds kid-1 in its transaction
    EXPECT_FALSE(db->bind_eab_key("kid-1", "acct-b"));
    ASSERT_TRUE(db->add_order(o, {a}));
    ASSERT_TRUE(db->add_certificate(c));
    ASSERT_TRUE(db->revoke_certificate("7f01", 4, base_time() + 1h, ""));
  }
  // The file holds EAB MAC keys: readable by the CA's user only.
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto db = open();
  ASSERT_TRUE(db);
  expect_same(**db->get_account("acct-a"), acct);
  expect_same(**db->get_authz("authz-1"), a);
  o.status = AcmeStatus::kValid;
  o.certificate_id = "7f01";
  expect_same(**db->get_order("order-1"), o);
  c.status = AcmeStatus::kRevoked;
  c.revocation_reason = 4;
  c.revoked_at = base_time() + 1h;
  expect_same(**db->get_certificate("7f01"), c);
  k.account_id = "acct-a";
  expect_same(**db->get_eab_key("kid-1"), k);
  EXPECT_EQ(*db->list_order_ids("acct-a", "", 10), std::vector<std::string>{"order-1"});
  EXPECT_EQ(raw_query("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStorageFileTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_TRUE(open());
  EXPECT_EQ(raw_query("PRAGMA user_version = 1000"), "");
  auto opened = open_sqlite(path);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::kIo);
  EXPECT_NE(opened.error().detail.find("newer"), std::string::npos) << opened.error().detail;
}

// A database written by the first release (schema version 1, made here with
// the sqlite3 library and that release's tables) opens, migrates to the
// current version and keeps its rows; the RFC 9773 columns start empty.
TEST_F(SqliteStorageFileTest, MigratesAVersionOneDatabase) {
  const char* v1 = R"sql(
CREATE TABLE accounts (id TEXT PRIMARY KEY, jwk_json TEXT NOT NULL, key_thumbprint TEXT NOT NULL,
  contact TEXT NOT NULL, status TEXT NOT NULL, eab_kid TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE UNIQUE INDEX accounts_key_thumbprint ON accounts(key_thumbprint);
CREATE TABLE orders (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, identifiers TEXT NOT NULL,
  not_before_ms INTEGER, not_after_ms INTEGER, error_json TEXT NOT NULL, certificate_id TEXT NOT NULL);
CREATE INDEX orders_account ON orders(account_id, seq);
CREATE TABLE authzs (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL, wildcard INTEGER NOT NULL, status TEXT NOT NULL, expires_ms INTEGER NOT NULL,
  challenges TEXT NOT NULL);
CREATE TABLE order_authzs (order_id TEXT NOT NULL REFERENCES orders(id), position INTEGER NOT NULL,
  authz_id TEXT NOT NULL REFERENCES authzs(id), PRIMARY KEY (order_id, position)) WITHOUT ROWID;
CREATE TABLE certificates (id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id),
  order_id TEXT NOT NULL REFERENCES orders(id), leaf_pem TEXT NOT NULL, not_before_ms INTEGER NOT NULL,
  not_after_ms INTEGER NOT NULL, identifiers TEXT NOT NULL, status TEXT NOT NULL, revocation_reason INTEGER NOT NULL,
  revoked_at_ms INTEGER);
CREATE TABLE eab_keys (kid TEXT PRIMARY KEY, hmac_key BLOB NOT NULL, created_ms INTEGER NOT NULL, account_id TEXT NOT NULL);
INSERT INTO accounts VALUES ('acct-a', '{}', 'thumb-a', '[]', 'valid', '', 1000);
INSERT INTO orders VALUES (1, 'order-1', 'acct-a', 'valid', 1000, 2000, '[{"type":"dns","value":"example.com"}]',
  NULL, NULL, '', '7f01');
INSERT INTO certificates VALUES ('7f01', 'acct-a', 'order-1', 'PEM', 1000, 3000, '[{"type":"dns","value":"example.com"}]',
  'valid', 0, NULL);
PRAGMA user_version = 1;
)sql";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(raw, v1, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(raw);

  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_EQ(raw_query("PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(raw_query("SELECT name FROM sqlite_master WHERE name = 'orders_processing'"), "orders_processing");
  auto o = db->get_order("order-1");
  ASSERT_TRUE(o && o->has_value()) << (o ? "missing" : o.error().message());
  EXPECT_EQ((*o)->certificate_id, "7f01");
  EXPECT_EQ((*o)->replaces, "");
  auto c = db->get_certificate("7f01");
  ASSERT_TRUE(c && c->has_value());
  EXPECT_EQ((*c)->leaf_pem, "PEM");
  EXPECT_EQ((*c)->replaced_by_order, "");
  // Rate limits (v3): the issuance time is taken from notBefore; the old
  // certificate has no name set, so it neither counts nor makes a renewal.
  EXPECT_EQ((*c)->issued, TimePoint{} + 1000ms);
  EXPECT_FALSE((*c)->renewal);
  EXPECT_FALSE(*db->certificate_set_issued({{.type = "dns", .value = "example.com"}}));
  EXPECT_EQ(db->count_orders("acct-a", TimePoint{}, 10)->count, 1u);
  // And the new columns work on the migrated file.
  OrderRecord r = order("order-r", "acct-a", {"example.com"}, {});
  r.replaces = "aki.fwE";
  r.replaces_certificate_id = "7f01";
  ASSERT_TRUE(db->add_order(r, {}));
  EXPECT_EQ(*db->list_replacing_order_ids("7f01"), std::vector<std::string>{"order-r"});
}

// Issue 13: what runs every 2 s (Maintenance's sweep for stalled
// finalizations) and a replacement order's check read an index, not every
// order ever made. The statements are sql_storage.cc's; SQLite's plan for
// them on the schema open() made: "SEARCH ... USING INDEX", never "SCAN".
TEST_F(SqliteStorageFileTest, SweepAndReplacementLookupReadAnIndexNotEveryOrder) {
  ASSERT_TRUE(open());
  EXPECT_EQ(raw_query("SELECT sql FROM sqlite_master WHERE name = 'orders_processing'"),
            "CREATE INDEX orders_processing ON orders(finalize_started_ms) WHERE status = 'processing'");
  const auto plan = [&](const std::string& sql) { return raw_query_column("EXPLAIN QUERY PLAN " + sql, 3); };
  EXPECT_EQ(plan("SELECT id FROM orders WHERE status = 'processing' AND certificate_id = '' "
                 "AND finalize_started_ms < ?1"),
            "SEARCH orders USING INDEX orders_processing (finalize_started_ms<?)");
  EXPECT_EQ(plan("SELECT id FROM orders WHERE replaces_certificate_id = ?1 AND replaces_certificate_id != '' "
                 "ORDER BY seq"),
            "SEARCH orders USING INDEX orders_replaces (replaces_certificate_id=?)");
}

// GET /health's check: a committed write another connection can read, and
// kIo (not success after a wait) while another process holds the write lock.
TEST_F(SqliteStorageFileTest, HealthCheckCommitsAWriteAndReportsALockedDatabase) {
  auto db = open();
  ASSERT_TRUE(db);
  auto healthy = db->check_health(base_time());
  ASSERT_TRUE(healthy) << healthy.error().message();
  EXPECT_EQ(raw_query("SELECT checked_ms FROM health WHERE id = 1"), "1767225600123");
  ASSERT_TRUE(db->check_health(base_time() + 1s));
  EXPECT_EQ(raw_query("SELECT COUNT(*) || ' ' || MAX(checked_ms) FROM health"), "1 1767225601123");

  // Another connection takes the write lock and keeps it past the busy
  // timeout (5 s), as a stuck backup or maintenance job would.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &other, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto locked = db->check_health(base_time() + 2s);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(locked.error().message().find("locked"), std::string::npos) << locked.error().message();
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_TRUE(db->check_health(base_time() + 3s));
}

TEST_F(SqliteStorageFileTest, OpenReportsAnUnusablePath) {
  auto opened = open_sqlite(dir / "missing-dir" / "ca.db");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::kIo);
}

// A child process adds orders in a loop and reports each one on a pipe after
// add_order returned; the parent kills it with SIGKILL mid-stream. Every
// reported order must be there, whole, and the file must be sound.
TEST_F(SqliteStorageFileTest, KillNineKeepsEveryCommittedOrder) {
  int fd = -1;
  const pid_t pid = fork_writer(&fd, [](Storage& db, int out) {
    for (std::int32_t i = 0;; ++i) {
      std::string id = "order-" + std::to_string(i);
      AuthzRecord a1 = authz(id + "-a1", "acct-a", id + ".example", AcmeStatus::kPending, base_time() + 24h);
      AuthzRecord a2 = authz(id + "-a2", "acct-a", id + ".example", AcmeStatus::kPending, base_time() + 24h);
      a2.wildcard = true;
      OrderRecord o = order(id, "acct-a", {"*." + id + ".example", id + ".example"}, {a2.id, a1.id});
      if (!db.add_order(o, {a1, a2})) ::_exit(3);
      if (::write(out, &i, sizeof i) != sizeof i) ::_exit(4);
    }
  });
  ASSERT_GT(pid, 0);
  std::set<std::int32_t> reported;
  read_reports_then_kill(fd, pid, 300, reported);
  if (HasFatalFailure()) return;
  // Every order that is there (reported or caught in flight) is whole.
  expect_reported_orders_kept(reported, 1, 2);
}

// The same with four writers at once on one storage: an order is reported
// only once its transaction committed, so none reported is lost, and at
// most one order a writer was in flight at the kill.
TEST_F(SqliteStorageFileTest, KillNineKeepsEveryCommittedOrderOfConcurrentWriters) {
  constexpr std::int32_t kWriters = 4;
  int fd = -1;
  const pid_t pid = fork_writer(&fd, [](Storage& db, int out) {
    std::vector<std::thread> writers;
    for (std::int32_t w = 0; w < kWriters; ++w) {
      writers.emplace_back([&db, out, w] {
        for (std::int32_t i = w;; i += kWriters) {
          std::string id = "order-" + std::to_string(i);
          AuthzRecord a = authz(id + "-a", "acct-a", id + ".example", AcmeStatus::kPending, base_time() + 24h);
          if (!db.add_order(order(id, "acct-a", {id + ".example"}, {a.id}), {a})) ::_exit(3);
          if (::write(out, &i, sizeof i) != sizeof i) ::_exit(4);  // 4 bytes: one atomic pipe write
        }
      });
    }
    for (auto& t : writers) t.join();
  });
  ASSERT_GT(pid, 0);
  std::set<std::int32_t> reported;
  read_reports_then_kill(fd, pid, 600, reported);
  if (HasFatalFailure()) return;
  expect_reported_orders_kept(reported, kWriters, 1);
}

TEST(SqliteStorageOpen, RefusesAnUnknownSynchronousMode) {
  auto opened = open_sqlite(":memory:", {.synchronous = "sometimes"});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace acmekit::server::sa
