// The DNS provider APIs against the unit tests' fake HTTP edge: the requests
// each makes, its errors, and the credentials files.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../../support/fake_http.h"
#include "client/dns/api_client.h"
#include "client/dns/cloudflare.h"
#include "client/dns/credentials_file.h"
#include "client/dns/digitalocean.h"
#include "client/dns/powerdns.h"
#include "client/dns/zone_match.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
using test_support::FakeHttp;

// The longest of the account's zones that holds the name; a sibling whose
// name merely ends the same way (notexample.test) does not.
TEST(ZoneMatchTest, LongestZoneHoldingTheName) {
  ZoneMatch m("_acme-challenge.www.Sub.Example.test.");
  EXPECT_FALSE(m.offer("notexample.test"));
  EXPECT_TRUE(m.offer("example.test"));
  EXPECT_TRUE(m.offer("sub.example.test."));
  EXPECT_FALSE(m.offer("other.test"));
  ASSERT_TRUE(m.result("X"));
  EXPECT_EQ(*m.result("X"), "sub.example.test");

  ZoneMatch none("a.nowhere.test");
  EXPECT_FALSE(none.result("Y"));
  EXPECT_EQ(none.result("Y", "domain").error().detail, "Y: no domain for a.nowhere.test in this account (it has: no domains)");
  none.offer("b.test");
  none.offer("a.test");
  EXPECT_EQ(none.result("Y").error().detail, "Y: no zone for a.nowhere.test in this account (it has: a.test, b.test)");
}

TEST(CredentialsFileTest, ReadsCertbotsIni) {
  auto f = CredentialsFile::parse(
      "# comment\n; another\n[section]\ndns_cloudflare_api_token = abc # inline\nDNS_X = 'quoted # kept'\n", "f.ini");
  ASSERT_TRUE(f) << f.error().message();
  EXPECT_EQ(f->get("dns_cloudflare_api_token"), "abc");
  EXPECT_EQ(f->get("dns_x"), "quoted # kept");
  EXPECT_EQ(f->get("absent"), "");
  auto missing = f->require("dns_powerdns_api_key");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail, "f.ini: dns_powerdns_api_key is missing");
  auto bad = CredentialsFile::parse("a = 1\nno equals sign\n", "f.ini");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "f.ini:2: expected 'key = value'");
}

TEST(CredentialsFileTest, RefusesAFileOthersMayRead) {
  const auto path = std::filesystem::temp_directory_path() / ("acmekit-cred-" + std::to_string(::getpid()) + ".ini");
  std::ofstream(path) << "dns_cloudflare_api_token = s3cret\n";
  ::chmod(path.c_str(), 0640);
  auto refused = CredentialsFile::load(path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("mode 0640"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(refused.error().detail.find("s3cret"), std::string::npos);
  ::chmod(path.c_str(), 0600);
  auto ok = CredentialsFile::load(path);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->get("dns_cloudflare_api_token"), "s3cret");
  std::filesystem::remove(path);
}

TEST(ApiClientTest, RetriesAfterRetryAfterThenGivesUp) {
  auto http = std::make_shared<FakeHttp>();
  std::vector<long> waits;
  ApiClient api("Cloudflare", http, [&](std::chrono::seconds s) { waits.push_back(s.count()); });
  http->add(429, "", {{"Retry-After", "7"}});
  http->add(200, "ok");
  auto r = api.send({.url = "https://x/zones"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(waits, std::vector<long>{7});
  for (int i = 0; i < 4; ++i) http->add(429, "", {{"Retry-After", "1000"}});
  auto limited = api.send({.url = "https://x/zones"});
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().detail, "Cloudflare: rate limited (HTTP 429) 4 times on GET https://x/zones; try again later");
  EXPECT_EQ(waits.back(), 60);  // capped
}

CredentialsFile creds(const std::string& text) { return CredentialsFile::parse(text, "c.ini").value(); }

TEST(PowerDnsTest, PatchesTheZoneKeepingOtherValues) {
  auto http = std::make_shared<FakeHttp>();
  auto pdns = make_powerdns(creds("dns_powerdns_api_url = http://pdns:8081/\ndns_powerdns_api_key = K\n"), http);
  ASSERT_TRUE(pdns) << pdns.error().message();
  const std::string base = "http://pdns:8081/api/v1/servers/localhost";
  http->route(base + "/zones", 200, R"([{"id":"example.test.","name":"example.test."},{"id":"test.","name":"test."}])");
  auto zone = (*pdns)->find_zone("_acme-challenge.www.example.test");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.test");
  http->add(200, R"({"rrsets":[{"name":"_acme-challenge.www.example.test.","type":"TXT","ttl":300,
                     "records":[{"content":"\"other\"","disabled":false}]}]})");
  http->add(204, "");
  const TxtRecord rec{.fqdn = "_acme-challenge.www.example.test", .value = "v1"};
  ASSERT_TRUE((*pdns)->add_txt(*zone, std::span(&rec, 1)));
  auto requests = http->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].method, "PATCH");
  EXPECT_EQ(requests[2].url, base + "/zones/example.test.");
  EXPECT_EQ(requests[2].headers.get("x-api-key"), "K");
  EXPECT_EQ(json::parse(requests[2].body), json::parse(R"({"rrsets":[{"name":"_acme-challenge.www.example.test.",
      "type":"TXT","changetype":"REPLACE","ttl":300,"records":[{"content":"\"other\"","disabled":false},
      {"content":"\"v1\"","disabled":false}]}]})"));
  // Removing ours when it is the last value deletes the RRset.
  http->add(200, R"({"rrsets":[{"name":"_acme-challenge.www.example.test.","type":"TXT","ttl":60,
                     "records":[{"content":"\"v1\"","disabled":false}]}]})");
  http->add(204, "");
  ASSERT_TRUE((*pdns)->delete_txt(*zone, std::span(&rec, 1)));
  EXPECT_EQ(json::parse(http->requests().back().body),
            json::parse(R"({"rrsets":[{"name":"_acme-challenge.www.example.test.","type":"TXT","changetype":"DELETE"}]})"));
}

