// Fetching renewalInfo against a fake HTTP edge: the directory once per
// server, one GET per certificate at renewalInfo/<id>, CAs without ARI asked
// nothing more, errors and invalid windows recorded for the 1/3 rule.
#include "client/renewal/ari_fetch.h"

#include <gtest/gtest.h>

#include "support/fake_http.h"
#include <unistd.h>

#include <map>
#include <mutex>

#include "client/api/resources.h"

namespace acmekit::client::renewal {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(seconds(1'767'225'600));

using test_support::FakeHttp;

constexpr const char* kDirWithAri =
    R"({"newNonce":"https://ari.test/nonce","newAccount":"https://ari.test/acct","newOrder":"https://ari.test/order",
        "renewalInfo":"https://ari.test/renewal-info"})";
constexpr const char* kDirWithoutAri =
    R"({"newNonce":"https://plain.test/nonce","newAccount":"https://plain.test/acct","newOrder":"https://plain.test/order"})";

std::string window(const char* start, const char* end) {
  return std::string(R"({"suggestedWindow":{"start":")") + start + R"(","end":")" + end + R"("}})";
}

class AriFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-arifetch-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    ca.route("https://ari.test/dir", 200, kDirWithAri);
    ca.route("https://plain.test/dir", 200, kDirWithoutAri);
  }
  void TearDown() override { fs::remove_all(dir); }

  AriFetchReport fetch(AriCache& cache, const std::vector<AriTarget>& targets, TimePoint now = kNow) {
    return fetch_renewal_info(cache, targets, now, [] { return 0.5; }, ca.factory(), 3);
  }

  fs::path dir;
  FakeHttp ca;
};

TEST_F(AriFetchTest, OneDirectoryPerServerAndOneGetPerCertificate) {
  ca.route("https://ari.test/renewal-info/id.a", 200, window("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"),
         {{"Retry-After", "21600"}});
  ca.route("https://ari.test/renewal-info/id.b", 200, window("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"),
         {{"Retry-After", "30"}});
  AriCache cache = AriCache::load(dir);
  auto report = fetch(cache, {{"a.test", "id.a", "https://ari.test/dir", ""},
                              {"b.test", "id.b", "https://ari.test/dir", ""},
                              {"p.test", "id.p", "https://plain.test/dir", ""}});
  EXPECT_EQ(report.directories, 2u);
  EXPECT_EQ(report.answered, 2u);
  EXPECT_EQ(report.without_ari, 1u);
  EXPECT_EQ(ca.count("https://ari.test/dir"), 1u);
  EXPECT_EQ(ca.count("https://plain.test/dir"), 1u);
  EXPECT_EQ(ca.count("https://ari.test/renewal-info/id.a"), 1u);
  EXPECT_EQ(ca.count("https://ari.test/renewal-info/id.b"), 1u);

  auto a = cache.find("a.test", "id.a");
  ASSERT_TRUE(a && a->window);
  EXPECT_EQ(a->window->renew_at, a->window->start + 24h);  // the injected 0.5
  EXPECT_EQ(a->next_fetch, kNow + 6h);
  EXPECT_EQ(a->server, "https://ari.test/dir");  // asked there again next time
  auto b = cache.find("b.test", "id.b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->next_fetch, kNow + 1min);  // Retry-After 30 clamped up (§4.3.2)
  // A CA without renewalInfo: no window (the 1/3 rule), asked again in a day.
  auto p = cache.find("p.test", "id.p");
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->window);
  EXPECT_EQ(p->next_fetch, kNow + 24h);
  EXPECT_EQ(ca.count("https://plain.test/renewal-info/id.p"), 0u);
}

