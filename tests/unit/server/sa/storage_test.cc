// The storage authority's contract (storage.h) through its public
// interface, on both engines (SQLite in memory, PostgreSQL on a fresh
// database of a cluster shared by the process): every record type
// round-trips with all its fields; the uniqueness, paging, reuse and
// all-or-nothing rules hold; and the decisions two instances could race on
// (claims, leases, nonces, secrets, locks) are taken once. SQLite-file cases
// (restart, kill -9, migrations) are in sqlite_storage_file_test.cc; the
// PostgreSQL-only ones (two instances racing, server restart) in
// postgres_storage_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include "server/sa/columns.h"
#include "server/sa/storage.h"
#include "server/sa/storage_test_locks.h"
#include "storage_test_records.h"
#include "support/storage_engines.h"

namespace acmekit::server::sa {
namespace {

using namespace std::chrono_literals;
using test::account;
using test::authz;
using test::base_time;
using test::certificate;
using test::expect_same;
using test::order;
using test_support::Engine;

class StorageTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    where = test_support::fresh_engine_database(GetParam());
    db = open();
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add_account(account("acct-a", "thumb-a")));
    ASSERT_TRUE(db->add_account(account("acct-b", "thumb-b")));
  }
  // Another storage on the same database: a second instance (PostgreSQL);
  // on SQLite in memory, a database of its own.
  std::unique_ptr<Storage> open() {
    auto opened = test_support::open_engine(where);
    EXPECT_TRUE(opened) << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
  }
  bool postgres() const { return GetParam() == Engine::kPostgres; }

  test_support::EngineDatabase where;
  std::unique_ptr<Storage> db;
};

TEST_P(StorageTest, AccountRoundTripsWithEveryField) {
  AccountRecord a = account("acct-c", "thumb-c");
  a.contact = {"mailto:one@example.com", "mailto:two@example.com"};
  a.status = AcmeStatus::kDeactivated;
  a.eab_kid = "kid-1";
  ASSERT_TRUE(db->add_eab_key({.kid = "kid-1", .hmac_key = "k", .created = base_time()}));
  ASSERT_TRUE(db->add_account(a));

  auto by_id = db->get_account("acct-c");
  ASSERT_TRUE(by_id) << by_id.error().message();
  ASSERT_TRUE(by_id->has_value());
  expect_same(**by_id, a);
  auto by_key = db->get_account_by_thumbprint("thumb-c");
  ASSERT_TRUE(by_key && by_key->has_value());
  expect_same(**by_key, a);

  auto missing = db->get_account("nobody");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(db->get_account_by_thumbprint("no-such-key")->has_value());
}

TEST_P(StorageTest, KeyThumbprintBelongsToOneAccount) {
  auto same_key = db->add_account(account("acct-c", "thumb-a"));
  ASSERT_FALSE(same_key);
  EXPECT_EQ(same_key.error().kind, ErrorKind::kAlreadyExists);
  EXPECT_NE(same_key.error().detail.find("key_thumbprint"), std::string::npos) << same_key.error().detail;
  EXPECT_FALSE(db->get_account("acct-c")->has_value());

  auto same_id = db->add_account(account("acct-a", "thumb-new"));
  ASSERT_FALSE(same_id);
  EXPECT_EQ(same_id.error().kind, ErrorKind::kAlreadyExists);

  // Key rollover (RFC 8555 §7.3.5) onto another account's key is refused
  // and changes nothing.
  AccountRecord rolled = account("acct-b", "thumb-a");
  rolled.contact = {"mailto:changed@example.com"};
  auto taken = db->update_account(rolled);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, ErrorKind::kAlreadyExists);
  expect_same(**db->get_account("acct-b"), account("acct-b", "thumb-b"));
}