// The token goes with every request, so a domain list whose next page points
// elsewhere (another host, plain http) is refused, not followed.
TEST(DigitalOceanTest, FollowsNextPagesOnlyUnderItsBase) {
  auto http = std::make_shared<FakeHttp>();
  auto dop = make_digitalocean(creds("dns_digitalocean_token = T\ndns_digitalocean_api_url = https://do.test/v2\n"), http);
  ASSERT_TRUE(dop) << dop.error().message();
  http->add(200, R"({"domains":[{"name":"a.test"}],"links":{"pages":{"next":"https://do.test/v2/domains?page=2"}}})");
  http->add(200, R"({"domains":[{"name":"example.test"}],"links":{"pages":{"next":"http://do.test/v2/domains?page=3"}}})");
  auto zone = (*dop)->find_zone("_acme-challenge.example.test");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().detail,
            "DigitalOcean: the domain list's next page http://do.test/v2/domains?page=3 is not under https://do.test/v2");
  ASSERT_EQ(http->requests().size(), 2u);
  EXPECT_EQ(http->requests()[1].url, "https://do.test/v2/domains?page=2");
  EXPECT_EQ(http->requests()[1].headers.get("authorization"), "Bearer T");
}

TEST(PowerDnsTest, ErrorsNameTheProviderAndCause) {
  auto http = std::make_shared<FakeHttp>();
  auto pdns = make_powerdns(creds("dns_powerdns_api_url = http://pdns/api/v1\ndns_powerdns_api_key = K\n"), http);
  ASSERT_TRUE(pdns);
  http->add(401, "Unauthorized");
  auto refused = (*pdns)->find_zone("a.example.test");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(refused.error().detail, "PowerDNS: GET http://pdns/api/v1/servers/localhost/zones answered HTTP 401: "
                                    "the API key was refused (dns_powerdns_api_key): Unauthorized");
  http->add(200, R"([{"id":"other.test.","name":"other.test."}])");
  auto none = (*pdns)->find_zone("a.example.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "PowerDNS: no zone for a.example.test on this server (it has: other.test)");
  EXPECT_FALSE(make_powerdns(creds("dns_powerdns_api_url = http://pdns\n"), http));
}

TEST(CloudflareTest, ZoneLookupCreateAndDeleteExactlyOurs) {
  auto http = std::make_shared<FakeHttp>();
  auto cf = make_cloudflare(creds("dns_cloudflare_api_token = T\n"), http);
  ASSERT_TRUE(cf) << cf.error().message();
  const std::string api = kCloudflareApi;
  http->add(200, R"({"success":true,"errors":[],"result":[{"id":"Z0","name":"com.example"},{"id":"Z1","name":"example.com"}],
                     "result_info":{"page":1,"per_page":50,"count":2,"total_count":2,"total_pages":1}})");
  auto zone = (*cf)->find_zone("_acme-challenge.example.com");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.com");
  http->add(200, R"({"success":true,"errors":[],"result":{"id":"R1"}})");
  const TxtRecord rec{.fqdn = "_acme-challenge.example.com", .value = "v1"};
  ASSERT_TRUE((*cf)->add_txt(*zone, std::span(&rec, 1)));
  http->add(200, R"({"success":true,"errors":[],"result":[{"id":"R1","content":"v1"}]})");
  http->add(200, R"({"success":true,"errors":[],"result":{"id":"R1"}})");
  ASSERT_TRUE((*cf)->delete_txt(*zone, std::span(&rec, 1)));
  auto r = http->requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].url, api + "/zones?per_page=50&page=1");
  EXPECT_EQ(r[1].method, "POST");
  EXPECT_EQ(r[1].url, api + "/zones/Z1/dns_records");
  EXPECT_EQ(json::parse(r[1].body),
            json::parse(R"({"type":"TXT","name":"_acme-challenge.example.com","content":"v1","ttl":120})"));
  EXPECT_EQ(r[2].url, api + "/zones/Z1/dns_records?type=TXT&name=_acme-challenge.example.com&content=v1");
  EXPECT_EQ(r[3].method, "DELETE");
  EXPECT_EQ(r[3].url, api + "/zones/Z1/dns_records/R1");
  for (const auto& req : r) EXPECT_EQ(req.headers.get("authorization"), "Bearer T");
}

