// The RA's rate limits (server/ra/rate_limits.h) through the RA itself, on a
// SQLite file in a temp dir and a fake clock: new orders per account,
// certificates per registered domain (renewal exemption, public suffixes)
// and per name set (at newOrder and at finalize), failed validations, the
// Retry-After that counts down with the clock, a restart, and concurrent
// newOrders of one account; and, with the same restart, the sweep at start
// that resumes validations a killed process left "processing". Validations run on the RA's worker threads
// through a fake validator; only those are waited for.
#include <gtest/gtest.h>

#include "server/va/address_policy.h"
#include "server/wfe/problems.h"
#include "support/fake_clock.h"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

#include "core/crypto/certificate.h"
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "core/wire/renewal_info.h"
#include "core/wire/rfc3339.h"
#include "server/ca/authority.h"
#include "server/ra/registration_authority.h"
#include "server/sa/storage.h"

namespace acmekit::server::ra {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test_support::FakeClock;

// Every validation passes, except for the names in `failing`.
class FakeValidator final : public va::Validator {
 public:
  Status validate(const va::ValidationRequest& request) override {
    std::lock_guard lock(mu_);
    if (failing.contains(request.identifier.value)) {
      Error e{.kind = ErrorKind::kAcme, .detail = "no key authorization at " + request.identifier.value};
      e.type = "urn:ietf:params:acme:error:unauthorized";
      return std::unexpected(e);
    }
    return {};
  }
  Status check_caa(const va::CaaRequest& request) override {
    std::lock_guard lock(mu_);
    caa_requests.push_back(request);
    if (caa_refused.contains(request.name)) {
      Error e{.kind = ErrorKind::kAcme, .detail = "CAA record for " + request.name + " prevents issuance"};
      e.type = "urn:ietf:params:acme:error:caa";
      return std::unexpected(e);
    }
    return {};
  }
  std::size_t caa_count() {
    std::lock_guard lock(mu_);
    return caa_requests.size();
  }
  std::mutex mu_;
  std::set<std::string> failing;
  std::set<std::string> caa_refused;
  std::vector<va::CaaRequest> caa_requests;
};

wire::Identifier dns(const std::string& name) { return {.type = "dns", .value = name}; }

std::vector<wire::Identifier> dns_names(const std::vector<std::string>& names) {
  std::vector<wire::Identifier> out;
  for (const auto& n : names) out.push_back(dns(n));
  return out;
}

// 2026-01-01T00:00:00Z
const TimePoint kStart = TimePoint{} + std::chrono::seconds(1'767'225'600);

class CaRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("acmekit-rl-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto authority = ca::Authority::load_or_create(dir_, {});
    ASSERT_TRUE(authority) << authority.error().message();
    authority_ = std::move(*authority);
  }
  void TearDown() override {
    ra_.reset();
    storage_.reset();
    fs::remove_all(dir_);
  }

  // (Re)starts the RA on the database file with these limits (the rest
  // off unless given); the previous RA and storage are closed first.
  void start(RateLimitOptions limits, ProfileSet profiles = ProfileSet::builtin()) {
    ra_.reset();
    storage_.reset();
    auto storage = sa::open_sqlite(dir_ / "ca.db");
    ASSERT_TRUE(storage) << storage.error().message();
    storage_ = std::move(*storage);
    RaOptions options{.profiles = std::move(profiles), .validation_threads = 2, .rate_limits = limits};
    // The tests' IP identifiers are TEST-NET-1 addresses (RFC 5737), which
    // the address policy refuses by default.
    options.policy.address_policy = va::AddressPolicy::allowing({"192.0.2.0/24"}).value();
    ra_ = std::make_unique<RegistrationAuthority>(*storage_, validator_, *authority_, clock_, std::move(options));
  }
  static RateLimitOptions none() {
    RateLimitOptions o;
    o.new_orders_per_account.max = 0;
    o.certificates_per_domain.max = 0;
    o.certificates_per_name_set.max = 0;
    o.failed_validations.max = 0;
    return o;
  }

  AccountRecord account() {
    auto key = crypto::PrivateKey::generate({});
    EXPECT_TRUE(key);
    auto created = ra_->new_account(key->public_key().to_jwk(), {}, false, "");
    EXPECT_TRUE(created) << created.error().message();
    return created->account;
  }

  Result<OrderView> order(const AccountRecord& a, const std::vector<std::string>& names,
                          const std::string& profile = {}) {
    return ra_->new_order(a, dns_names(names), std::nullopt, std::nullopt, {}, profile);
  }

  // Answers every pending authorization and waits for the
  // worker threads to record the results; the order as it is then.
  OrderView validate(const AccountRecord& a, const OrderView& view) {
    for (const auto& authz : view.authzs) {
      if (authz.status != AcmeStatus::kPending) continue;
      // The first challenge offered (dns-01 for a wildcard); the fake validator passes any.
      auto answered = ra_->respond_challenge(a, authz.id, authz.challenges.at(0).type);
      EXPECT_TRUE(answered) << answered.error().message();
      for (int i = 0; i < 5000; ++i) {
        auto now = ra_->get_authz(authz.id, a.id);
        if (now && now->status != AcmeStatus::kPending) break;
        std::this_thread::sleep_for(1ms);  // the worker thread, not the clock
      }
    }
    auto reread = ra_->get_order(view.order.id, a.id);
    EXPECT_TRUE(reread) << reread.error().message();
    return *reread;
  }

  Result<OrderView> finalize(const AccountRecord& a, const OrderView& view) {
    std::vector<std::string> names;
    for (const auto& id : view.order.identifiers) names.push_back(id.value);
    auto key = crypto::PrivateKey::generate({});
    if (!key) return std::unexpected(key.error());
    ACMEKIT_TRY(auto csr, crypto::make_csr_der(*key, names));
    return ra_->finalize(a, view.order.id, csr);
  }

  // order -> validate -> finalize.
  Result<OrderView> issue(const AccountRecord& a, const std::vector<std::string>& names,
                          const std::string& profile = {}) {
    ACMEKIT_TRY(auto view, order(a, names, profile));
    auto ready = validate(a, view);
    if (ready.order.status != AcmeStatus::kReady) {
      return std::unexpected(Error{.kind = ErrorKind::kInternal, .detail = "order is " + wire::to_string(ready.order.status)});
    }
    return finalize(a, ready);
  }

  std::uint64_t refused(Limit limit) const { return ra_->rate_limited_counts()[static_cast<std::size_t>(limit)]; }

  fs::path dir_;
  FakeClock clock_{kStart};
  FakeValidator validator_;
  std::unique_ptr<ca::Authority> authority_;
  std::unique_ptr<sa::Storage> storage_;
  std::unique_ptr<RegistrationAuthority> ra_;
};

// The refusal of RFC 8555 §6.7 with its Retry-After (§6.6).
void expect_rate_limited(const Result<OrderView>& r, std::chrono::seconds retry_after, const std::string& detail) {
  ASSERT_FALSE(r) << "not refused";
  EXPECT_TRUE(r.error().is_acme("rateLimited")) << r.error().message();
  EXPECT_EQ(wfe::http_status(r.error()), 429);  // the WFE's mapping of rateLimited
  ASSERT_TRUE(r.error().retry_after) << r.error().message();
  EXPECT_EQ(*r.error().retry_after, retry_after) << r.error().message();
  EXPECT_EQ(r.error().detail, detail);
}

// A process killed after it stored a challenge as "processing" (§7.5.1) and
// before the validation finished: the next start validates it again without
// waiting for the client to poll; an expired one is left alone.
TEST_F(CaRateLimitTest, StartResumesValidationsAKilledProcessLeftProcessing) {
  start(none());
  const AccountRecord a = account();
  auto live = order(a, {"resume.example"});
  auto old = order(a, {"expired.example"});
  ASSERT_TRUE(live && old);
  for (const auto* view : {&*live, &*old}) {
    AuthzRecord authz = view->authzs.at(0);
    authz.challenges.at(0).status = AcmeStatus::kProcessing;  // what respond_challenge stores first
    if (view == &*old) authz.expires = kStart + 1min;
    ASSERT_TRUE(storage_->update_authz(authz));
  }
  clock_.advance(2min);
  start(none());  // the restart: nothing in flight in this process
  auto resumed = ra_->resume_interrupted_validations();
  ASSERT_TRUE(resumed) << resumed.error().message();
  EXPECT_EQ(*resumed, 1u);
  const std::string id = live->authzs.at(0).id;
  AcmeStatus status = AcmeStatus::kPending;
  for (int i = 0; i < 5000 && status == AcmeStatus::kPending; ++i) {
    auto stored = storage_->get_authz(id);
    ASSERT_TRUE(stored && *stored);
    status = (*stored)->status;
    std::this_thread::sleep_for(1ms);  // the worker thread, not the clock
  }
  EXPECT_EQ(status, AcmeStatus::kValid);
  auto ready = ra_->get_order(live->order.id, a.id);
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->order.status, AcmeStatus::kReady);
  // Nothing is left to resume: the expired one is not pending any more to its owner.
  auto again = ra_->resume_interrupted_validations();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
}