TEST_P(StorageTest, UpdateAccountReplacesKeyContactAndStatus) {
  AccountRecord a = account("acct-a", "thumb-rolled");
  a.jwk_json = R"({"kty":"EC","crv":"P-256","x":"new","y":"new"})";
  a.contact = {"mailto:new@example.com"};
  a.status = AcmeStatus::kDeactivated;
  ASSERT_TRUE(db->update_account(a));

  expect_same(**db->get_account("acct-a"), a);
  EXPECT_FALSE(db->get_account_by_thumbprint("thumb-a")->has_value());
  EXPECT_EQ((*db->get_account_by_thumbprint("thumb-rolled"))->id, "acct-a");

  auto missing = db->update_account(account("nobody", "thumb-z"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
}

TEST_P(StorageTest, OrderRoundTripsWithItsAuthorizations) {
  AuthzRecord reused = authz("authz-old", "acct-a", "old.example.com", AcmeStatus::kValid, base_time() + 24h);
  ASSERT_TRUE(db->add_authz(reused));

  AuthzRecord plain = authz("authz-1", "acct-a", "example.com", AcmeStatus::kPending, base_time() + 7 * 24h);
  AuthzRecord wild = authz("authz-2", "acct-a", "example.com", AcmeStatus::kPending, base_time() + 7 * 24h);
  wild.wildcard = true;
  wild.challenges = {{.type = ChallengeType::kDns01, .token = "tok-dns", .status = AcmeStatus::kInvalid,
                      .validated = base_time() + 5min, .error_json = R"({"type":"urn:x","detail":"no TXT"})"}};
  OrderRecord o = order("order-1", "acct-a", {"*.example.com", "example.com", "old.example.com"},
                        {"authz-2", "authz-1", "authz-old"});
  o.status = AcmeStatus::kInvalid;
  o.not_before = base_time();
  o.not_after = base_time() + 90 * 24h;
  o.error_json = R"({"type":"urn:ietf:params:acme:error:unauthorized"})";
  o.certificate_id = "00ff";
  o.profile = "shortlived";  // draft-ietf-acme-profiles §4
  ASSERT_TRUE(db->add_order(o, {plain, wild}));

  auto got = db->get_order("order-1");
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_TRUE(got->has_value());
  expect_same(**got, o);
  expect_same(**db->get_authz("authz-1"), plain);
  expect_same(**db->get_authz("authz-2"), wild);
  expect_same(**db->get_authz("authz-old"), reused);

  // Optional times stay absent.
  OrderRecord bare = order("order-2", "acct-a", {"example.org"}, {"authz-1"});
  ASSERT_TRUE(db->add_order(bare, {}));
  expect_same(**db->get_order("order-2"), bare);
  EXPECT_FALSE(db->get_order("order-none")->has_value());
  EXPECT_FALSE(db->get_authz("authz-none")->has_value());
}

TEST_P(StorageTest, AddOrderIsAllOrNothing) {
  // The second link points at an authorization that does not exist: the
  // new authorization and the order must not be stored either.
  OrderRecord o = order("order-1", "acct-a", {"a.example", "b.example"}, {"authz-1", "authz-missing"});
  auto added = db->add_order(o, {authz("authz-1", "acct-a", "a.example", AcmeStatus::kPending, base_time() + 24h)});
  ASSERT_FALSE(added);
  EXPECT_FALSE(db->get_order("order-1")->has_value());
  EXPECT_FALSE(db->get_authz("authz-1")->has_value());

  auto unknown_account = db->add_order(order("order-2", "nobody", {"a.example"}, {}), {});
  ASSERT_FALSE(unknown_account);
  EXPECT_EQ(unknown_account.error().kind, ErrorKind::kNotFound);
}

TEST_P(StorageTest, UpdateOrderAndAuthzReplaceTheirMutableFields) {
  AuthzRecord a = authz("authz-1", "acct-a", "example.com", AcmeStatus::kPending, base_time() + 24h);
  OrderRecord o = order("order-1", "acct-a", {"example.com"}, {"authz-1"});
  ASSERT_TRUE(db->add_order(o, {a}));

  a.status = AcmeStatus::kValid;
  a.expires = base_time() + 30 * 24h;
  a.challenges[0].status = AcmeStatus::kValid;
  a.challenges[0].validated = base_time() + 1min;
  ASSERT_TRUE(db->update_authz(a));
  expect_same(**db->get_authz("authz-1"), a);

  o.status = AcmeStatus::kInvalid;
  o.error_json = R"({"detail":"CAA forbids"})";
  ASSERT_TRUE(db->update_order(o));
  expect_same(**db->get_order("order-1"), o);

  auto missing_order = db->update_order(order("order-none", "acct-a", {}, {}));
  ASSERT_FALSE(missing_order);
  EXPECT_EQ(missing_order.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(db->update_authz(authz("authz-none", "acct-a", "x.example", AcmeStatus::kValid, base_time())));
}

TEST_P(StorageTest, ListsOrderIdsOldestFirstInPages) {
  std::vector<std::string> mine;
  for (int i = 0; i < 5; ++i) {
    // Ids that sort differently from creation order, and another account's
    // orders in between.
    std::string id = "order-" + std::string(1, static_cast<char>('z' - i));
    ASSERT_TRUE(db->add_order(order(id, "acct-a", {"example.com"}, {}), {}));
    ASSERT_TRUE(db->add_order(order("other-" + std::to_string(i), "acct-b", {"example.com"}, {}), {}));
    mine.push_back(id);
  }
  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  while (true) {
    auto page = db->list_order_ids("acct-a", after, 2);
    ASSERT_TRUE(page) << page.error().message();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    seen.insert(seen.end(), page->begin(), page->end());
    after = page->back();
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(seen, mine);
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(db->list_order_ids("acct-a", "", 0)->empty());
  EXPECT_TRUE(db->list_order_ids("acct-a", "no-such-order", 10)->empty());
  EXPECT_TRUE(db->list_order_ids("acct-a", "other-0", 10)->empty());  // not this account's order
  EXPECT_EQ(db->list_order_ids("acct-b", "", 100)->size(), 5u);
}

TEST_P(StorageTest, FindValidAuthzPicksTheLatestExpiringUsableOne) {
  const TimePoint now = base_time();
  std::vector<AuthzRecord> all = {
      authz("soon", "acct-a", "example.com", AcmeStatus::kValid, now + 10 * 24h),
      authz("best", "acct-a", "example.com", AcmeStatus::kValid, now + 20 * 24h),
      authz("pending", "acct-a", "example.com", AcmeStatus::kPending, now + 30 * 24h),
      authz("revoked", "acct-a", "example.com", AcmeStatus::kRevoked, now + 31 * 24h),
      authz("other-name", "acct-a", "example.net", AcmeStatus::kValid, now + 50 * 24h),
      authz("other-account", "acct-b", "example.com", AcmeStatus::kValid, now + 60 * 24h),
      authz("expired", "acct-a", "example.com", AcmeStatus::kValid, now - 1h),
  };
  AuthzRecord wild = authz("wild", "acct-a", "example.com", AcmeStatus::kValid, now + 40 * 24h);
  wild.wildcard = true;
  all.push_back(wild);
  AuthzRecord ip = authz("ip", "acct-a", "example.com", AcmeStatus::kValid, now + 45 * 24h);
  ip.identifier.type = "ip";
  all.push_back(ip);
  for (const auto& a : all) ASSERT_TRUE(db->add_authz(a));

  const wire::Identifier name{.type = "dns", .value = "example.com"};
  auto found = db->find_valid_authz("acct-a", name, false, now);
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_TRUE(found->has_value());
  expect_same(**found, all[1]);

  EXPECT_EQ((*db->find_valid_authz("acct-a", name, false, now + 15 * 24h))->id, "best");
  EXPECT_FALSE(db->find_valid_authz("acct-a", name, false, now + 25 * 24h)->has_value());
  EXPECT_EQ((*db->find_valid_authz("acct-a", name, true, now))->id, "wild");
  EXPECT_EQ((*db->find_valid_authz("acct-b", name, false, now))->id, "other-account");
  EXPECT_EQ((*db->find_valid_authz("acct-a", {.type = "ip", .value = "example.com"}, false, now))->id, "ip");
  EXPECT_FALSE(db->find_valid_authz("acct-a", {.type = "dns", .value = "example.org"}, false, now)->has_value());
}

class StorageCertificateTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* id : {"order-1", "order-2"}) {
      OrderRecord o = order(id, "acct-a", {"example.com"}, {});
      o.status = AcmeStatus::kProcessing;
      ASSERT_TRUE(db->add_order(o, {}));
    }
  }
};

TEST_P(StorageCertificateTest, AddCertificateMarksItsOrderValid) {
  CertificateRecord c = certificate("0a1b2c", "acct-a", "order-1", base_time());
  ASSERT_TRUE(db->add_certificate(c));

  auto got = db->get_certificate("0a1b2c");
  ASSERT_TRUE(got && got->has_value());
  expect_same(**got, c);
  auto o = **db->get_order("order-1");
  EXPECT_EQ(o.status, AcmeStatus::kValid);
  EXPECT_EQ(o.certificate_id, "0a1b2c");
  EXPECT_EQ((*db->get_order("order-2"))->status, AcmeStatus::kProcessing);
  EXPECT_FALSE(db->get_certificate("ffff")->has_value());
}

TEST_P(StorageCertificateTest, FailedAddCertificateLeavesTheOrderAlone) {
  ASSERT_TRUE(db->add_certificate(certificate("0a1b2c", "acct-a", "order-1", base_time())));
  // The same serial again, for the other order: refused, and order-2 is not
  // half-updated.
  auto dup = db->add_certificate(certificate("0a1b2c", "acct-a", "order-2", base_time()));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::kAlreadyExists);
  auto o = **db->get_order("order-2");
  EXPECT_EQ(o.status, AcmeStatus::kProcessing);
  EXPECT_EQ(o.certificate_id, "");
  EXPECT_EQ((*db->get_certificate("0a1b2c"))->order_id, "order-1");

  auto no_order = db->add_certificate(certificate("0d0e", "acct-a", "order-none", base_time()));
  ASSERT_FALSE(no_order);
  EXPECT_FALSE(db->get_certificate("0d0e")->has_value());
}