TEST(CloudflareTest, ZonesListedOncePageByPageThenNotFoundNamesThem) {
  auto http = std::make_shared<FakeHttp>();
  auto cf = make_cloudflare(creds("dns_cloudflare_api_token = T\n"), http);
  ASSERT_TRUE(cf);
  const std::string api = kCloudflareApi;
  http->add(200, R"({"success":true,"errors":[],"result":[{"id":"A","name":"a.test"}],
                     "result_info":{"page":1,"per_page":50,"count":1,"total_count":2,"total_pages":2}})");
  http->add(200, R"({"success":true,"errors":[],"result":[{"id":"B","name":"b.test"}],
                     "result_info":{"page":2,"per_page":50,"count":1,"total_count":2,"total_pages":2}})");
  EXPECT_EQ((*cf)->find_zone("_acme-challenge.x.b.test").value(), "b.test");
  EXPECT_EQ((*cf)->find_zone("_acme-challenge.a.test").value(), "a.test");
  auto missing = (*cf)->find_zone("_acme-challenge.c.test");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail,
            "Cloudflare: no zone for _acme-challenge.c.test in this account (it has: a.test, b.test); is the domain "
            "on this account and does the token have Zone:Read for it?");
  auto r = http->requests();
  ASSERT_EQ(r.size(), 2u);  // the two pages, once for the three names
  EXPECT_EQ(r[0].url, api + "/zones?per_page=50&page=1");
  EXPECT_EQ(r[1].url, api + "/zones?per_page=50&page=2");
}

TEST(CloudflareTest, ErrorsQuoteTheApiCodes) {
  auto http = std::make_shared<FakeHttp>();
  auto cf = make_cloudflare(creds("dns_cloudflare_email = a@b.c\ndns_cloudflare_api_key = G\n"), http);
  ASSERT_TRUE(cf);
  http->add(400, R"({"success":false,"errors":[{"code":6003,"message":"Invalid request headers",
                    "error_chain":[{"code":6103,"message":"Invalid format for X-Auth-Key header"}]}],"result":null})");
  auto bad = (*cf)->find_zone("example.com");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "Cloudflare: GET /zones?per_page=50&page=1 failed (HTTP 400): "
                                "6003 Invalid request headers (6103 Invalid format for X-Auth-Key header)");
  EXPECT_EQ(http->requests()[0].headers.get("x-auth-email"), "a@b.c");
  EXPECT_EQ(http->requests()[0].headers.get("x-auth-key"), "G");
  auto none = make_cloudflare(creds("dns_cloudflare_email = a@b.c\n"), http);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().detail.find("dns_cloudflare_api_token is missing"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::client::dns_api
