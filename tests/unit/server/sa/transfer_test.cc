// transfer_database (`acmekit-ca migrate`): a CA's state written through the
// Storage API on SQLite, copied into a real PostgreSQL (PostgresTest), reads
// back the same through the Storage API there, and the PostgreSQL CA goes on
// from it (new orders after the copied ones). Refusals leave the target as
// it was.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "server/sa/pg_db.h"
#include "server/sa/schema.h"
#include "server/sa/sqlite_db.h"
#include "server/sa/storage.h"
#include "server/sa/transfer.h"
#include "storage_test_records.h"
#include "support/postgres_cluster.h"

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
using test_support::PostgresCluster;

const wire::Identifier kExample{.type = "dns", .value = "example.com"};
const wire::Identifier kWww{.type = "dns", .value = "www.example.com"};

class TransferTest : public test_support::PostgresTest {
 protected:
  void SetUp() override {
    PostgresTest::SetUp();
    dir = fs::temp_directory_path() / ("acmekit-transfer-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    path = dir / "acmekit-ca.db";
  }
  void TearDown() override { fs::remove_all(dir); }

  std::unique_ptr<Storage> open_source() {
    auto opened = open_sqlite(path);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }

  // A CA's life on SQLite: two accounts (one bound to an EAB key), orders
  // with new and reused authorizations, a certificate, a certificate revoked
  // for keyCompromise (its key blocked), a failed validation, a pending
  // order, the shared nonce secret.
  void fill(Storage& db) {
    EabKeyRecord k{.kid = "kid-1", .hmac_key = std::string("\x00mac\xff\\x5c'", 8), .created = base_time()};
    ASSERT_TRUE(db.add_eab_key(k));
    AccountRecord a = account("acct-a", "thumb-a");
    a.eab_kid = "kid-1";
    ASSERT_TRUE(db.add_account(a));
    ASSERT_TRUE(db.add_account(account("acct-b", "thumb-b")));

    AuthzRecord z1 = authz("authz-1", "acct-a", "example.com", AcmeStatus::kValid, base_time() + 30 * 24h);
    z1.challenges[0].status = AcmeStatus::kValid;
    z1.challenges[0].validated = base_time() + 1min;
    AuthzRecord z2 = authz("authz-2", "acct-a", "www.example.com", AcmeStatus::kValid, base_time() + 30 * 24h);
    OrderRecord o1 = order("order-1", "acct-a", {"example.com", "www.example.com"}, {"authz-1", "authz-2"});
    o1.not_before = base_time();
    o1.not_after = base_time() + 90 * 24h;
    ASSERT_TRUE(db.add_order(o1, {z1, z2}));
    CertificateRecord c1 = certificate("7f01", "acct-a", "order-1", base_time());
    c1.identifiers = {kExample, kWww};
    ASSERT_TRUE(db.add_certificate(c1));

    OrderRecord o2 = order("order-2", "acct-a", {"example.com"}, {"authz-1"});  // reuses authz-1
    o2.created = base_time() + 1h;
    o2.replaces = "aki.serial";
    o2.replaces_certificate_id = "7f01";
    ASSERT_TRUE(db.add_order(o2, {}));
    CertificateRecord c2 = certificate("7f02", "acct-a", "order-2", base_time() + 1h);
    c2.identifiers = {kExample};
    ASSERT_TRUE(db.add_certificate(c2));
    ASSERT_TRUE(db.revoke_certificate("7f02", 1, base_time() + 2h, "spki-of-7f02"));

    AuthzRecord failed = authz("authz-3", "acct-b", "example.com", AcmeStatus::kInvalid, base_time() + 24h);
    failed.failed = base_time() + 3h;
    ASSERT_TRUE(db.add_authz(failed));
    AuthzRecord z4 = authz("authz-4", "acct-b", "www.example.com", AcmeStatus::kPending, base_time() + 24h);
    OrderRecord o3 = order("order-3", "acct-b", {"www.example.com"}, {"authz-4"});
    o3.created = base_time() + 4h;
    ASSERT_TRUE(db.add_order(o3, {z4}));
    ASSERT_TRUE(db.shared_secret("nonce-mac", std::string("\x01\x00secret", 8)));
    ASSERT_TRUE(db.add_crls({{.shard = 3, .number = 1'767'225'600'123, .this_update = base_time(),
                              .next_update = base_time() + std::chrono::hours(2), .der = (std::string{'\x30', '\x00'} + "crl")}}));
  }

  Result<TransferReport> transfer_to(const std::string& url) {
    ACMEKIT_TRY(auto source, open_sqlite_database(path));
    ACMEKIT_CHECK(source->exec("PRAGMA busy_timeout = 5000"));
    ACMEKIT_TRY(auto target, connect_postgres(url));
    return transfer_database(*source, *target);
  }

  static std::string query(const std::string& url, const std::string& sql) {
    auto rows = PostgresCluster::query(url, sql);
    EXPECT_TRUE(rows) << rows.error().message();
    return rows && !rows->empty() && !rows->front().empty() ? rows->front().front() : "";
  }

  fs::path dir, path;
};

TEST_F(TransferTest, PostgresContinuesTheSqliteCa) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  auto sqlite = open_source();
  ASSERT_TRUE(sqlite);
  fill(*sqlite);

