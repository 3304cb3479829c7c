// ZoneCache (zone_cache.h): the account's zones listed once however many
// names are asked; longest zone wins; a failed listing is not kept; the
// not-found error names what the account has. And through a provider
// (Cloudflare against FakeHttp): 200 names over 50 zones, one GET /zones page.
#include "client/dns/zone_cache.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/cloudflare.h"
#include "../../support/fake_http.h"

namespace acmekit::client::dns_api {
namespace {

TEST(ZoneCacheTest, ListsOnceForEveryName) {
  ZoneCache cache;
  int calls = 0;
  auto lister = [&](std::vector<std::string>& out) -> Status {
    ++calls;
    out = {"Example.TEST.", "sub.example.test", "other.test"};
    return {};
  };
  EXPECT_EQ(cache.find("_acme-challenge.www.example.test", lister, "P").value(), "example.test");
  EXPECT_EQ(cache.find("_acme-challenge.a.sub.example.test.", lister, "P").value(), "sub.example.test");
  EXPECT_EQ(cache.find("_acme-challenge.other.test", lister, "P").value(), "other.test");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(cache.listings(), 1);
  auto missing = cache.find("x.nowhere.test", lister, "P");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_EQ(missing.error().detail,
            "P: no zone for x.nowhere.test in this account (it has: example.test, other.test, sub.example.test)");
  EXPECT_EQ(calls, 1);
}

TEST(ZoneCacheTest, AFailedListingIsNotKept) {
  ZoneCache cache;
  int calls = 0;
  auto lister = [&](std::vector<std::string>& out) -> Status {
    if (++calls == 1) {
      out.push_back("half.test");  // a partial page before the failure is dropped
      return make_error(ErrorKind::kUnavailable, "P: API down");
    }
    out = {"example.test"};
    return {};
  };
  auto first = cache.find("a.example.test", lister, "P");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().detail, "P: API down");
  EXPECT_EQ(cache.find("a.example.test", lister, "P").value(), "example.test");
  EXPECT_EQ(cache.find("b.example.test", lister, "P").value(), "example.test");
  EXPECT_EQ(calls, 2);
}

TEST(ZoneCacheTest, CloudflareListsTheAccountOncePerRun) {
  using nlohmann::json;
  auto http = std::make_shared<test_support::FakeHttp>();
  json zones = json::array();
  for (int z = 0; z < 50; ++z) zones.push_back({{"id", fmt::format("id{}", z)}, {"name", fmt::format("zone{}.test", z)}});
  http->route("https://cf.test/client/v4/zones?per_page=50&page=1", 200,
              json{{"success", true}, {"errors", json::array()}, {"result", zones},
                   {"result_info", {{"page", 1}, {"per_page", 50}, {"count", 50}, {"total_count", 50}, {"total_pages", 1}}}}
                  .dump());
  auto creds = CredentialsFile::parse("dns_cloudflare_api_token = T\ndns_cloudflare_api_url = https://cf.test/client/v4\n",
                                      "cf.ini")
                   .value();
  auto provider = make_cloudflare(creds, http).value();
  for (int n = 0; n < 200; ++n) {
    const std::string zone = fmt::format("zone{}.test", n % 50);
    auto found = provider->find_zone(fmt::format("_acme-challenge.n{}.{}", n, zone));
    ASSERT_TRUE(found) << found.error().detail;
    EXPECT_EQ(*found, zone);
  }
  EXPECT_EQ(http->requests().size(), 1u);
}

}  // namespace
}  // namespace acmekit::client::dns_api