TEST_P(StorageCertificateTest, RevokesOnlyOnce) {
  ASSERT_TRUE(db->add_certificate(certificate("0a1b2c", "acct-a", "order-1", base_time())));
  const TimePoint when = base_time() + 2h;
  ASSERT_TRUE(db->revoke_certificate("0a1b2c", 1, when, ""));  // keyCompromise
  auto c = **db->get_certificate("0a1b2c");
  EXPECT_EQ(c.status, AcmeStatus::kRevoked);
  EXPECT_EQ(c.revocation_reason, 1);
  EXPECT_EQ(c.revoked_at, when);

  auto again = db->revoke_certificate("0a1b2c", 4, when + 1h, "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(again.error().detail.find("already revoked"), std::string::npos) << again.error().detail;
  c = **db->get_certificate("0a1b2c");
  EXPECT_EQ(c.revocation_reason, 1);
  EXPECT_EQ(c.revoked_at, when);

  auto unknown = db->revoke_certificate("ffff", 0, when, "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

TEST_P(StorageCertificateTest, AKeyCompromiseRevocationBlocksTheKeyWithIt) {
  ASSERT_TRUE(db->add_certificate(certificate("0a1b2c", "acct-a", "order-1", base_time())));
  EXPECT_FALSE(*db->is_key_blocked("spki-hash"));
  ASSERT_TRUE(db->revoke_certificate("0a1b2c", 1, base_time() + 1h, "spki-hash"));
  EXPECT_TRUE(*db->is_key_blocked("spki-hash"));
  EXPECT_FALSE(*db->is_key_blocked("other-hash"));
  // A refused revocation (already revoked) blocks nothing.
  ASSERT_FALSE(db->revoke_certificate("0a1b2c", 1, base_time() + 2h, "second-hash"));
  EXPECT_FALSE(*db->is_key_blocked("second-hash"));
}

TEST_P(StorageCertificateTest, AReplacementOrderMarksItsCertificateWhenFinalized) {
  // RFC 9773 §5: the order records what it replaces; the certificate is
  // marked once that order gets its certificate.
  ASSERT_TRUE(db->add_certificate(certificate("0a", "acct-a", "order-1", base_time())));
  OrderRecord r = order("order-r", "acct-a", {"example.com"}, {});
  r.status = AcmeStatus::kProcessing;
  r.replaces = "aki.AA";
  r.replaces_certificate_id = "0a";
  ASSERT_TRUE(db->add_order(r, {}));
  expect_same(**db->get_order("order-r"), r);
  EXPECT_EQ(*db->list_replacing_order_ids("0a"), std::vector<std::string>{"order-r"});
  EXPECT_TRUE(db->list_replacing_order_ids("0b")->empty());
  EXPECT_EQ((*db->get_certificate("0a"))->replaced_by_order, "");

  // An ordinary order's certificate marks nothing.
  ASSERT_TRUE(db->add_certificate(certificate("0c", "acct-a", "order-2", base_time())));
  EXPECT_EQ((*db->get_certificate("0a"))->replaced_by_order, "");

  ASSERT_TRUE(db->add_certificate(certificate("0b", "acct-a", "order-r", base_time() + 1h)));
  EXPECT_EQ((*db->get_certificate("0a"))->replaced_by_order, "order-r");
  EXPECT_EQ((*db->get_certificate("0b"))->replaced_by_order, "");
  EXPECT_EQ((*db->get_certificate("0c"))->replaced_by_order, "");
}

TEST_P(StorageCertificateTest, CountsAnAccountsCertificatesSince) {
  ASSERT_TRUE(db->add_certificate(certificate("01", "acct-a", "order-1", base_time() - 48h)));
  ASSERT_TRUE(db->add_certificate(certificate("02", "acct-a", "order-2", base_time())));
  ASSERT_TRUE(db->add_order(order("order-b", "acct-b", {"example.com"}, {}), {}));
  ASSERT_TRUE(db->add_certificate(certificate("03", "acct-b", "order-b", base_time())));

  EXPECT_EQ(*db->count_certificates_since("acct-a", base_time() - 72h), 2u);
  EXPECT_EQ(*db->count_certificates_since("acct-a", base_time() - 24h), 1u);
  EXPECT_EQ(*db->count_certificates_since("acct-a", base_time() + 1h), 0u);
  EXPECT_EQ(*db->count_certificates_since("acct-b", base_time() - 72h), 1u);
}

TEST_P(StorageCertificateTest, ListsRevokedCertificatesNotYetExpired) {
  OrderRecord third = order("order-3", "acct-a", {"example.com"}, {});
  third.status = AcmeStatus::kProcessing;
  ASSERT_TRUE(db->add_order(third, {}));
  CertificateRecord soon = certificate("0a", "acct-a", "order-1", base_time());
  soon.not_after = base_time() + 24h;
  CertificateRecord later = certificate("0b", "acct-a", "order-2", base_time());  // notAfter + 90 days
  CertificateRecord kept = certificate("0c", "acct-a", "order-3", base_time());   // never revoked
  for (const auto& c : {soon, later, kept}) ASSERT_TRUE(db->add_certificate(c));
  EXPECT_TRUE(db->list_revoked_certificates(base_time())->empty());
  ASSERT_TRUE(db->revoke_certificate("0b", 4, base_time() + 1h, ""));
  ASSERT_TRUE(db->revoke_certificate("0a", 1, base_time() + 2h, ""));

  auto all = db->list_revoked_certificates(base_time());
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  // Soonest-expiring first, with what a CRL entry needs.
  EXPECT_EQ((*all)[0].serial_hex, "0a");
  EXPECT_EQ((*all)[0].reason, 1);
  EXPECT_EQ((*all)[0].revoked_at, base_time() + 2h);
  EXPECT_EQ((*all)[0].not_after, soon.not_after);
  EXPECT_EQ((*all)[1].serial_hex, "0b");
  EXPECT_EQ((*all)[1].reason, 4);
  EXPECT_EQ((*all)[1].not_after, later.not_after);
  // notAfter at or before the bound: left out.
  auto unexpired = db->list_revoked_certificates(soon.not_after);
  ASSERT_TRUE(unexpired);
  ASSERT_EQ(unexpired->size(), 1u);
  EXPECT_EQ((*unexpired)[0].serial_hex, "0b");
  EXPECT_TRUE(db->list_revoked_certificates(later.not_after)->empty());
}

CrlRecord crl(int shard, std::int64_t number, const std::string& der) {
  return CrlRecord{.shard = shard, .number = number, .this_update = base_time() + std::chrono::milliseconds(number),
                   .next_update = base_time() + std::chrono::milliseconds(number) + 2h, .der = der};
}

TEST_P(StorageTest, StoresOneCrlPerNumberAndServesTheLatest) {
  EXPECT_FALSE(db->latest_crl(0)->has_value());
  ASSERT_TRUE(db->add_crls({crl(0, 100, (std::string{'\x30', '\x00'} + "der-0")), crl(1, 100, "der-1")}));
  auto got = db->latest_crl(0);
  ASSERT_TRUE(got && got->has_value()) << (got ? "" : got.error().message());
  EXPECT_EQ((*got)->shard, 0);
  EXPECT_EQ((*got)->number, 100);
  EXPECT_EQ((*got)->der, (std::string{'\x30', '\x00'} + "der-0"));  // bytes, NULs included
  EXPECT_EQ((*got)->this_update, base_time() + 100ms);
  EXPECT_EQ((*got)->next_update, base_time() + 100ms + 2h);
  EXPECT_EQ((**db->latest_crl(1)).der, "der-1");
  EXPECT_FALSE(db->latest_crl(2)->has_value());

  // A second CRL of a number is refused, with the whole generation.
  auto dup = db->add_crls({crl(0, 101, "new-0"), crl(1, 100, "other-1")});
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::kAlreadyExists);
  EXPECT_EQ((**db->latest_crl(0)).number, 100);
  EXPECT_EQ((**db->latest_crl(1)).der, "der-1");

  ASSERT_TRUE(db->add_crls({crl(0, 200, "der-0b"), crl(1, 200, "der-1b")}));
  EXPECT_EQ((**db->latest_crl(0)).der, "der-0b");
  EXPECT_EQ((**db->latest_crl(1)).number, 200);
  // Older ones are gone: the old number can be neither served nor reused
  // by mistake (it is lower than the latest).
  ASSERT_TRUE(db->add_crls({crl(0, 150, "late")}));  // a lower number is stored, not served
  EXPECT_EQ((**db->latest_crl(0)).der, "der-0b");
}

TEST_P(StorageTest, RacingCrlGenerationsStoreOneCrlPerNumber) {
  // Instances racing on one number (each with its own storage: on
  // PostgreSQL, its own connections): exactly one generation lands.
  std::vector<std::unique_ptr<Storage>> instances;
  for (int i = 0; i < 4; ++i) instances.push_back(postgres() ? open() : nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> stored{0}, refused{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Storage& s = instances[i] ? *instances[i] : *db;
      auto r = s.add_crls({crl(0, 500, "instance-" + std::to_string(i)), crl(1, 500, "instance-" + std::to_string(i))});
      if (r) {
        ++stored;
      } else {
        EXPECT_EQ(r.error().kind, ErrorKind::kAlreadyExists) << r.error().message();
        ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(refused.load(), 3);
  EXPECT_EQ((**db->latest_crl(0)).der, (**db->latest_crl(1)).der);
}

TEST_P(StorageTest, EabKeyBindsToOneAccountOnce) {
  // Raw MAC bytes, including NUL and high bytes, come back exactly.
  const std::string mac("\x00\x01\xfe\xff key \x00 bytes", 16);
  EabKeyRecord k{.kid = "kid-1", .hmac_key = mac, .created = base_time()};
  ASSERT_TRUE(db->add_eab_key(k));
  expect_same(**db->get_eab_key("kid-1"), k);
  EXPECT_FALSE(db->add_eab_key(k));  // the kid is taken

  ASSERT_TRUE(db->bind_eab_key("kid-1", "acct-a"));
  EXPECT_EQ((*db->get_eab_key("kid-1"))->account_id, "acct-a");
  auto again = db->bind_eab_key("kid-1", "acct-b");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_EQ((*db->get_eab_key("kid-1"))->account_id, "acct-a");

  auto unknown = db->bind_eab_key("kid-none", "acct-a");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(db->get_eab_key("kid-none")->has_value());
}

TEST_P(StorageTest, AnAccountAndItsEabBindingAreOneTransaction) {
  // RFC 8555 §7.3.4: the key is bound with the account or not at all; a
  // refused account burns no key, a refused binding creates no account.
  ASSERT_TRUE(db->add_eab_key({.kid = "kid-1", .hmac_key = "mac", .created = base_time()}));
  AccountRecord a = account("acct-e", "thumb-e");
  a.eab_kid = "kid-1";
  ASSERT_TRUE(db->add_account(a));
  EXPECT_EQ((*db->get_eab_key("kid-1"))->account_id, "acct-e");

  AccountRecord b = account("acct-f", "thumb-f");
  b.eab_kid = "kid-1";  // bound already
  auto taken = db->add_account(b);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_FALSE(db->get_account("acct-f")->has_value());

  b.eab_kid = "kid-none";
  auto unknown = db->add_account(b);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(db->get_account("acct-f")->has_value());

  // The account insert fails (its key is acct-e's): the key stays unbound.
  ASSERT_TRUE(db->add_eab_key({.kid = "kid-2", .hmac_key = "mac", .created = base_time()}));
  AccountRecord c = account("acct-g", "thumb-e");
  c.eab_kid = "kid-2";
  ASSERT_FALSE(db->add_account(c));
  EXPECT_EQ((*db->get_eab_key("kid-2"))->account_id, "");
}

TEST_P(StorageTest, ConcurrentWritersAllLand) {
  constexpr int kThreads = 4, kEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "order-" + std::to_string(t) + "-" + std::to_string(i);
        AuthzRecord a = authz("authz-" + id, "acct-a", id + ".example", AcmeStatus::kPending, base_time() + 24h);
        if (!db->add_order(order(id, "acct-a", {id + ".example"}, {a.id}), {a})) ++failures;
        if (!db->get_order(id)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(db->list_order_ids("acct-a", "", 1000)->size(), static_cast<std::size_t>(kThreads * kEach));
}

// Writers at once, one in three failing half-way (its second authorization
// link is missing): each failing one leaves nothing behind, the others land
// whole, and readers meanwhile see whole orders or none.
TEST_P(StorageTest, ConcurrentWritersWhereSomeFailLeaveTheOthersWhole) {
  constexpr int kThreads = 8, kEach = 30;
  std::atomic<int> unexpected{0}, torn{0};
  std::vector<std::thread> threads;
  auto broken = [](int t, int i) { return (t + i) % 3 == 0; };
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "order-" + std::to_string(t) + "-" + std::to_string(i);
        AuthzRecord a = authz("authz-" + id, "acct-a", id + ".example", AcmeStatus::kPending, base_time() + 24h);
        std::vector<std::string> links{a.id};
        if (broken(t, i)) links.push_back("authz-missing");
        const bool added = db->add_order(order(id, "acct-a", {id + ".example"}, links), {a}).has_value();
        if (added == broken(t, i)) ++unexpected;
        // Another writer's order, read while writes go on: whole or absent.
        const std::string other = "order-" + std::to_string((t + 1) % kThreads) + "-" + std::to_string(i);
        auto seen = db->get_order(other);
        if (!seen) {
          ++unexpected;
        } else if (*seen && (*seen)->authz_ids.size() != 1) {
          ++torn;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_EQ(torn, 0);
  int landed = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const std::string id = "order-" + std::to_string(t) + "-" + std::to_string(i);
      auto o = db->get_order(id);
      auto a = db->get_authz("authz-" + id);
      ASSERT_TRUE(o && a);
      if (broken(t, i)) {
        EXPECT_FALSE(o->has_value()) << id;
        EXPECT_FALSE(a->has_value()) << id;
      } else {
        ASSERT_TRUE(o->has_value()) << id;
        EXPECT_EQ((*o)->authz_ids, std::vector<std::string>{"authz-" + id});
        EXPECT_TRUE(a->has_value()) << id;
        ++landed;
      }
    }
  }
  EXPECT_EQ(db->list_order_ids("acct-a", "", 1000)->size(), static_cast<std::size_t>(landed));
}

// Rate limits: counts over (since, now], newest times first, at most `keep`.
TEST_P(StorageTest, CountsAnAccountsOrdersInAWindow) {
  for (int i = 0; i < 4; ++i) {
    OrderRecord o = order("order-" + std::to_string(i), "acct-a", {"example.com"}, {});
    o.created = base_time() + i * 1h;
    ASSERT_TRUE(db->add_order(o, {}));
  }
  ASSERT_TRUE(db->add_order(order("order-b", "acct-b", {"example.com"}, {}), {}));

  auto w = db->count_orders("acct-a", base_time(), 2);  // after base_time: orders 1, 2, 3
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w->count, 3u);
  EXPECT_EQ(w->newest, (std::vector<TimePoint>{base_time() + 3h, base_time() + 2h}));
  EXPECT_EQ(db->count_orders("acct-a", base_time() - 1ms, 10)->count, 4u);
  EXPECT_EQ(db->count_orders("acct-a", base_time() + 3h, 10)->count, 0u);
  EXPECT_EQ(db->count_orders("acct-b", base_time() - 1h, 10)->count, 1u);
  EXPECT_EQ(db->count_orders("nobody", base_time() - 1h, 10)->count, 0u);
}

TEST_P(StorageCertificateTest, CountsCertificatesPerDomainAndNameSet) {
  // One order per certificate (the certificate marks its order valid).
  int n = 0;
  auto issue = [&](std::vector<wire::Identifier> ids, TimePoint issued, bool renewal = false) {
    const std::string id = "c" + std::to_string(++n);
    ASSERT_TRUE(db->add_order(order("order-" + id, "acct-a", {"example.com"}, {}), {}));
    CertificateRecord c = certificate("0" + id, "acct-a", "order-" + id, issued);
    c.identifiers = std::move(ids);
    c.renewal = renewal;
    ASSERT_TRUE(db->add_certificate(c));
    expect_same(**db->get_certificate(c.id), c);
  };
  const wire::Identifier apex{.type = "dns", .value = "example.com"};
  const wire::Identifier www{.type = "dns", .value = "www.example.com"};
  issue({apex, www}, base_time());                                          // 2 names, one certificate
  issue({{.type = "dns", .value = "*.a.example.com"}}, base_time() + 1h);   // wildcard under the domain
  issue({{.type = "dns", .value = "example.com.evil"}}, base_time() + 1h);  // another domain
  issue({{.type = "dns", .value = "myexample.com"}}, base_time() + 1h);     // not under example.com
  issue({{.type = "dns", .value = "example-x.com"}}, base_time() + 1h);     // sorts inside a naive range
  issue({www, apex}, base_time() + 2h, /*renewal=*/true);                   // renewals do not count per domain
  issue({{.type = "ip", .value = "192.0.2.1"}}, base_time() + 2h);

  auto under = db->count_certificates_under(apex, base_time() - 1ms, 10);
  ASSERT_TRUE(under) << under.error().message();
  EXPECT_EQ(under->count, 2u);
  EXPECT_EQ(under->newest, (std::vector<TimePoint>{base_time() + 1h, base_time()}));
  EXPECT_EQ(db->count_certificates_under(apex, base_time(), 10)->count, 1u);
  EXPECT_EQ(db->count_certificates_under({.type = "dns", .value = "a.example.com"}, base_time() - 1ms, 10)->count, 1u);
  EXPECT_EQ(db->count_certificates_under({.type = "dns", .value = "com"}, base_time() - 1ms, 10)->count, 4u);
  EXPECT_EQ(db->count_certificates_under({.type = "ip", .value = "192.0.2.1"}, base_time() - 1ms, 10)->count, 1u);
  EXPECT_EQ(db->count_certificates_under({.type = "ip", .value = "192.0.2.2"}, base_time() - 1ms, 10)->count, 0u);

  // The exact set, in any order and case, renewals included.
  auto set = db->count_certificates_for_set({{.type = "dns", .value = "WWW.example.com"}, apex}, base_time() - 1ms, 1);
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_EQ(set->count, 2u);
  EXPECT_EQ(set->newest, std::vector<TimePoint>{base_time() + 2h});
  EXPECT_EQ(db->count_certificates_for_set({apex}, base_time() - 1ms, 5)->count, 0u);
  EXPECT_EQ(db->count_certificates_for_set({apex, www, apex}, base_time() + 1h, 5)->count, 1u);
  EXPECT_TRUE(*db->certificate_set_issued({www, apex}));
  EXPECT_FALSE(*db->certificate_set_issued({www}));
}

TEST_P(StorageTest, CountsFailedValidationsPerAccountAndIdentifier) {
  auto failed = [&](const std::string& id, const std::string& account, const std::string& name, TimePoint when) {
    AuthzRecord a = authz(id, account, name, AcmeStatus::kInvalid, base_time() + 24h);
    a.failed = when;
    ASSERT_TRUE(db->add_authz(a));
    expect_same(**db->get_authz(id), a);
  };
  failed("f1", "acct-a", "example.com", base_time());
  failed("f2", "acct-a", "example.com", base_time() + 10min);
  failed("f3", "acct-a", "www.example.com", base_time());
  failed("f4", "acct-b", "example.com", base_time());
  ASSERT_TRUE(db->add_authz(authz("p1", "acct-a", "example.com", AcmeStatus::kPending, base_time() + 24h)));
  // A validation that failed later is recorded by update_authz.
  AuthzRecord later = authz("p2", "acct-a", "example.com", AcmeStatus::kPending, base_time() + 24h);
  ASSERT_TRUE(db->add_authz(later));
  later.status = AcmeStatus::kInvalid;
  later.failed = base_time() + 20min;
  ASSERT_TRUE(db->update_authz(later));

  const wire::Identifier name{.type = "dns", .value = "example.com"};
  auto w = db->count_failed_validations("acct-a", name, base_time() - 1ms, 2);
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w->count, 3u);
  EXPECT_EQ(w->newest, (std::vector<TimePoint>{base_time() + 20min, base_time() + 10min}));
  EXPECT_EQ(db->count_failed_validations("acct-a", name, base_time(), 5)->count, 2u);
  EXPECT_EQ(db->count_failed_validations("acct-b", name, base_time() - 1ms, 5)->count, 1u);
  EXPECT_EQ(db->count_failed_validations("acct-a", {.type = "ip", .value = "example.com"}, base_time() - 1ms, 5)->count,
            0u);
}

TEST(StorageKeys, NameSetAndReversedName) {
  const wire::Identifier a{.type = "dns", .value = "a.example"}, b{.type = "dns", .value = "B.example"};
  EXPECT_EQ(name_set_key({a, b}), name_set_key({{.type = "dns", .value = "b.example"}, a, a}));
  EXPECT_NE(name_set_key({a, b}), name_set_key({a}));
  EXPECT_NE(name_set_key({a}), name_set_key({{.type = "ip", .value = "a.example"}}));
  EXPECT_EQ(name_set_key({a}).size(), 64u);
  EXPECT_EQ(reversed_name({.type = "dns", .value = "www.Example.com"}), "com.example.www");
  EXPECT_EQ(reversed_name({.type = "dns", .value = "*.example.com"}), "com.example.*");
  EXPECT_EQ(reversed_name({.type = "dns", .value = "localhost"}), "localhost");
  EXPECT_EQ(reversed_name({.type = "ip", .value = "2001:db8::1"}), "2001:db8::1");
}

// ---- Decisions two instances could race on (issue 14), on both engines.

// A pending authorization whose challenge `challenge` is in that state.
AuthzRecord validating(const std::string& id, AcmeStatus challenge = AcmeStatus::kProcessing,
                       AcmeStatus status = AcmeStatus::kPending) {
  AuthzRecord a = authz(id, "acct-a", id + ".example", status, base_time() + 24h);
  a.challenges[1].status = challenge;
  return a;
}

TEST_P(StorageTest, ClaimValidationLeasesToOneOwnerUntilTheLeaseRunsOut) {
  const TimePoint now = base_time();
  ASSERT_TRUE(db->add_authz(validating("auth-1")));

  auto first = db->claim_validation("auth-1", "instance-a", now, now + 1min);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);  // never claimed: free
  // Held: another owner is refused, up to and including the lease's end.
  EXPECT_FALSE(*db->claim_validation("auth-1", "instance-b", now + 10s, now + 2min));
  EXPECT_FALSE(*db->claim_validation("auth-1", "instance-b", now + 1min, now + 2min));
  // Ran out (the owner died): another instance takes it over, and holds it.
  EXPECT_TRUE(*db->claim_validation("auth-1", "instance-b", now + 1min + 1ms, now + 3min));
  EXPECT_FALSE(*db->claim_validation("auth-1", "instance-a", now + 2min, now + 4min));

  // Not being validated: nothing to claim.
  ASSERT_TRUE(db->add_authz(validating("auth-pending", AcmeStatus::kPending)));
  EXPECT_FALSE(*db->claim_validation("auth-pending", "instance-a", now, now + 1min));
  ASSERT_TRUE(db->add_authz(validating("auth-valid", AcmeStatus::kValid, AcmeStatus::kValid)));
  EXPECT_FALSE(*db->claim_validation("auth-valid", "instance-a", now, now + 1min));
  EXPECT_FALSE(*db->claim_validation("auth-none", "instance-a", now, now + 1min));
  // A validation that ended (update_authz) cannot be claimed any more.
  AuthzRecord done = validating("auth-1", AcmeStatus::kValid, AcmeStatus::kValid);
  ASSERT_TRUE(db->update_authz(done));
  EXPECT_FALSE(*db->claim_validation("auth-1", "instance-c", now + 1h, now + 2h));
}

TEST_P(StorageTest, ListsValidationsWhoseLeaseRanOut) {
  const TimePoint now = base_time();
  ASSERT_TRUE(db->add_authz(validating("never-claimed")));
  ASSERT_TRUE(db->add_authz(validating("leased")));
  ASSERT_TRUE(db->add_authz(validating("not-validating", AcmeStatus::kPending)));
  ASSERT_TRUE(db->add_authz(validating("invalid", AcmeStatus::kProcessing, AcmeStatus::kInvalid)));
  ASSERT_TRUE(*db->claim_validation("leased", "instance-a", now, now + 1min));

  auto sorted = [](Result<std::vector<std::string>> ids) {
    EXPECT_TRUE(ids) << ids.error().message();
    std::vector<std::string> out = ids ? *ids : std::vector<std::string>{};
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(sorted(db->list_validating_authz_ids(now)), std::vector<std::string>{"never-claimed"});
  EXPECT_EQ(sorted(db->list_validating_authz_ids(now + 1min)), std::vector<std::string>{"never-claimed"});
  EXPECT_EQ(sorted(db->list_validating_authz_ids(now + 1min + 1ms)),
            (std::vector<std::string>{"leased", "never-claimed"}));
  // Taken over: leased again, off the list until that lease runs out.
  ASSERT_TRUE(*db->claim_validation("leased", "instance-b", now + 2min, now + 5min));
  EXPECT_EQ(sorted(db->list_validating_authz_ids(now + 3min)), std::vector<std::string>{"never-claimed"});
}

// A CSR's bytes as begin_finalize keeps them (binary: a NUL and a backslash).
const std::string kCsr("0\x82\x00\x01\\csr", 8);

TEST_P(StorageTest, BeginFinalizeLetsExactlyOneCallerIn) {
  const TimePoint now = base_time() + 5min;
  ASSERT_TRUE(db->add_order(order("order-1", "acct-a", {"example.com"}, {}), {}));

  auto first = db->begin_finalize("order-1", "instance-a", kCsr, now);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);
  auto o = **db->get_order("order-1");
  EXPECT_EQ(o.status, AcmeStatus::kProcessing);
  EXPECT_EQ(o.finalize_started, now);
  EXPECT_EQ(o.finalize_owner, "instance-a");
  EXPECT_EQ(o.finalize_csr, kCsr);
  auto second = db->begin_finalize("order-1", "instance-b", kCsr, now + 1s);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_FALSE(*second);
  EXPECT_EQ((*db->get_order("order-1"))->finalize_started, now);  // the winner's time stays

  // Threads racing on one pending order: one wins.
  ASSERT_TRUE(db->add_order(order("order-race", "acct-a", {"example.com"}, {}), {}));
  std::atomic<int> won{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = db->begin_finalize("order-race", "instance-a", kCsr, now);
      if (!r) ++errors;
      else if (*r) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(won, 1);

  // Only a pending order without a certificate turns processing.
  for (AcmeStatus status : {AcmeStatus::kValid, AcmeStatus::kInvalid, AcmeStatus::kReady}) {
    OrderRecord other = order("order-" + std::string(status_column(status)), "acct-a", {"example.com"}, {});
    other.status = status;
    ASSERT_TRUE(db->add_order(other, {}));
    EXPECT_FALSE(*db->begin_finalize(other.id, "instance-a", kCsr, now)) << other.id;
    EXPECT_EQ((*db->get_order(other.id))->status, status);
    EXPECT_FALSE((*db->get_order(other.id))->finalize_started.has_value());
  }
  EXPECT_FALSE(*db->begin_finalize("order-none", "instance-a", kCsr, now));
}

TEST_P(StorageTest, AStalledFinalizationIsTakenOverOnce) {
  const TimePoint now = base_time() + 5min;
  ASSERT_TRUE(db->add_order(order("order-1", "acct-a", {"example.com"}, {}), {}));
  ASSERT_TRUE(*db->begin_finalize("order-1", "instance-a", kCsr, now));
  // Not stalled until its start is older than the cut-off.
  EXPECT_TRUE(db->list_stalled_finalizations(now)->empty());
  EXPECT_EQ(*db->list_stalled_finalizations(now + 1ms), std::vector<std::string>{"order-1"});
  // Only a caller that saw the current claim takes it, once.
  EXPECT_FALSE(*db->take_over_finalize("order-1", "instance-b", now - 1s, now + 20s));
  EXPECT_TRUE(*db->take_over_finalize("order-1", "instance-b", now, now + 20s));
  EXPECT_FALSE(*db->take_over_finalize("order-1", "instance-c", now, now + 21s));
  auto o = **db->get_order("order-1");
  EXPECT_EQ(o.finalize_owner, "instance-b");
  EXPECT_EQ(o.finalize_started, now + 20s);
  EXPECT_EQ(o.finalize_csr, kCsr);
  EXPECT_TRUE(db->list_stalled_finalizations(now + 20s)->empty());
  // Finished: no longer stalled, no longer taken over.
  ASSERT_TRUE(db->add_certificate(certificate("0a", "acct-a", "order-1", now + 21s)));
  EXPECT_TRUE(db->list_stalled_finalizations(now + 1h)->empty());
  EXPECT_FALSE(*db->take_over_finalize("order-1", "instance-c", now + 20s, now + 1h));
}

TEST_P(StorageCertificateTest, AnOrderGetsOneCertificate) {
  CertificateRecord first = certificate("0a", "acct-a", "order-1", base_time());
  ASSERT_TRUE(db->add_certificate(first));
  CertificateRecord second = certificate("0b", "acct-a", "order-1", base_time() + 1min);
  auto again = db->add_certificate(second);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kFailedPrecondition) << again.error().message();
  // The first stays: the order names it, the second was not stored, and
  // its names do not count.
  auto o = **db->get_order("order-1");
  EXPECT_EQ(o.status, AcmeStatus::kValid);
  EXPECT_EQ(o.certificate_id, "0a");
  expect_same(**db->get_certificate("0a"), first);
  EXPECT_FALSE(db->get_certificate("0b")->has_value());
  EXPECT_EQ(db->count_certificates_under({.type = "dns", .value = "example.com"}, base_time() - 1h, 10)->count, 1u);
  EXPECT_EQ(*db->count_certificates_since("acct-a", base_time() - 1h), 1u);
}

TEST_P(StorageTest, RedeemsANonceOnceAndPrunesOnlyExpiredOnes) {
  const TimePoint t = base_time();
  auto first = db->redeem_nonce("nonce-1", t + 1h);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*db->redeem_nonce("nonce-1", t + 1h));
  EXPECT_FALSE(*db->redeem_nonce("nonce-1", t + 2h));  // whatever expiry is claimed
  EXPECT_TRUE(*db->redeem_nonce("nonce-2", t + 2h));

  // At its expiry a nonce is still kept; after it, forgotten.
  ASSERT_TRUE(db->prune_nonces(t + 1h));
  EXPECT_FALSE(*db->redeem_nonce("nonce-1", t + 1h));
  ASSERT_TRUE(db->prune_nonces(t + 1h + 1ms));
  EXPECT_FALSE(*db->redeem_nonce("nonce-2", t + 2h));  // not expired: remembered
  EXPECT_TRUE(*db->redeem_nonce("nonce-1", t + 1h));   // forgotten (the MAC check refuses it by then)
}

TEST_P(StorageTest, SharedSecretIsTheFirstCandidate) {
  const std::string a("\x00\x01\xfe\xff secret A", 13), b = "secret B";
  auto first = db->shared_secret("nonce-mac-key", a);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, a);
  EXPECT_EQ(*db->shared_secret("nonce-mac-key", b), a);
  EXPECT_EQ(*db->shared_secret("other", b), b);
  EXPECT_EQ(*db->shared_secret("nonce-mac-key", ""), a);

  // Racing first calls agree on one value.
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto r = db->shared_secret("raced", "candidate-" + std::to_string(t));
      got[t] = r ? *r : "error: " + r.error().message();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  EXPECT_TRUE(got[0].starts_with("candidate-")) << got[0];
}