TEST_F(CaRateLimitTest, NewOrdersPerAccountRefusesTheNextUntilTheOldestLeavesTheWindow) {
  auto limits = none();
  limits.new_orders_per_account = {3, 1h};
  start(limits);
  const AccountRecord a = account();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(order(a, {"n" + std::to_string(i) + ".example"})) << i;
    clock_.advance(10min);
  }
  // kStart+30m: three orders in the last hour; the one at kStart leaves at kStart+1h.
  const std::string until = wire::rfc3339(kStart + 1h);
  expect_rate_limited(order(a, {"n3.example"}), 30min,
                      "too many new orders for this account: 3 in the last 1h0m (limit 3); retry after " + until);
  clock_.advance(20min);
  expect_rate_limited(order(a, {"n3.example"}), 10min,
                      "too many new orders for this account: 3 in the last 1h0m (limit 3); retry after " + until);
  EXPECT_EQ(refused(Limit::kNewOrdersPerAccount), 2u);

  // Another account has its own count.
  const AccountRecord b = account();
  EXPECT_TRUE(order(b, {"n3.example"}));

  // At Retry-After the oldest order has left the window.
  clock_.advance(10min);
  ASSERT_TRUE(order(a, {"n3.example"}));
  // Full again: the next one waits for the order made at kStart+10m.
  expect_rate_limited(order(a, {"n4.example"}), 10min,
                      "too many new orders for this account: 3 in the last 1h0m (limit 3); retry after " +
                          wire::rfc3339(kStart + 1h + 10min));
  EXPECT_EQ(refused(Limit::kNewOrdersPerAccount), 3u);
  EXPECT_EQ(refused(Limit::kCertificatesPerNameSet), 0u);
}

