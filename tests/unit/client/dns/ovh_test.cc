// OVH against the unit tests' fake HTTP edge: the signed requests (the
// signature checked against values computed independently with sha1sum),
// the server clock offset, one refresh per zone, exactly our records
// deleted, and the errors.
#include "client/dns/ovh.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../../support/fake_http.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
using test_support::FakeHttp;

CredentialsFile creds(const std::string& text) { return CredentialsFile::parse(text, "ovh.ini").value(); }

const char* kCreds =
    "dns_ovh_endpoint = https://ovh.test/1.0/\n"
    "dns_ovh_application_key = AK\n"
    "dns_ovh_application_secret = AS\n"
    "dns_ovh_consumer_key = CK\n";

TEST(OvhTest, EndpointNames) {
  EXPECT_EQ(ovh_endpoint_url("ovh-eu"), "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(ovh_endpoint_url("ovh-ca"), "https://ca.api.ovh.com/1.0");
  EXPECT_EQ(ovh_endpoint_url("ovh-us"), "https://api.us.ovhcloud.com/1.0");
  EXPECT_EQ(ovh_endpoint_url("kimsufi-eu"), "https://eu.api.kimsufi.com/1.0");
  EXPECT_EQ(ovh_endpoint_url("https://x.test/1.0/"), "https://x.test/1.0");
  EXPECT_EQ(ovh_endpoint_url("ovh-mars"), "");
  auto bad = make_ovh(creds("dns_ovh_endpoint = ovh-mars\n"), std::make_shared<FakeHttp>());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("ovh.ini: dns_ovh_endpoint \"ovh-mars\" is unknown"), std::string::npos);
  auto missing = make_ovh(creds("dns_ovh_endpoint = ovh-eu\ndns_ovh_application_key = AK\n"), std::make_shared<FakeHttp>());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().detail, "ovh.ini: dns_ovh_application_secret is missing");
}