TEST_P(StorageTest, ExclusiveLockHasOneHolderAtATime) {
  expect_mutual_exclusion({db.get()}, "rate-limits", 4, 10);
}

TEST_P(StorageTest, ExclusiveLocksOfDifferentNamesDoNotBlockEachOther) {
  auto held = db->exclusive("name-a");
  ASSERT_TRUE(held) << held.error().message();
  // Another name: taken at once although name-a is held.
  auto other = std::async(std::launch::async, [&] { return db->exclusive("name-b"); });
  ASSERT_EQ(other.wait_for(10s), std::future_status::ready) << "name-b waited for name-a";
  auto b = other.get();
  ASSERT_TRUE(b) << b.error().message();
  // The same name: waits until it is released.
  std::atomic<bool> got{false};
  auto same = std::async(std::launch::async, [&] {
    auto lock = db->exclusive("name-a");
    got = true;
    return lock;
  });
  EXPECT_EQ(same.wait_for(300ms), std::future_status::timeout);
  EXPECT_FALSE(got);
  held->reset();
  ASSERT_EQ(same.wait_for(10s), std::future_status::ready) << "name-a not handed on when released";
  auto a = same.get();
  EXPECT_TRUE(a) << a.error().message();
}

TEST_P(StorageTest, NamesItsEngine) {
  EXPECT_EQ(db->engine(), postgres() ? "postgresql" : "sqlite");
}

INSTANTIATE_TEST_SUITE_P(Engines, StorageTest, test_support::kBothEngines, test_support::engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, StorageCertificateTest, test_support::kBothEngines, test_support::engine_name);

}  // namespace
}  // namespace acmekit::server::sa