  // The SQLite CA stays open (serving) while it is copied.
  auto report = transfer_to(url);
  ASSERT_TRUE(report) << report.error().message();
  std::map<std::string, std::size_t> rows;
  for (const auto& t : report->tables) rows[t.name] = t.rows;
  EXPECT_EQ(rows, (std::map<std::string, std::size_t>{{"accounts", 2},
                                                      {"orders", 3},
                                                      {"authzs", 4},
                                                      {"order_authzs", 4},
                                                      {"certificates", 2},
                                                      {"certificate_names", 3},
                                                      {"eab_keys", 1},
                                                      {"blocked_keys", 1},
                                                      {"secrets", 1},
                                                      {"crls", 1}}));
  EXPECT_EQ(report->next_order_seq, 4);

  auto opened = open_postgres({.url = url, .pool = 2});
  ASSERT_TRUE(opened) << opened.error().message();
  Storage& pg = **opened;
  EXPECT_EQ(pg.engine(), "postgresql");

  for (const char* id : {"acct-a", "acct-b"}) {
    auto want = sqlite->get_account(id);
    auto got = pg.get_account(id);
    ASSERT_TRUE(got && *got) << id;
    expect_same(**got, **want);
  }
  EXPECT_EQ((*pg.get_account_by_thumbprint("thumb-a"))->id, "acct-a");
  EXPECT_EQ((*pg.get_account("acct-a"))->eab_kid, "kid-1");
  for (const char* id : {"order-1", "order-2", "order-3"}) {
    auto want = sqlite->get_order(id);
    auto got = pg.get_order(id);
    ASSERT_TRUE(got && *got) << id;
    expect_same(**got, **want);
  }
  EXPECT_EQ((*pg.get_order("order-1"))->authz_ids, (std::vector<std::string>{"authz-1", "authz-2"}));
  EXPECT_EQ((*pg.get_order("order-1"))->certificate_id, "7f01");
  for (const char* id : {"authz-1", "authz-2", "authz-3", "authz-4"}) {
    auto want = sqlite->get_authz(id);
    auto got = pg.get_authz(id);
    ASSERT_TRUE(got && *got) << id;
    expect_same(**got, **want);
  }
  for (const char* id : {"7f01", "7f02"}) {
    auto want = sqlite->get_certificate(id);
    auto got = pg.get_certificate(id);
    ASSERT_TRUE(got && *got) << id;
    expect_same(**got, **want);
  }
  auto revoked = **pg.get_certificate("7f02");
  EXPECT_EQ(revoked.status, AcmeStatus::kRevoked);
  EXPECT_EQ(revoked.revocation_reason, 1);
  EXPECT_EQ(revoked.revoked_at, base_time() + 2h);
  EXPECT_EQ((*pg.get_certificate("7f01"))->replaced_by_order, "order-2");
  EXPECT_EQ(*pg.list_replacing_order_ids("7f01"), std::vector<std::string>{"order-2"});
  EXPECT_TRUE(*pg.is_key_blocked("spki-of-7f02"));
  EXPECT_FALSE(*pg.is_key_blocked("spki-of-7f01"));