TEST_F(CaRateLimitTest, ARestartKeepsTheCounts) {
  auto limits = none();
  limits.new_orders_per_account = {2, 3h};
  limits.certificates_per_name_set = {1, 24h};
  start(limits);
  const AccountRecord a = account();
  ASSERT_TRUE(issue(a, {"restart.example"}));
  start(limits);  // a new RA on the same database file
  auto again = order(a, {"restart.example"});
  ASSERT_FALSE(again);
  EXPECT_TRUE(again.error().is_acme("rateLimited")) << again.error().message();
  EXPECT_NE(again.error().detail.find("exactly the names [restart.example]"), std::string::npos);
  ASSERT_TRUE(order(a, {"other.example"}));
  start(limits);
  expect_rate_limited(order(a, {"third.example"}), 3h,
                      "too many new orders for this account: 2 in the last 3h0m (limit 2); retry after " +
                          wire::rfc3339(kStart + 3h));
}

TEST_F(CaRateLimitTest, DuplicateNameSetIsRefusedAtNewOrderAndAtFinalize) {
  auto limits = none();
  limits.certificates_per_name_set = {2, 1h};
  start(limits);
  const AccountRecord a = account();
  ASSERT_TRUE(issue(a, {"dup.example", "www.dup.example"}));
  clock_.advance(5min);
  // Two orders for the same set while only one certificate exists: both pass newOrder.
  auto first = order(a, {"www.dup.example", "dup.example"});
  auto second = order(a, {"DUP.example", "www.dup.example"});
  ASSERT_TRUE(first && second);
  auto ready1 = validate(a, *first), ready2 = validate(a, *second);
  ASSERT_TRUE(finalize(a, ready1));
  // The second finalization finds two certificates already: refused, the order stays ready.
  const std::string detail = "too many certificates for exactly the names [dup.example, www.dup.example]: 2 in the "
                             "last 1h0m (limit 2); retry after " + wire::rfc3339(kStart + 1h);
  expect_rate_limited(finalize(a, ready2), 55min, detail);
  EXPECT_EQ(ra_->get_order(ready2.order.id, a.id)->order.status, AcmeStatus::kReady);
  expect_rate_limited(order(a, {"dup.example", "www.dup.example"}), 55min, detail);
  // Another set (a subset) is not a duplicate; another account is limited all the same.
  EXPECT_TRUE(order(a, {"dup.example"}));
  EXPECT_FALSE(order(account(), {"dup.example", "www.dup.example"}));
  EXPECT_EQ(refused(Limit::kCertificatesPerNameSet), 3u);

  clock_.advance(55min);
  EXPECT_TRUE(finalize(a, ready2));
}

