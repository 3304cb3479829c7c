// Certificate profiles (draft-ietf-acme-profiles) as a client sees them,
// against the in-process CA over HTTPS: meta.profiles in the directory (§3),
// newOrder "profile" reflected in the order, the default profile for an order
// without one, invalidProfile for a profile not offered (§4), each profile's
// identifier rules, and the lifetime and extendedKeyUsage of what each issues
// (read by OpenSSL); the RFC 9773 window of a shortlived certificate.
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca_fixture.h"
#include "core/crypto/certificate.h"
#include "core/wire/renewal_info.h"

namespace acmekit::server::wfe::probe {
namespace {

using namespace std::chrono_literals;

class CaProfiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = InProcessCa::start({});
    ASSERT_TRUE(started) << started.error().message();
    ca_ = std::move(*started);
    auto acct = ca_->new_account();
    ASSERT_TRUE(acct) << acct.error().message();
    account_ = std::make_unique<TestAccount>(std::move(*acct));
  }
  static void TearDownTestSuite() {
    account_.reset();
    ca_.reset();
  }
  static InProcessCa& ca() { return *ca_; }
  static const TestAccount& account() { return *account_; }

  // newOrder with these identifiers and, when not empty, profile.
  static Response order(const std::vector<Json>& identifiers, const std::string& profile = {}) {
    Json payload{{"identifiers", Json(identifiers)}};
    if (!profile.empty()) payload["profile"] = profile;
    return ca().post(account(), ca().url("/acme/new-order"), payload);
  }

  // The problem document of a refusal, after checking type and status.
  static Json expect_problem(const Response& r, std::string_view short_type, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.headers.get("content-type").value_or(""), "application/problem+json");
    Json doc = Json::parse(r.body, nullptr, false);
    EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:" + std::string(short_type)) << r.body;
    return doc;
  }

  // The leaf of a chain issued for names under profile, parsed.
  static crypto::CertificateInfo issue(const std::vector<std::string>& names, const std::string& profile) {
    auto key = crypto::PrivateKey::generate({});
    EXPECT_TRUE(key);
    auto chain = ca().issue(account(), names, *key, profile);
    EXPECT_TRUE(chain) << chain.error().message();
    auto parsed = crypto::parse_pem_chain(chain.value_or(""));
    EXPECT_TRUE(parsed && !parsed->empty());
    return parsed && !parsed->empty() ? parsed->front() : crypto::CertificateInfo{};
  }

  static uint32_t extended_key_usage(const crypto::CertificateInfo& info) {
    const auto* p = reinterpret_cast<const unsigned char*>(info.der.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(info.der.size()));
    if (x == nullptr) return 0;
    const uint32_t xku = X509_get_extended_key_usage(x);
    X509_free(x);
    return xku;
  }

  static inline std::unique_ptr<InProcessCa> ca_;
  static inline std::unique_ptr<TestAccount> account_;
};

Json dns(const std::string& name) { return {{"type", "dns"}, {"value", name}}; }
Json ip(const std::string& address) { return {{"type", "ip"}, {"value", address}}; }

TEST_F(CaProfiles, DirectoryAdvertisesEveryProfileWithItsDescription) {
  Response dir = ca().send("GET", ca().url("/directory"));
  ASSERT_EQ(dir.status, 200);
  Json profiles = Json::parse(dir.body, nullptr, false)["meta"]["profiles"];
  ASSERT_TRUE(profiles.is_object()) << dir.body;
  EXPECT_EQ(profiles.size(), 3u);
  for (const char* name : {"classic", "tlsserver", "shortlived"}) {
    ASSERT_TRUE(profiles.contains(name)) << dir.body;
    EXPECT_FALSE(profiles[name].get<std::string>().empty());
  }
}

TEST_F(CaProfiles, EachProfileIsReflectedAndNoneMeansTheDefault) {
  for (const char* name : {"classic", "tlsserver", "shortlived"}) {
    Response r = order({dns("probe.test")}, name);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(Json::parse(r.body, nullptr, false).value("profile", ""), name);
    // And in every later read of the order (it is stored with it).
    Response again = ca().post(account(), r.headers.get("location").value_or(""), std::string_view());
    EXPECT_EQ(Json::parse(again.body, nullptr, false).value("profile", ""), name) << again.body;
  }
  Response plain = order({dns("probe.test")});
  ASSERT_EQ(plain.status, 201) << plain.body;
  EXPECT_EQ(Json::parse(plain.body, nullptr, false).value("profile", ""), "classic");
}

TEST_F(CaProfiles, AProfileNotOfferedIsInvalidProfile) {
  Json doc = expect_problem(order({dns("probe.test")}, "premium"), "invalidProfile", 400);
  EXPECT_NE(doc.value("detail", "").find("premium"), std::string::npos) << doc.dump();
  EXPECT_NE(doc.value("detail", "").find("classic, shortlived, tlsserver"), std::string::npos) << doc.dump();
  // An empty name is no profile this CA offers either.
  Response empty = ca().post(account(), ca().url("/acme/new-order"),
                             Json{{"identifiers", Json::array({dns("probe.test")})}, {"profile", ""}});
  expect_problem(empty, "invalidProfile", 400);
  Response number = ca().post(account(), ca().url("/acme/new-order"),
                              Json{{"identifiers", Json::array({dns("probe.test")})}, {"profile", 7}});
  expect_problem(number, "malformed", 400);
}