  // The MAC key's bytes, NUL and backslash included.
  auto eab = pg.get_eab_key("kid-1");
  ASSERT_TRUE(eab && *eab);
  expect_same(**eab, **sqlite->get_eab_key("kid-1"));
  EXPECT_EQ((*eab)->hmac_key, std::string("\x00mac\xff\\x5c'", 8));
  EXPECT_EQ((*eab)->account_id, "acct-a");
  EXPECT_EQ(*pg.shared_secret("nonce-mac", "another instance's"), std::string("\x01\x00secret", 8));
  // The published CRLs: the next number continues after them.
  auto crl = pg.latest_crl(3);
  ASSERT_TRUE(crl && *crl);
  EXPECT_EQ((*crl)->number, 1'767'225'600'123);
  EXPECT_EQ((*crl)->der, (std::string{'\x30', '\x00'} + "crl"));

  // The rate limits' windows count the copied history.
  const TimePoint since = base_time() - 24h;
  auto same_window = [](const Result<WindowCount>& got, const Result<WindowCount>& want, const char* what) {
    ASSERT_TRUE(got && want) << what;
    EXPECT_EQ(got->count, want->count) << what;
    EXPECT_EQ(got->newest, want->newest) << what;
  };
  same_window(pg.count_orders("acct-a", since, 5), sqlite->count_orders("acct-a", since, 5), "orders");
  EXPECT_EQ(pg.count_orders("acct-a", since, 5)->count, 2u);
  same_window(pg.count_certificates_under(kExample, since, 5), sqlite->count_certificates_under(kExample, since, 5),
              "per domain");
  EXPECT_EQ(pg.count_certificates_under(kExample, since, 5)->count, 2u);  // 7f01 and 7f02
  same_window(pg.count_certificates_for_set({kWww, kExample}, since, 5),
              sqlite->count_certificates_for_set({kWww, kExample}, since, 5), "per name set");
  EXPECT_EQ(pg.count_certificates_for_set({kWww, kExample}, since, 5)->count, 1u);
  same_window(pg.count_failed_validations("acct-b", kExample, since, 5),
              sqlite->count_failed_validations("acct-b", kExample, since, 5), "failed validations");
  EXPECT_EQ(pg.count_failed_validations("acct-b", kExample, since, 5)->count, 1u);
  EXPECT_EQ(*pg.count_certificates_since("acct-a", since), *sqlite->count_certificates_since("acct-a", since));
  EXPECT_TRUE(*pg.certificate_set_issued({kExample, kWww}));

  // The PostgreSQL CA goes on: a new order comes after the copied ones.
  const std::vector<std::string> before{"order-1", "order-2"};
  EXPECT_EQ(*pg.list_order_ids("acct-a", "", 10), before);
  ASSERT_TRUE(pg.add_order(order("order-4", "acct-a", {"example.com"}, {"authz-1"}), {}));
  EXPECT_EQ(*pg.list_order_ids("acct-a", "", 10), (std::vector<std::string>{"order-1", "order-2", "order-4"}));
  EXPECT_EQ(*pg.list_order_ids("acct-a", "order-2", 10), std::vector<std::string>{"order-4"});
  EXPECT_EQ(query(url, "SELECT seq FROM orders WHERE id = 'order-4'"), "4");
  // And new accounts, certificates and revocations work on the copy.
  ASSERT_TRUE(pg.add_account(account("acct-c", "thumb-c")));
  EXPECT_FALSE(pg.add_account(account("acct-d", "thumb-a")));  // the copied thumbprint is still unique
  ASSERT_TRUE(pg.revoke_certificate("7f01", 4, base_time() + 5h, ""));
  EXPECT_FALSE(pg.revoke_certificate("7f02", 4, base_time() + 5h, ""));  // already revoked
  // The SQLite file is left as it was.
  EXPECT_FALSE(*sqlite->get_account("acct-c"));
  EXPECT_EQ((*sqlite->get_certificate("7f01"))->status, AcmeStatus::kValid);
}