TEST(OvhTest, SignedRequestsOneRefreshPerZoneExactlyOursDeleted) {
  auto http = std::make_shared<FakeHttp>();
  std::int64_t local = 1000;
  auto ovh = make_ovh(creds(kCreds), http, [&] { return local; });
  ASSERT_TRUE(ovh) << ovh.error().message();
  const std::string api = "https://ovh.test/1.0";
  http->add(200, "1500");  // /auth/time: the API's clock is 500 s ahead
  http->add(200, R"(["other.com","example.com","sub.example.com"])");
  auto zone = (*ovh)->find_zone("_acme-challenge.Example.com.");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.com");

  const std::vector<TxtRecord> recs{{.fqdn = "_acme-challenge.example.com", .value = "v1"},
                                    {.fqdn = "example.com", .value = "v2"}};
  http->add(200, R"({"id":11,"fieldType":"TXT","subDomain":"_acme-challenge","target":"v1","ttl":60,"zone":"example.com"})");
  http->add(200, R"({"id":12,"fieldType":"TXT","subDomain":"","target":"v2","ttl":60,"zone":"example.com"})");
  http->add(200, "null");
  local = 1010;  // the offset is kept: no second /auth/time
  ASSERT_TRUE((*ovh)->add_txt(*zone, recs));

  http->add(200, "[7,11]");
  http->add(200, R"({"id":7,"fieldType":"TXT","subDomain":"_acme-challenge","target":"\"keep\""})");
  http->add(200, R"({"id":11,"fieldType":"TXT","subDomain":"_acme-challenge","target":"\"v1\""})");
  http->add(200, "null");
  http->add(200, "[12]");
  http->add(200, R"({"id":12,"fieldType":"TXT","subDomain":"","target":"v2"})");
  http->add(200, "null");
  http->add(200, "null");
  ASSERT_TRUE((*ovh)->delete_txt(*zone, recs));

  auto r = http->requests();
  std::vector<std::string> got;
  for (const auto& q : r) got.push_back(q.method + " " + q.url.substr(api.size()));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "GET /auth/time",
                     "GET /domain/zone",
                     "POST /domain/zone/example.com/record",
                     "POST /domain/zone/example.com/record",
                     "POST /domain/zone/example.com/refresh",
                     "GET /domain/zone/example.com/record?fieldType=TXT&subDomain=_acme-challenge",
                     "GET /domain/zone/example.com/record/7",
                     "GET /domain/zone/example.com/record/11",
                     "DELETE /domain/zone/example.com/record/11",
                     "GET /domain/zone/example.com/record?fieldType=TXT&subDomain=",
                     "GET /domain/zone/example.com/record/12",
                     "DELETE /domain/zone/example.com/record/12",
                     "POST /domain/zone/example.com/refresh",
                 }));
  ASSERT_EQ(r.size(), 13u);
  EXPECT_FALSE(r[0].headers.get("x-ovh-signature"));  // /auth/time is not signed
  for (std::size_t i = 1; i < r.size(); ++i) {
    EXPECT_EQ(r[i].headers.get("x-ovh-application"), "AK");
    EXPECT_EQ(r[i].headers.get("x-ovh-consumer"), "CK");
  }
  EXPECT_EQ(r[1].headers.get("x-ovh-timestamp"), "1500");
  EXPECT_EQ(r[2].body, R"({"fieldType":"TXT","subDomain":"_acme-challenge","target":"v1","ttl":60})");
  EXPECT_EQ(json::parse(r[3].body)["subDomain"], "");
  EXPECT_EQ(r[4].headers.get("x-ovh-timestamp"), "1510");
  // printf '%s' 'AS+CK+GET+https://ovh.test/1.0/domain/zone++1500' | sha1sum
  EXPECT_EQ(r[1].headers.get("x-ovh-signature"), "$1$84915c6f24013f5ae0159ec66af56ec8e763e9f9");
  // printf '%s' 'AS+CK+POST+https://ovh.test/1.0/domain/zone/example.com/record+{"fieldType":"TXT",'
  //   '"subDomain":"_acme-challenge","target":"v1","ttl":60}+1510' | sha1sum   (one argument; 1510: the clock moved 10 s)
  EXPECT_EQ(r[2].headers.get("x-ovh-signature"), "$1$615d9561021cb31b535a521700ac98f8b84d9af4");
}

TEST(OvhTest, ErrorsOnOneLineCredentialsUnauthorized) {
  auto http = std::make_shared<FakeHttp>();
  auto ovh = make_ovh(creds(kCreds), http, [] { return std::int64_t{1500}; });
  ASSERT_TRUE(ovh);
  http->add(200, "1500");
  http->add(400, R"({"errorCode":"INVALID_SIGNATURE","httpCode":"400 Bad Request","message":"Invalid signature"})");
  auto sig = (*ovh)->find_zone("example.com");
  ASSERT_FALSE(sig);
  EXPECT_EQ(sig.error().kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(sig.error().detail.starts_with("OVH: GET /domain/zone failed (HTTP 400): Invalid signature; check "))
      << sig.error().detail;
  EXPECT_NE(sig.error().detail.find("GET, POST and DELETE on /domain/zone/*"), std::string::npos);

  http->add(403, R"({"errorCode":"INVALID_CREDENTIAL","httpCode":"403 Forbidden","message":"This credential is not valid"})");
  auto cred = (*ovh)->find_zone("example.com");
  ASSERT_FALSE(cred);
  EXPECT_EQ(cred.error().kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(cred.error().detail.starts_with("OVH: GET /domain/zone failed (HTTP 403): This credential is not valid;"));

  http->add(200, R"(["b.test","a.test"])");
  auto none = (*ovh)->find_zone("x.other.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "OVH: no zone for x.other.test in this account (it has: a.test, b.test)");

  http->add(404, R"({"message":"This service does not exist"})");
  const TxtRecord rec{.fqdn = "a.test", .value = "v"};
  auto gone = (*ovh)->add_txt("a.test", std::span(&rec, 1));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_EQ(gone.error().detail, "OVH: POST /domain/zone/a.test/record failed (HTTP 404): This service does not exist");
}

}  // namespace
}  // namespace acmekit::client::dns_api
