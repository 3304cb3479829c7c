// Gandi LiveDNS against the unit tests' fake HTTP edge: the exact requests
// (zones paged, one GET + PUT per name, the remainder PUT back or the rrset
// deleted), the two ways to authenticate, and its errors. Also the shared
// rrset merge helper.
#include "client/dns/gandi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../../support/fake_http.h"
#include "client/dns/rrset_merge.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
using test_support::FakeHttp;

CredentialsFile creds(const std::string& text) { return CredentialsFile::parse(text, "g.ini").value(); }

TEST(RrsetMergeTest, AddsOursOnceAndRemovesExactlyOurs) {
  const std::vector<std::string> existing{"\"keep\"", "\"a\""};
  const std::vector<std::string> ours{"\"a\"", "\"b\"", "\"b\""};
  EXPECT_EQ(rrset_with(existing, ours), (std::vector<std::string>{"\"keep\"", "\"a\"", "\"b\""}));
  EXPECT_EQ(rrset_without(rrset_with(existing, ours), ours), (std::vector<std::string>{"\"keep\""}));
  EXPECT_TRUE(rrset_without(std::vector<std::string>{"\"a\""}, ours).empty());  // only ours: delete the set
  EXPECT_EQ(rrset_with({}, std::vector<std::string>{"x"}), (std::vector<std::string>{"x"}));
}

TEST(GandiTest, PagesZonesThenPutsTheUnionAndTheRemainder) {
  auto http = std::make_shared<FakeHttp>();
  auto g = make_gandi(creds("dns_gandi_token = PAT\ndns_gandi_api_url = https://g.test/v5/livedns/\n"), http);
  ASSERT_TRUE(g) << g.error().message();
  const std::string api = "https://g.test/v5/livedns";
  // 101 zones: a full first page (Total-Count 101), then one more.
  json page1 = json::array();
  for (int i = 0; i < 100; ++i) page1.push_back({{"fqdn", "z" + std::to_string(i) + ".test"}});
  http->add(200, page1.dump(), {{"Total-Count", "101"}});
  http->add(200, R"([{"fqdn":"example.com","automatic_snapshot":true}])", {{"Total-Count", "101"}});
  auto zone = (*g)->find_zone("_acme-challenge.www.Example.com.");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.com");

  const std::vector<TxtRecord> recs{{.fqdn = "_acme-challenge.example.com", .value = "v1"},
                                    {.fqdn = "_acme-challenge.example.com", .value = "v2"},
                                    {.fqdn = "_acme-challenge.www.example.com", .value = "v3"}};
  // _acme-challenge holds another value (ttl 600); _acme-challenge.www has no rrset.
  http->add(200, R"({"rrset_name":"_acme-challenge","rrset_type":"TXT","rrset_ttl":600,"rrset_values":["\"keep\""]})");
  http->add(201, R"({"message":"DNS Record Created"})");
  http->add(404, R"({"code":404,"message":"Can't find the DNS record","object":"dns-record","cause":"Not Found"})");
  http->add(201, R"({"message":"DNS Record Created"})");
  ASSERT_TRUE((*g)->add_txt(*zone, recs));

  http->add(200, R"({"rrset_ttl":600,"rrset_values":["\"keep\"","\"v1\"","\"v2\""]})");
  http->add(201, R"({"message":"DNS Record Created"})");
  http->add(200, R"({"rrset_ttl":300,"rrset_values":["\"v3\""]})");
  http->add(204, "");
  ASSERT_TRUE((*g)->delete_txt(*zone, recs));

  auto r = http->requests();
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0].url, api + "/domains?page=1&per_page=100");
  EXPECT_EQ(r[1].url, api + "/domains?page=2&per_page=100");
  const std::string apex = api + "/domains/example.com/records/_acme-challenge/TXT";
  const std::string www = api + "/domains/example.com/records/_acme-challenge.www/TXT";
  EXPECT_EQ(r[2].method + " " + r[2].url, "GET " + apex);
  EXPECT_EQ(r[3].method + " " + r[3].url, "PUT " + apex);
  EXPECT_EQ(json::parse(r[3].body), json::parse(R"({"rrset_values":["\"keep\"","\"v1\"","\"v2\""],"rrset_ttl":600})"));
  EXPECT_EQ(r[4].method + " " + r[4].url, "GET " + www);
  EXPECT_EQ(r[5].method + " " + r[5].url, "PUT " + www);
  EXPECT_EQ(json::parse(r[5].body), json::parse(R"({"rrset_values":["\"v3\""],"rrset_ttl":300})"));
  EXPECT_EQ(r[6].method + " " + r[6].url, "GET " + apex);
  EXPECT_EQ(r[7].method + " " + r[7].url, "PUT " + apex);
  EXPECT_EQ(json::parse(r[7].body), json::parse(R"({"rrset_values":["\"keep\""],"rrset_ttl":600})"));
  EXPECT_EQ(r[8].method + " " + r[8].url, "GET " + www);
  EXPECT_EQ(r[9].method + " " + r[9].url, "DELETE " + www);
  for (const auto& req : r) EXPECT_EQ(req.headers.get("authorization"), "Bearer PAT");
}

TEST(GandiTest, LegacyApiKeyAndErrors) {
  auto http = std::make_shared<FakeHttp>();
  auto g = make_gandi(creds("dns_gandi_api_key = K\n"), http);
  ASSERT_TRUE(g) << g.error().message();
  http->add(403, R"({"code":403,"message":"Access was denied to this resource.","object":"HTTPForbidden","cause":"Forbidden"})");
  auto bad = (*g)->find_zone("example.com");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(bad.error().detail.starts_with(
      "Gandi LiveDNS: GET /domains?page=1&per_page=100 failed (HTTP 403): Access was denied to this resource.; "
      "check dns_gandi_api_key"))
      << bad.error().detail;
  EXPECT_EQ(http->requests()[0].url, std::string(kGandiApi) + "/domains?page=1&per_page=100");
  EXPECT_EQ(http->requests()[0].headers.get("authorization"), "Apikey K");

  http->add(200, R"([{"fqdn":"b.test"},{"fqdn":"a.test"}])");
  auto none = (*g)->find_zone("x.other.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "Gandi LiveDNS: no zone for x.other.test in this account (it has: a.test, b.test)");

  http->add(500, "not json");
  const TxtRecord rec{.fqdn = "a.test", .value = "v"};
  auto down = (*g)->add_txt("a.test", std::span(&rec, 1));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(down.error().detail, "Gandi LiveDNS: GET /domains/a.test/records/@/TXT failed (HTTP 500)");

  auto missing = make_gandi(creds("dns_gandi_api_url = https://x\n"), http);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail, "g.ini: dns_gandi_token (or the legacy dns_gandi_api_key) is missing");
}

}  // namespace
}  // namespace acmekit::client::dns_api