TEST_F(TransferTest, RefusesATargetHoldingCaStateAndWritesNothing) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  {
    auto sqlite = open_source();
    ASSERT_TRUE(sqlite);
    fill(*sqlite);
  }
  {  // Another CA already ran on the target.
    auto pg = open_postgres({.url = url, .pool = 1});
    ASSERT_TRUE(pg) << pg.error().message();
    ASSERT_TRUE((*pg)->add_account(account("other-ca", "thumb-other")));
  }
  auto refused = transfer_to(url);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("not empty (1 accounts)"), std::string::npos) << refused.error().message();
  EXPECT_EQ(query(url, "SELECT string_agg(id, ',') FROM accounts"), "other-ca");
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM orders"), "0");

  // A second migration onto the first one's copy is refused the same way.
  const std::string copy = fresh_database();
  ASSERT_TRUE(transfer_to(copy));
  auto again = transfer_to(copy);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("2 accounts, 3 orders"), std::string::npos) << again.error().message();
  EXPECT_EQ(query(copy, "SELECT COUNT(*) FROM orders"), "3");
}

TEST_F(TransferTest, NamesColumnsAndTablesOnlyOneSideHas) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  {
    auto sqlite = open_source();
    ASSERT_TRUE(sqlite);
    fill(*sqlite);
  }
  {  // A target whose schema has a column this source lacks.
    auto target = connect_postgres(url);
    ASSERT_TRUE(target);
    ASSERT_TRUE(migrate(**target));
    ASSERT_TRUE((*target)->exec("ALTER TABLE certificates ADD COLUMN ocsp_ms BIGINT"));
  }
  auto mismatch = transfer_to(url);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(mismatch.error().message().find("certificates: the columns differ: only the target has ocsp_ms"),
            std::string::npos)
      << mismatch.error().message();
  // All or nothing: the tables copied before certificates were rolled back.
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM accounts"), "0");
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM orders"), "0");

  // A source table this build does not know is not silently left behind.
  auto raw = open_sqlite_database(path);
  ASSERT_TRUE(raw);
  ASSERT_TRUE((*raw)->exec("CREATE TABLE crl_shards (id INTEGER PRIMARY KEY)"));
  auto unknown = transfer_to(fresh_database());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("does not copy: crl_shards"), std::string::npos)
      << unknown.error().message();
}

// One read transaction: while the CA keeps writing (an account, then an
// order of it with a new authorization), the copy sees states the CA
// committed, never half of one, and waits for no lock.
TEST_F(TransferTest, CopiesOneSnapshotOfACaThatKeepsWriting) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  auto sqlite = open_source();
  ASSERT_TRUE(sqlite);
  fill(*sqlite);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop && i < 5000; ++i) {
      const std::string n = std::to_string(i);
      if (!sqlite->add_account(account("busy-" + n, "thumb-busy-" + n))) break;
      AuthzRecord z = authz("busy-authz-" + n, "busy-" + n, "busy.example", AcmeStatus::kPending, base_time() + 24h);
      if (!sqlite->add_order(order("busy-order-" + n, "busy-" + n, {"busy.example"}, {z.id}), {z})) break;
      ++written;
    }
  });
  while (written < 20) std::this_thread::sleep_for(1ms);
  auto report = transfer_to(url);
  stop = true;
  writer.join();
  ASSERT_TRUE(report) << report.error().message();
  // Every copied order came with its authorization; at most the last
  // account was copied before its order was written.
  const int accounts = std::stoi(query(url, "SELECT COUNT(*) FROM accounts WHERE id LIKE 'busy-%'"));
  const std::string orders = query(url, "SELECT COUNT(*) FROM orders WHERE id LIKE 'busy-order-%'");
  EXPECT_GE(std::stoi(orders), 20);
  EXPECT_TRUE(accounts == std::stoi(orders) || accounts == std::stoi(orders) + 1) << accounts << " " << orders;
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM authzs WHERE id LIKE 'busy-authz-%'"), orders);
  EXPECT_EQ(query(url, "SELECT COUNT(*) FROM order_authzs WHERE order_id LIKE 'busy-order-%'"), orders);
  EXPECT_LE(std::stoi(orders), written.load());
}

}  // namespace
}  // namespace acmekit::server::sa