// Profiles (draft-ietf-acme-profiles): duplicates are certificates of a set
// valid at once, so the name-set window is at most the profile's lifetime:
// after 160 hours the shortlived certificates have expired and no longer
// count, while classic's 7-day window still holds them.
TEST_F(CaRateLimitTest, DuplicateWindowIsAtMostTheProfilesLifetime) {
  auto limits = none();
  limits.certificates_per_name_set = {2, 7 * 24h};
  start(limits);
  const AccountRecord a = account();
  ASSERT_TRUE(issue(a, {"short.example"}, "shortlived"));
  ASSERT_TRUE(issue(a, {"short.example"}, "shortlived"));
  auto refused_now = order(a, {"short.example"}, "shortlived");
  ASSERT_FALSE(refused_now);
  EXPECT_NE(refused_now.error().detail.find("in the last 160h0m (limit 2)"), std::string::npos)
      << refused_now.error().detail;
  clock_.advance(161h);
  EXPECT_TRUE(issue(a, {"short.example"}, "shortlived"));
  // The same two certificates still count for a 90-day classic order.
  EXPECT_FALSE(order(a, {"short.example"}, "classic"));
}

// draft-ietf-acme-profiles §4: an order whose profile the CA stopped
// offering (a restart with another configuration) is refused at finalize
// with invalidProfile and stays ready; an order stored before profiles
// (profile '') is the default profile's.
TEST_F(CaRateLimitTest, FinalizingAnOrderOfAProfileNoLongerOfferedIsInvalidProfile) {
  start(none());
  const AccountRecord a = account();
  auto view = order(a, {"gone.example"}, "tlsserver");
  ASSERT_TRUE(view) << view.error().message();
  EXPECT_EQ(view->order.profile, "tlsserver");
  const OrderView ready = validate(a, *view);
  ProfileSet fewer = ProfileSet::builtin();
  std::erase_if(fewer.profiles, [](const CertificateProfile& p) { return p.name == "tlsserver"; });
  start(none(), fewer);
  auto refused = finalize(a, ready);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is_acme("invalidProfile")) << refused.error().message();
  EXPECT_EQ(ra_->get_order(ready.order.id, a.id)->order.status, AcmeStatus::kReady);

  auto old = order(a, {"old.example"});
  ASSERT_TRUE(old);
  OrderRecord before_profiles = old->order;
  before_profiles.profile.clear();
  EXPECT_TRUE(ra_->profiles().for_order(before_profiles.profile) == &ra_->profiles().default_profile());
}

TEST_F(CaRateLimitTest, AnAriReplacementIsNoDuplicateButANewOrder) {
  auto limits = none();
  limits.certificates_per_name_set = {1, 24h};
  limits.new_orders_per_account = {3, 1h};
  start(limits);
  const AccountRecord a = account();
  auto first = issue(a, {"ari.example"});
  ASSERT_TRUE(first) << first.error().message();
  auto cert = ra_->get_certificate(first->order.certificate_id);
  ASSERT_TRUE(cert);
  auto parsed = crypto::parse_pem_chain(cert->leaf_pem);
  ASSERT_TRUE(parsed && !parsed->empty());
  auto ari_id = wire::ari_certificate_id(parsed->at(0));
  ASSERT_TRUE(ari_id) << ari_id.error().message();

  // A plain order for the same set is a duplicate; the RFC 9773 replacement is not.
  auto plain = order(a, {"ari.example"});
  ASSERT_FALSE(plain);
  EXPECT_TRUE(plain.error().is_acme("rateLimited")) << plain.error().message();
  auto replacement = ra_->new_order(a, dns_names({"ari.example"}), std::nullopt, std::nullopt, *ari_id);
  ASSERT_TRUE(replacement) << replacement.error().message();
  auto renewed = finalize(a, validate(a, *replacement));
  ASSERT_TRUE(renewed) << renewed.error().message();
  EXPECT_EQ(renewed->order.status, AcmeStatus::kValid);
  // It still counts as a new order: the first, the replacement and this one make three.
  ASSERT_TRUE(order(a, {"another.example"}));
  auto fourth = order(a, {"more.example"});
  ASSERT_FALSE(fourth);
  EXPECT_NE(fourth.error().detail.find("too many new orders for this account: 3"), std::string::npos)
      << fourth.error().detail;
}