TEST_F(CaProfiles, OnlyShortlivedTakesIpAddresses) {
  Response ok = order({ip("192.0.2.7"), dns("probe.test")}, "shortlived");
  EXPECT_EQ(ok.status, 201) << ok.body;
  // Named profiles that refuse: invalidProfile (draft §4), the identifier
  // as a subproblem (RFC 8555 §6.7.1).
  for (const char* name : {"classic", "tlsserver"}) {
    Json doc = expect_problem(order({dns("probe.test"), ip("192.0.2.7")}, name), "invalidProfile", 400);
    ASSERT_EQ(doc["subproblems"].size(), 1u) << doc.dump();
    EXPECT_EQ(doc["subproblems"][0].value("type", ""), "urn:ietf:params:acme:error:rejectedIdentifier");
    EXPECT_EQ(doc["subproblems"][0]["identifier"].value("value", ""), "192.0.2.7");
    EXPECT_NE(doc.value("detail", "").find("shortlived"), std::string::npos) << doc.dump();
  }
  // No profile named: the default (classic) refuses the identifier.
  Json doc = expect_problem(order({ip("192.0.2.7")}), "rejectedIdentifier", 400);
  EXPECT_NE(doc.value("detail", "").find("profile classic does not allow ip identifiers"), std::string::npos)
      << doc.dump();
}

TEST_F(CaProfiles, EachProfileIssuesItsLifetimeAndExtendedKeyUsage) {
  struct Want {
    const char* profile;
    std::chrono::seconds lifetime;
    uint32_t xku;
  };
  for (const Want& want : {Want{"classic", 90 * 24h, XKU_SSL_SERVER | XKU_SSL_CLIENT},
                           Want{"tlsserver", 45 * 24h, XKU_SSL_SERVER}, Want{"shortlived", 160h, XKU_SSL_SERVER},
                           Want{"", 90 * 24h, XKU_SSL_SERVER | XKU_SSL_CLIENT}}) {
    crypto::CertificateInfo leaf = issue({"issue.test"}, want.profile);
    // The backdate (5 minutes) is part of the lifetime, as Boulder's is.
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(leaf.not_after - leaf.not_before), want.lifetime)
        << want.profile;
    EXPECT_EQ(extended_key_usage(leaf), want.xku) << want.profile;
  }
}

// RFC 9773 §4.2: the window comes from the certificate's own dates, so a
// 160-hour certificate is to be renewed about 107 hours in, not after 60 days.
TEST_F(CaProfiles, ShortlivedRenewalWindowFollowsItsLifetime) {
  crypto::CertificateInfo leaf = issue({"replace.test"}, "shortlived");
  auto id = wire::ari_certificate_id(leaf);
  ASSERT_TRUE(id) << id.error().message();
  Response r = ca().send("GET", ca().url("/acme/renewal-info/" + *id));
  ASSERT_EQ(r.status, 200) << r.body;
  auto info = wire::parse_renewal_info(Json::parse(r.body, nullptr, false));
  ASSERT_TRUE(info) << info.error().message();
  const auto lifetime = leaf.not_after - leaf.not_before;
  EXPECT_EQ(lifetime, 160h);
  EXPECT_EQ(info->window_start, leaf.not_after - lifetime / 3);
  EXPECT_GT(info->window_end, info->window_start);
  EXPECT_LT(info->window_end, leaf.not_after - 48h);  // well before a 90-day certificate's would start
}

// Configured profiles: max_names per order, refused with a message naming
// the profile and its limit; the default's refusal is rejectedIdentifier.
TEST(CaConfiguredProfiles, MaxNamesIsPerProfile) {
  ra::RaOptions options{.validation_threads = 2};
  options.profiles.profiles = {{.name = "pair", .description = "two names", .max_names = 2},
                               {.name = "wide", .description = "many names", .max_names = 10}};
  options.profiles.default_name = "pair";
  auto started = InProcessCa::start({}, options);
  ASSERT_TRUE(started) << started.error().message();
  InProcessCa& ca = **started;
  auto account = ca.new_account();
  ASSERT_TRUE(account) << account.error().message();
  const std::vector<std::string> three = {"probe.test", "www.probe.test", "issue.test"};

  EXPECT_TRUE(ca.new_order(*account, three, "wide"));
  Json ids = Json::array();
  for (const auto& n : three) ids.push_back(dns(n));
  Response named = ca.post(*account, ca.url("/acme/new-order"), Json{{"identifiers", ids}, {"profile", "pair"}});
  EXPECT_EQ(named.status, 400) << named.body;
  Json doc = Json::parse(named.body, nullptr, false);
  EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:invalidProfile");
  EXPECT_EQ(doc.value("detail", ""), "profile pair allows at most 2 identifiers per order; this one has 3");
  Response plain = ca.post(*account, ca.url("/acme/new-order"), Json{{"identifiers", ids}});
  EXPECT_EQ(Json::parse(plain.body, nullptr, false).value("type", ""),
            "urn:ietf:params:acme:error:rejectedIdentifier")
      << plain.body;
  Response dir = ca.send("GET", ca.url("/directory"));
  EXPECT_EQ(Json::parse(dir.body, nullptr, false)["meta"]["profiles"],
            (Json{{"pair", "two names"}, {"wide", "many names"}}));
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