TEST_F(AriFetchTest, AnInvalidWindowIsNoAnswer) {
  // RFC 9773 §4.2: end <= start is treated as no response: the 1/3 rule.
  ca.route("https://ari.test/renewal-info/id.a", 200, window("2026-03-04T00:00:00Z", "2026-03-02T00:00:00Z"),
         {{"Retry-After", "21600"}});
  AriCache cache = AriCache::load(dir);
  auto report = fetch(cache, {{"a.test", "id.a", "https://ari.test/dir", ""}});
  EXPECT_EQ(report.failed, 1u);
  auto a = cache.find("a.test", "id.a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->window);
  EXPECT_EQ(a->next_fetch, kNow + 6h);  // a long-term error (§4.3.3)
}

TEST_F(AriFetchTest, ServerErrorsAreTemporaryAndKeepTheLastWindow) {
  AriCache cache = AriCache::load(dir);
  ca.route("https://ari.test/renewal-info/id.a", 200, window("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"),
         {{"Retry-After", "60"}});
  fetch(cache, {{"a.test", "id.a", "https://ari.test/dir", ""}});
  const auto chosen = cache.find("a.test", "id.a")->window->renew_at;
  ca.route("https://ari.test/renewal-info/id.a", 503, R"({"type":"urn:ietf:params:acme:error:serverInternal","detail":"busy"})");
  auto report = fetch(cache, {{"a.test", "id.a", "https://ari.test/dir", ""}}, kNow + 1min);
  EXPECT_EQ(report.failed, 1u);
  auto a = cache.find("a.test", "id.a");
  ASSERT_TRUE(a && a->window);
  EXPECT_EQ(a->window->renew_at, chosen);
  EXPECT_EQ(a->failures, 1);
  EXPECT_EQ(a->next_fetch, kNow + 2min);
}

TEST_F(AriFetchTest, AnUnreachableCaIsAskedOnceForAllItsLineages) {
  AriCache cache = AriCache::load(dir);
  std::vector<AriTarget> targets;
  for (int i = 0; i < 50; ++i) targets.push_back({"l" + std::to_string(i), "id." + std::to_string(i), "https://down.test/dir", ""});
  auto report = fetch(cache, targets);
  EXPECT_EQ(report.failed, 50u);
  EXPECT_EQ(ca.requests().size(), 1u);
  EXPECT_EQ(ca.clients_made(), 1u);
  auto s = cache.find("l7", "id.7");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->window);
  EXPECT_GT(s->next_fetch, kNow);
}

TEST_F(AriFetchTest, ManyCertificatesAreFetchedByParallelWorkers) {
  std::vector<AriTarget> targets;
  for (int i = 0; i < 40; ++i) {
    const std::string id = "id." + std::to_string(i);
    ca.route("https://ari.test/renewal-info/" + id, 200, window("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"),
           {{"Retry-After", "21600"}});
    targets.push_back({"l" + std::to_string(i), id, "https://ari.test/dir", ""});
  }
  AriCache cache = AriCache::load(dir);
  auto report = fetch(cache, targets);
  EXPECT_EQ(report.answered, 40u);
  EXPECT_EQ(ca.clients_made(), 3u);  // the directory's client and two more workers
  EXPECT_EQ(ca.count("https://ari.test/dir"), 1u);
  for (int i = 0; i < 40; ++i) EXPECT_TRUE(cache.find("l" + std::to_string(i), "id." + std::to_string(i))) << i;
}

TEST(GetRenewalInfo, GetsRenewalInfoSlashIdWithRetryAfter) {
  FakeHttp ca;
  ca.route("https://ari.test/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", 200,
         window("2025-01-02T04:00:00Z", "2025-01-03T04:00:00Z"), {{"Retry-After", "21600"}});
  auto client = ca.factory()("");
  http::Client& http = *client;
  wire::Directory dir{.renewal_info = "https://ari.test/renewal-info"};
  auto answer = api::get_renewal_info(http, dir, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  ASSERT_TRUE(answer) << answer.error().message();
  EXPECT_EQ(answer->retry_after, 21600s);
  EXPECT_EQ(answer->info.window_end - answer->info.window_start, 24h);
  // No renewalInfo in the directory: not asked at all.
  auto none = api::get_renewal_info(http, wire::Directory{}, "x.y");
  ASSERT_FALSE(none);
  EXPECT_EQ(ca.requests().size(), 1u);
  // A 404 is an error naming the URL.
  auto missing = api::get_renewal_info(http, dir, "nope.nope");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("renewal-info/nope.nope"), std::string::npos) << missing.error().message();
}

}  // namespace
}  // namespace acmekit::client::renewal