TEST_F(CaRateLimitTest, CertificatesPerRegisteredDomainExemptRenewals) {
  auto limits = none();
  limits.certificates_per_domain = {2, 24h * 7};
  limits.public_suffixes = std::make_shared<PublicSuffixList>(*PublicSuffixList::parse("com\nuk\nco.uk\n"));
  start(limits);
  const AccountRecord a = account();
  ASSERT_TRUE(issue(a, {"a.example.com"}));
  clock_.advance(1h);
  ASSERT_TRUE(issue(a, {"b.example.com", "*.b.example.com"}));
  expect_rate_limited(order(a, {"c.example.com"}), 24h * 7 - 1h,
                      "too many certificates for the registered domain example.com: 2 in the last 168h0m (limit 2); "
                      "retry after " + wire::rfc3339(kStart + 24h * 7));
  // The first name over the limit is named, whatever else the order holds.
  auto mixed = order(a, {"ok.example.net", "c.example.com"});
  ASSERT_FALSE(mixed);
  EXPECT_NE(mixed.error().detail.find("registered domain example.com:"), std::string::npos) << mixed.error().detail;
  // A renewal (the exact set was issued before) is exempt and does not count.
  EXPECT_TRUE(issue(a, {"a.example.com"}));
  // Registered domains follow the public suffix list: x.co.uk and y.co.uk differ.
  ASSERT_TRUE(issue(a, {"www.x.co.uk"}));
  ASSERT_TRUE(issue(a, {"x.co.uk"}));
  EXPECT_FALSE(order(a, {"mail.x.co.uk"}));
  EXPECT_TRUE(order(a, {"www.y.co.uk"}));
  EXPECT_EQ(refused(Limit::kCertificatesPerDomain), 3u);
  // The window slides past the first certificate.
  clock_.advance(24h * 7 - 1h);
  EXPECT_TRUE(issue(a, {"c.example.com"}));
}

TEST_F(CaRateLimitTest, FailedValidationsPerAccountAndName) {
  auto limits = none();
  limits.failed_validations = {2, 1h};
  start(limits);
  {
    std::lock_guard lock(validator_.mu_);
    validator_.failing.insert("bad.example");
  }
  const AccountRecord a = account();
  for (int i = 0; i < 2; ++i) {
    auto view = order(a, {"bad.example"});
    ASSERT_TRUE(view);
    EXPECT_EQ(validate(a, *view).order.status, AcmeStatus::kInvalid);
    clock_.advance(1min);
  }
  const std::string detail = "too many failed validations of bad.example for this account: 2 in the last 1h0m "
                             "(limit 2); retry after " + wire::rfc3339(kStart + 1h);
  expect_rate_limited(order(a, {"good.example", "*.bad.example"}), 58min, detail);
  auto authz = ra_->new_authz(a, dns("bad.example"));
  ASSERT_FALSE(authz);
  EXPECT_TRUE(authz.error().is_acme("rateLimited"));
  EXPECT_EQ(authz.error().retry_after, std::chrono::seconds(58min));
  EXPECT_TRUE(order(a, {"good.example"}));
  EXPECT_TRUE(order(account(), {"bad.example"}));
  EXPECT_EQ(refused(Limit::kFailedValidations), 2u);
  clock_.advance(58min);
  EXPECT_TRUE(order(a, {"bad.example"}));
}

TEST_F(CaRateLimitTest, ConcurrentNewOrdersOfOneAccountStopAtTheLimit) {
  auto limits = none();
  limits.new_orders_per_account = {10, 1h};
  start(limits);
  const AccountRecord a = account();
  std::atomic<int> created{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&, t] {
      auto r = order(a, {"c" + std::to_string(t) + ".example"});
      if (r) ++created;
      else if (r.error().is_acme("rateLimited")) ++limited;
      else ++other;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 10);
  EXPECT_EQ(limited, 22);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ra_->list_orders(a, "", 100)->size(), 10u);
}

TEST_F(CaRateLimitTest, ZeroDisablesEveryLimit) {
  start(none());
  const AccountRecord a = account();
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(issue(a, {"same.example"})) << i;
  for (std::size_t i = 0; i < kLimitCount; ++i) EXPECT_EQ(ra_->rate_limited_counts()[i], 0u);
}

