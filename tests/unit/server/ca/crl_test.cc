// CRLs (RFC 5280 §5): the shard math, a CRL as the intermediate signs it
// (read back by OpenSSL itself), the distribution point in leaves, and the
// job over a real storage on a fake clock: one generation per period,
// increasing numbers, revocations listed in their shard with their reason
// until a period after notAfter.
#include "server/ca/crl.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "server/ca/crl_shard.h"
#include "server/sa/storage.h"
#include "support/fake_clock.h"
#include "support/storage_engines.h"

namespace acmekit::server::ca {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

TimePoint at_seconds(long long s) { return TimePoint{} + std::chrono::seconds(s); }

TEST(CrlShardTest, OneDayChunksRoundRobin) {
  EXPECT_EQ(crl_shard(at_seconds(0), 128), 0);
  EXPECT_EQ(crl_shard(at_seconds(86'399), 128), 0);
  EXPECT_EQ(crl_shard(at_seconds(86'400), 128), 1);
  EXPECT_EQ(crl_shard(at_seconds(86'400LL * 127), 128), 127);
  EXPECT_EQ(crl_shard(at_seconds(86'400LL * 128), 128), 0);
  EXPECT_EQ(crl_shard(at_seconds(86'400LL * 130 + 5), 128), 2);
  // Sub-second parts do not move a certificate (notAfter is whole seconds).
  EXPECT_EQ(crl_shard(at_seconds(86'400) - 1ms, 128), 0);
  // Before 1970: floor, not truncation, and never negative.
  EXPECT_EQ(crl_shard(at_seconds(-1), 128), 127);
  EXPECT_EQ(crl_shard(at_seconds(-86'400), 128), 127);
  EXPECT_EQ(crl_shard(at_seconds(-86'401), 128), 126);
  EXPECT_EQ(crl_shard(at_seconds(123'456'789), 1), 0);
  // Every shard of 16 gets 1/16 of a long run of days.
  std::map<int, int> counts;
  for (int day = 0; day < 16 * 10; ++day) ++counts[crl_shard(at_seconds(1'767'225'600LL + day * 86'400LL + 7), 16)];
  ASSERT_EQ(counts.size(), 16u);
  for (auto [shard, n] : counts) EXPECT_EQ(n, 10) << shard;
}

TEST(CrlShardTest, UrlOfAShard) {
  EXPECT_EQ(crl_url("http://127.0.0.1:4002", 7), "http://127.0.0.1:4002/crl/7.crl");
  EXPECT_EQ(crl_url("http://crl.internal/", 0), "http://crl.internal/crl/0.crl");
}

TEST(CrlShardTest, NextUpdateIsAPeriodPlusGrace) {
  EXPECT_EQ(crl_next_update_after(1h), 2h);
  EXPECT_EQ(crl_next_update_after(2s), 62s);
}

TEST(CrlEntriesTest, ListsTheShardsUntilAPeriodAfterNotAfter) {
  const TimePoint now = at_seconds(1'767'225'600);
  const TimePoint day = now + 24h * 10;
  const std::vector<sa::RevokedCertificate> revoked = {
      {.serial_hex = "0a", .revoked_at = now - 1h, .reason = 1, .not_after = day},
      {.serial_hex = "abc", .revoked_at = now - 2h, .reason = 0, .not_after = day + 1h},
      {.serial_hex = "0b", .revoked_at = now - 3h, .reason = 4, .not_after = day + 24h},  // the next shard
      {.serial_hex = "0c", .revoked_at = now - 4h, .reason = 5, .not_after = now - 30s},  // expired < a period ago
      {.serial_hex = "0d", .revoked_at = now - 5h, .reason = 5, .not_after = now - 2min},  // expired > a period ago
      {.serial_hex = "xyz", .revoked_at = now, .reason = 0, .not_after = day},  // not a serial: skipped
  };
  const int shards = 128, shard = crl_shard(day, shards);
  auto entries = crl_entries(revoked, shard, shards, now, 60s);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].serial, std::string("\x0a", 1));
  EXPECT_EQ(entries[0].reason, 1);
  EXPECT_EQ(entries[0].revoked_at, now - 1h);
  EXPECT_EQ(entries[1].serial, std::string("\x0a\xbc", 2));  // odd-length hex
  EXPECT_EQ(crl_entries(revoked, crl_shard(day + 24h, shards), shards, now, 60s).size(), 1u);
  auto expiring = crl_entries(revoked, crl_shard(now - 30s, shards), shards, now, 60s);
  ASSERT_EQ(expiring.size(), 1u);
  EXPECT_EQ(expiring[0].serial, std::string("\x0c", 1));
}

// ---------------------------------------------------------------- OpenSSL's view

struct CrlFree {
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
using Crl = std::unique_ptr<X509_CRL, CrlFree>;
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Crl read_crl(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  EXPECT_EQ(p, reinterpret_cast<const unsigned char*>(der.data() + der.size())) << "trailing bytes";
  return crl;
}

Cert read_pem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Cert cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

std::string bytes_of(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

std::uint64_t crl_number(X509_CRL* crl) {
  int critical = -2;
  auto* n = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, &critical, nullptr));
  EXPECT_NE(n, nullptr);
  EXPECT_EQ(critical, 0);  // RFC 5280 §5.2.3: non-critical
  std::uint64_t v = 0;
  if (n != nullptr) ASN1_INTEGER_get_uint64(&v, n);
  ASN1_INTEGER_free(n);
  return v;
}

// The single URI of a DistributionPointName's fullName.
std::string uri_of(const DIST_POINT_NAME* name) {
  if (name == nullptr || name->type != 0 || sk_GENERAL_NAME_num(name->name.fullname) != 1) return "";
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(name->name.fullname, 0);
  if (gn->type != GEN_URI) return "";
  return bytes_of(gn->d.uniformResourceIdentifier);
}

struct Idp {
  std::string uri;
  bool critical = false, only_user = false, only_ca = false;
};
Idp idp_of(X509_CRL* crl) {
  int critical = -2;
  auto* idp = static_cast<ISSUING_DIST_POINT*>(X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical,
                                                                    nullptr));
  Idp out;
  if (idp == nullptr) return out;
  out = {.uri = uri_of(idp->distpoint), .critical = critical == 1, .only_user = idp->onlyuser != 0,
         .only_ca = idp->onlyCA != 0};
  ISSUING_DIST_POINT_free(idp);
  return out;
}

std::string hex_serial(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex;
  OPENSSL_free(hex);
  BN_free(bn);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// serial (lower-case hex) -> reason code (-1: no reasonCode extension).
std::map<std::string, int> entries_of(X509_CRL* crl) {
  std::map<std::string, int> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    int critical = -2;
    auto* reason = static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &critical, nullptr));
    out[hex_serial(X509_REVOKED_get0_serialNumber(r))] = reason ? static_cast<int>(ASN1_ENUMERATED_get(reason)) : -1;
    if (reason) {
      EXPECT_EQ(critical, 0);  // RFC 5280 §5.3.1: non-critical
    }
    ASN1_ENUMERATED_free(reason);
  }
  return out;
}

TimePoint time_of(const ASN1_TIME* t) {
  std::tm tm{};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

class CrlAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "acmekit-crl-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Authority> make(AuthorityOptions options = {}) {
    auto ca = Authority::load_or_create(dir_, options);
    EXPECT_TRUE(ca) << ca.error().message();
    return ca ? std::move(*ca) : nullptr;
  }

  fs::path dir_;
};

void expect_signed_crl(const Authority& ca, const std::string& der, const std::string& url, std::uint64_t number) {
  Crl crl = read_crl(der);
  ASSERT_TRUE(crl);
  Cert intermediate = read_pem(ca.intermediate_pem());
  ASSERT_TRUE(intermediate);
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(intermediate.get())), 0);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(intermediate.get())), 1);
  EXPECT_EQ(crl_number(crl.get()), number);
  const Idp idp = idp_of(crl.get());
  EXPECT_EQ(idp.uri, url);
  EXPECT_TRUE(idp.critical);  // RFC 5280 §5.2.5
  EXPECT_TRUE(idp.only_user);
  EXPECT_FALSE(idp.only_ca);
  int critical = -2;
  auto* akid = static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, &critical, nullptr));
  ASSERT_NE(akid, nullptr);
  EXPECT_EQ(critical, 0);
  EXPECT_EQ(bytes_of(akid->keyid), bytes_of(X509_get0_subject_key_id(intermediate.get())));
  AUTHORITY_KEYID_free(akid);
}

TEST_F(CrlAuthorityTest, SignedCrlReadsBackInOpenSsl) {
  for (auto algorithm : {crypto::KeyAlgorithm::kEcP256, crypto::KeyAlgorithm::kRsa}) {
    SCOPED_TRACE(static_cast<int>(algorithm));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto ca = make({.key_spec = {.algorithm = algorithm}});
    ASSERT_TRUE(ca);
    const TimePoint now = at_seconds(1'767'225'600);
    crypto::CrlTemplate t{.number = 1'767'225'600'123ULL,
                          .this_update = now,
                          .next_update = now + 2h,
                          .distribution_point = "http://127.0.0.1:4002/crl/3.crl",
                          .entries = {{.serial = std::string("\x80\x01", 2), .revoked_at = now - 1h, .reason = 1},
                                      {.serial = std::string("\x05", 1), .revoked_at = now - 2h, .reason = 0},
                                      {.serial = std::string("\x07", 1), .revoked_at = now - 3h, .reason = 4}}};
    auto der = ca->sign_crl(t);
    ASSERT_TRUE(der) << der.error().message();
    expect_signed_crl(*ca, *der, t.distribution_point, t.number);
    Crl crl = read_crl(*der);
    ASSERT_TRUE(crl);
    EXPECT_EQ(time_of(X509_CRL_get0_lastUpdate(crl.get())), now);
    EXPECT_EQ(time_of(X509_CRL_get0_nextUpdate(crl.get())), now + 2h);
    // Positive serials (the high bit set one too); unspecified has no
    // reasonCode (RFC 5280 §5.3.1).
    EXPECT_EQ(entries_of(crl.get()), (std::map<std::string, int>{{"8001", 1}, {"05", -1}, {"07", 4}}));
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    EXPECT_EQ(time_of(X509_REVOKED_get0_revocationDate(sk_X509_REVOKED_value(revoked, 0))) <= now, true);
  }
}

TEST_F(CrlAuthorityTest, EmptyCrlHasNoRevokedListAndBadTemplatesAreRefused) {
  auto ca = make();
  ASSERT_TRUE(ca);
  const TimePoint now = at_seconds(1'767'225'600);
  crypto::CrlTemplate t{.number = 7, .this_update = now, .next_update = now + 1h,
                        .distribution_point = "http://crl.test/crl/0.crl"};
  auto der = ca->sign_crl(t);
  ASSERT_TRUE(der) << der.error().message();
  expect_signed_crl(*ca, *der, t.distribution_point, 7);
  Crl crl = read_crl(*der);
  EXPECT_EQ(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())), -1);  // absent (§5.1.2.6), not empty

  auto bad = t;
  bad.next_update = now;
  EXPECT_EQ(ca->sign_crl(bad).error().kind, ErrorKind::kInvalidArgument);
  bad = t;
  bad.entries = {{.serial = "\x01", .revoked_at = now, .reason = 7}};
  EXPECT_EQ(ca->sign_crl(bad).error().kind, ErrorKind::kInvalidArgument);
  bad = t;
  bad.distribution_point = "https://crl.test/0.crl";
  EXPECT_FALSE(ca->sign_crl(bad));
}

TEST_F(CrlAuthorityTest, LeavesNameTheirShardsCrlOnlyWhenCrlsAreOn) {
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  const auto now = std::chrono::system_clock::now();
  const TimePoint not_after = now + 24h * 90 + 1500ms;
  {
    auto off = make();
    ASSERT_TRUE(off);
    auto leaf = off->issue(key->public_key(), {{"dns", "a.test"}}, now, not_after);
    ASSERT_TRUE(leaf) << leaf.error().message();
    Cert cert = read_pem(leaf->leaf_pem);
    EXPECT_EQ(X509_get_ext_by_NID(cert.get(), NID_crl_distribution_points, -1), -1);
  }
  auto ca = make({.crl_url_base = "http://127.0.0.1:4002", .crl_shards = 16});
  ASSERT_TRUE(ca);
  auto leaf = ca->issue(key->public_key(), {{"dns", "a.test"}}, now, not_after);
  ASSERT_TRUE(leaf) << leaf.error().message();
  Cert cert = read_pem(leaf->leaf_pem);
  int critical = -2;
  auto* points = static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert.get(), NID_crl_distribution_points, &critical,
                                                                nullptr));
  ASSERT_NE(points, nullptr);
  EXPECT_EQ(critical, 0);
  ASSERT_EQ(sk_DIST_POINT_num(points), 1);
  const DIST_POINT* point = sk_DIST_POINT_value(points, 0);
  // The shard of the notAfter as encoded: the one the CRL job computes from
  // the stored record.
  EXPECT_EQ(uri_of(point->distpoint), crl_url("http://127.0.0.1:4002", crl_shard(leaf->not_after, 16)));
  EXPECT_EQ(point->reasons, nullptr);
  EXPECT_EQ(point->CRLissuer, nullptr);
  CRL_DIST_POINTS_free(points);

  EXPECT_FALSE(Authority::load_or_create(dir_, {.crl_url_base = "http://x", .crl_shards = 0}));
}

// ---------------------------------------------------------------- the job

class CrlPublisherTest : public CrlAuthorityTest {
 protected:
  void SetUp() override {
    CrlAuthorityTest::SetUp();
    ca = make({.crl_url_base = kBase, .crl_shards = kShards});
    ASSERT_TRUE(ca);
    auto opened = sa::open_sqlite(":memory:");
    ASSERT_TRUE(opened) << opened.error().message();
    db = std::move(*opened);
    ASSERT_TRUE(db->add_account({.id = "acct", .jwk_json = "{}", .key_thumbprint = "thumb", .created = clock.now()}));
  }

  // A certificate in the database with this notAfter (its serial is id).
  void add_certificate(const std::string& id, TimePoint not_after) {
    OrderRecord o{.id = "order-" + id, .account_id = "acct", .status = AcmeStatus::kProcessing,
                  .created = clock.now(), .expires = clock.now() + 1h, .identifiers = {{"dns", "a.test"}}};
    ASSERT_TRUE(db->add_order(o, {}));
    ASSERT_TRUE(db->add_certificate({.id = id, .account_id = "acct", .order_id = o.id, .leaf_pem = "x",
                                     .not_before = clock.now(), .not_after = not_after,
                                     .identifiers = o.identifiers, .issued = clock.now()}));
  }

  std::optional<sa::CrlRecord> latest(int shard) {
    auto r = db->latest_crl(shard);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return std::nullopt;
    return *r;
  }

  static constexpr const char* kBase = "http://127.0.0.1:4002";
  static constexpr int kShards = 4;
  test_support::FakeClock clock;
  std::unique_ptr<Authority> ca;
  std::unique_ptr<sa::Storage> db;
};

TEST_F(CrlPublisherTest, OneGenerationPerPeriodWithIncreasingNumbers) {
  CrlPublisher publisher(*db, *ca, clock, {.url_base = kBase, .shards = kShards, .period = 60s});
  EXPECT_FALSE(latest(0));
  auto made = publisher.run_once();
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(*made, kShards);
  std::vector<std::int64_t> first;
  for (int shard = 0; shard < kShards; ++shard) {
    auto crl = latest(shard);
    ASSERT_TRUE(crl) << shard;
    expect_signed_crl(*ca, crl->der, crl_url(kBase, shard), static_cast<std::uint64_t>(crl->number));
    EXPECT_EQ(crl->this_update, clock.now());
    EXPECT_EQ(crl->next_update, clock.now() + crl_next_update_after(60s));
    first.push_back(crl->number);
  }
  EXPECT_FALSE(latest(kShards));
  // Within the period: nothing new, from this instance or another one on
  // the same database.
  clock.advance(30s);
  EXPECT_EQ(*publisher.run_once(), 0);
  CrlPublisher other(*db, *ca, clock, {.url_base = kBase, .shards = kShards, .period = 60s});
  EXPECT_EQ(*other.run_once(), 0);
  clock.advance(30s);
  EXPECT_EQ(*other.run_once(), kShards);
  EXPECT_EQ(*publisher.run_once(), 0);
  for (int shard = 0; shard < kShards; ++shard) EXPECT_GT(latest(shard)->number, first[shard]);

  EXPECT_NE(publisher.metrics_text().find("acmekit_ca_crl_generated_total 4\n"), std::string::npos);
  EXPECT_NE(other.metrics_text().find("acmekit_ca_crl_generated_total 4\n"), std::string::npos);
}

TEST_F(CrlPublisherTest, NumbersPassTheStoredOnesWhateverTheClock) {
  CrlPublisher publisher(*db, *ca, clock, {.url_base = kBase, .shards = kShards, .period = 60s});
  ASSERT_EQ(*publisher.run_once(), kShards);
  const std::int64_t stored = latest(0)->number;
  // Another instance whose clock is two hours behind finds the stored
  // generation two hours in its future: fresh. Once its clock passes a
  // period after it, its numbers still continue after the stored ones.
  test_support::FakeClock behind(clock.now() - 2h);
  CrlPublisher lagging(*db, *ca, behind, {.url_base = kBase, .shards = kShards, .period = 60s});
  EXPECT_EQ(*lagging.run_once(), 0);
  // Simulate a stored number from a clock far ahead.
  ASSERT_TRUE(db->add_crls({{.shard = 1, .number = stored + 10'000'000, .this_update = clock.now(),
                             .next_update = clock.now() + 1h, .der = "x"}}));
  clock.advance(61s);
  ASSERT_EQ(*publisher.run_once(), kShards);
  EXPECT_EQ(latest(1)->number, stored + 10'000'001);
  EXPECT_GT(latest(0)->number, stored);
}

TEST_F(CrlPublisherTest, ARevocationIsListedInItsShardUntilAPeriodAfterNotAfter) {
  const TimePoint day = clock.now() + 24h * 5 + 3h;
  add_certificate("0a0b", day);
  add_certificate("0c0d", day);       // same shard, stays unrevoked
  add_certificate("0e0f", day + 24h);  // the next shard
  ASSERT_TRUE(db->revoke_certificate("0a0b", 1, clock.now(), ""));
  ASSERT_TRUE(db->revoke_certificate("0e0f", 0, clock.now(), ""));
  CrlPublisher publisher(*db, *ca, clock, {.url_base = kBase, .shards = kShards, .period = 60s});
  ASSERT_EQ(*publisher.run_once(), kShards);
  const int shard = crl_shard(day, kShards), next = crl_shard(day + 24h, kShards);
  for (int s = 0; s < kShards; ++s) {
    Crl crl = read_crl(latest(s)->der);
    auto entries = entries_of(crl.get());
    if (s == shard) {
      EXPECT_EQ(entries, (std::map<std::string, int>{{"0a0b", 1}}));
    } else if (s == next) {
      EXPECT_EQ(entries, (std::map<std::string, int>{{"0e0f", -1}}));
    } else {
      EXPECT_TRUE(entries.empty()) << s;
    }
  }
  EXPECT_NE(publisher.metrics_text().find("acmekit_ca_crl_entries 2\n"), std::string::npos);

  // A revocation after a generation appears in the next one.
  ASSERT_TRUE(db->revoke_certificate("0c0d", 4, clock.now() + 10s, ""));
  clock.advance(60s);
  ASSERT_EQ(*publisher.run_once(), kShards);
  EXPECT_EQ(entries_of(read_crl(latest(shard)->der).get()), (std::map<std::string, int>{{"0a0b", 1}, {"0c0d", 4}}));

  // Past notAfter + one period: gone.
  clock.set(day + 59s);
  ASSERT_EQ(*publisher.run_once(), kShards);
  EXPECT_EQ(entries_of(read_crl(latest(shard)->der).get()).size(), 2u);
  clock.set(day + 61s);
  EXPECT_EQ(*publisher.run_once(), 0);  // within the period of the last pass
  clock.set(day + 120s);
  ASSERT_EQ(*publisher.run_once(), kShards);
  EXPECT_TRUE(entries_of(read_crl(latest(shard)->der).get()).empty());
  EXPECT_EQ(entries_of(read_crl(latest(next)->der).get()).size(), 1u);
}

// Several instances on one database (PostgreSQL: each its own storage and
// connections; SQLite: one storage shared) running the job at once: one
// generation is made, each shard has one CRL per number, and a later pass
// continues the numbers. Named *Storage*Test for the Postgres.StorageContract
// ctest group.
class CrlStorageTest : public ::testing::TestWithParam<test_support::Engine> {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "acmekit-crl-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto opened = Authority::load_or_create(dir_, {.crl_url_base = "http://crl.test", .crl_shards = 8});
    ASSERT_TRUE(opened) << opened.error().message();
    ca = std::move(*opened);
    where = test_support::fresh_engine_database(GetParam());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::unique_ptr<Authority> ca;
  test_support::EngineDatabase where;
};

TEST_P(CrlStorageTest, RacingInstancesMakeOneGeneration) {
  constexpr int kInstances = 4;
  test_support::FakeClock clock;
  std::vector<std::unique_ptr<sa::Storage>> storages;
  for (int i = 0; i < (GetParam() == test_support::Engine::kPostgres ? kInstances : 1); ++i) {
    auto opened = test_support::open_engine(where);
    ASSERT_TRUE(opened) << opened.error().message();
    storages.push_back(std::move(*opened));
  }
  std::vector<std::unique_ptr<CrlPublisher>> publishers;
  for (int i = 0; i < kInstances; ++i) {
    publishers.push_back(std::make_unique<CrlPublisher>(*storages[i % storages.size()], *ca, clock,
                                                        CrlOptions{.url_base = "http://crl.test", .shards = 8,
                                                                   .period = 60s}));
  }
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> made{0}, failed{0};
    std::vector<std::thread> threads;
    for (auto& p : publishers) {
      threads.emplace_back([&] {
        auto r = p->run_once();
        if (!r) {
          ++failed;
          ADD_FAILURE() << r.error().message();
        } else {
          made += *r;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(made.load(), 8) << "round " << round << ": one generation of 8 shards";
    auto latest = storages[0]->latest_crl(7);
    ASSERT_TRUE(latest && *latest);
    EXPECT_EQ((*latest)->this_update, clock.now());
    clock.advance(60s);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, CrlStorageTest, test_support::kBothEngines, test_support::engine_name);

}  // namespace
}  // namespace acmekit::server::ca