TEST(CaRateLimitFormat, WindowsReadLikeGoDurations) {
  EXPECT_EQ(format_window(1h), "1h0m");
  EXPECT_EQ(format_window(24h * 7), "168h0m");
  EXPECT_EQ(format_window(90min), "1h30m");
  EXPECT_EQ(format_window(30min), "30m");
  EXPECT_EQ(format_window(45s), "45s");
  EXPECT_EQ(format_window(61s), "1m1s");
  EXPECT_EQ(limit_name(Limit::kNewOrdersPerAccount), "new_orders_per_account");
  EXPECT_EQ(limit_name(Limit::kFailedValidations), "failed_validations");
}

// CAA (RFC 8659) runs after the challenge succeeded, for dns names only,
// with the account URL the WFE passed and the challenge type; its refusal
// is the challenge's problem.
TEST_F(CaRateLimitTest, CaaIsCheckedAfterTheChallengeWithTheAccountUrl) {
  start(none());
  const AccountRecord a = account();
  auto view = order(a, {"caa-ok.example"});
  ASSERT_TRUE(view) << view.error().message();
  const auto& authz = view->authzs.at(0);
  ASSERT_TRUE(ra_->respond_challenge(a, authz.id, ChallengeType::kHttp01, "https://ca.test/acme/acct/" + a.id));
  for (int i = 0; i < 5000 && ra_->get_authz(authz.id, a.id)->status == AcmeStatus::kPending; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(ra_->get_authz(authz.id, a.id)->status, AcmeStatus::kValid);
  ASSERT_EQ(validator_.caa_count(), 1u);
  EXPECT_EQ(validator_.caa_requests[0].name, "caa-ok.example");
  EXPECT_FALSE(validator_.caa_requests[0].wildcard);
  EXPECT_EQ(validator_.caa_requests[0].method, ChallengeType::kHttp01);
  EXPECT_EQ(validator_.caa_requests[0].account_uri, "https://ca.test/acme/acct/" + a.id);

  validator_.caa_refused.insert("caa-refused.example");
  auto refused = order(a, {"caa-refused.example"});
  ASSERT_TRUE(refused) << refused.error().message();
  auto after = validate(a, *refused);
  EXPECT_EQ(after.order.status, AcmeStatus::kInvalid);
  EXPECT_EQ(after.authzs.at(0).status, AcmeStatus::kInvalid);
  EXPECT_NE(after.authzs.at(0).challenges.at(0).error_json.find("urn:ietf:params:acme:error:caa"), std::string::npos);

  // An IP address has no CAA.
  auto ip = ra_->new_order(a, {{.type = "ip", .value = "192.0.2.7"}}, std::nullopt, std::nullopt, {}, "shortlived");
  ASSERT_TRUE(ip) << ip.error().message();
  const std::size_t before = validator_.caa_count();
  EXPECT_EQ(validate(a, *ip).order.status, AcmeStatus::kReady);
  EXPECT_EQ(validator_.caa_count(), before);
}

// CA/B Baseline Requirements §3.2.2.8: at finalize, CAA is checked again
// only for an authorization validated more than kCaaRecheckAfter ago; a
// refusal then leaves the order ready.
TEST_F(CaRateLimitTest, FinalizeRechecksCaaOfValidationsOlderThanEightHours) {
  start(none());
  const AccountRecord a = account();
  auto first = issue(a, {"recheck.example"});
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(validator_.caa_count(), 1u);  // the validation's, none at finalize

  clock_.advance(kCaaRecheckAfter - 1min);
  auto second = order(a, {"recheck.example"});  // reuses the valid authorization
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_EQ(second->order.status, AcmeStatus::kReady);
  ASSERT_TRUE(finalize(a, *second));
  EXPECT_EQ(validator_.caa_count(), 1u);

  clock_.advance(2min);
  validator_.caa_refused.insert("recheck.example");
  auto third = order(a, {"recheck.example"});
  ASSERT_TRUE(third) << third.error().message();
  ASSERT_EQ(third->order.status, AcmeStatus::kReady);
  auto refused = finalize(a, *third);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().is_acme("caa")) << refused.error().message();
  EXPECT_EQ(validator_.caa_count(), 2u);
  EXPECT_EQ(ra_->get_order(third->order.id, a.id)->order.status, AcmeStatus::kReady);
}

}  // namespace
}  // namespace acmekit::server::ra
