// Azure DNS against the fake HTTP edge: the client-credentials token request,
// the exact ARM requests (zones by nextLink, record sets read and written
// whole, DELETE when only ours was there), certbot-dns-azure's zone mappings
// and the error formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../../support/fake_http.h"
#include "client/dns/azure.h"
#include "client/dns/credentials_file.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
using test_support::FakeHttp;

CredentialsFile creds(const std::string& text) { return CredentialsFile::parse(text, "az.ini").value(); }

const std::string kSp = "dns_azure_sp_client_id = CID\ndns_azure_sp_client_secret = S3cr+t/x\ndns_azure_tenant_id = TEN\n"
                        "dns_azure_authority_url = https://login.test/\ndns_azure_api_url = https://arm.test\n";

TEST(AzureTest, ListsZonesThenReadsAndWritesRecordSets) {
  auto http = std::make_shared<FakeHttp>();
  auto az = make_azure(creds(kSp + "dns_azure_subscription_id = SUB\ndns_azure_resource_group = rg-1\n"), http);
  ASSERT_TRUE(az) << az.error().message();
  const std::string rg = "https://arm.test/subscriptions/SUB/resourceGroups/rg-1/providers/Microsoft.Network/dnsZones";
  http->add(200, R"({"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"AT"})");
  http->add(200, R"({"value":[{"id":"/subscriptions/SUB/resourceGroups/rg-1/providers/Microsoft.Network/dnsZones/other.test",
                     "name":"other.test"}],"nextLink":")" + rg + R"(?api-version=2018-05-01&$skipToken=abc"})");
  http->add(200, R"({"value":[{"name":"example.test"}]})");
  auto zone = az->get()->find_zone("_acme-challenge.www.example.test");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.test");

  const TxtRecord recs[] = {{.fqdn = "_acme-challenge.example.test", .value = "v1"},
                            {.fqdn = "_acme-challenge.example.test", .value = "v2"},
                            {.fqdn = "_acme-challenge.www.example.test", .value = "v3"}};
  // The apex name has someone else's value (TTL 300); the other has nothing yet.
  http->add(200, R"({"name":"_acme-challenge","properties":{"TTL":300,"TXTRecords":[{"value":["keep"]}]}})");
  http->add(200, "{}");
  http->add(404, R"({"error":{"code":"NotFound","message":"The resource record '_acme-challenge.www' does not exist."}})");
  http->add(201, "{}");
  ASSERT_TRUE(az->get()->add_txt(*zone, recs));

  http->add(200, R"({"properties":{"TTL":300,"TXTRecords":[{"value":["keep"]},{"value":["v1"]},{"value":["v2"]}]}})");
  http->add(200, "{}");
  http->add(200, R"({"properties":{"TTL":60,"TXTRecords":[{"value":["v3"]}]}})");
  http->add(200, "");
  ASSERT_TRUE(az->get()->delete_txt(*zone, recs));

  const auto r = http->requests();
  ASSERT_EQ(r.size(), 11u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, "https://login.test/TEN/oauth2/v2.0/token");
  EXPECT_EQ(r[0].body, "grant_type=client_credentials&client_id=CID&client_secret=S3cr%2Bt%2Fx&"
                       "scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
  EXPECT_EQ(r[1].url, rg + "?api-version=2018-05-01");
  EXPECT_EQ(r[2].url, rg + "?api-version=2018-05-01&$skipToken=abc");
  const std::string z = rg + "/example.test/TXT/";
  EXPECT_EQ(r[3].method + " " + r[3].url, "GET " + z + "_acme-challenge?api-version=2018-05-01");
  EXPECT_EQ(r[4].method + " " + r[4].url, "PUT " + z + "_acme-challenge?api-version=2018-05-01");
  EXPECT_EQ(json::parse(r[4].body),
            json::parse(R"({"properties":{"TTL":300,"TXTRecords":[{"value":["keep"]},{"value":["v1"]},{"value":["v2"]}]}})"));
  EXPECT_EQ(r[5].method + " " + r[5].url, "GET " + z + "_acme-challenge.www?api-version=2018-05-01");
  EXPECT_EQ(r[6].method + " " + r[6].url, "PUT " + z + "_acme-challenge.www?api-version=2018-05-01");
  EXPECT_EQ(json::parse(r[6].body), json::parse(R"({"properties":{"TTL":60,"TXTRecords":[{"value":["v3"]}]}})"));
  EXPECT_EQ(r[8].method + " " + r[8].url, "PUT " + z + "_acme-challenge?api-version=2018-05-01");
  EXPECT_EQ(json::parse(r[8].body), json::parse(R"({"properties":{"TTL":300,"TXTRecords":[{"value":["keep"]}]}})"));
  EXPECT_EQ(r[10].method + " " + r[10].url, "DELETE " + z + "_acme-challenge.www?api-version=2018-05-01");
  for (std::size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i].headers.get("authorization"), "Bearer AT") << i;
  EXPECT_EQ(http->queued(), 0u);
}

TEST(AzureTest, CertbotZoneMappingsNeedNoListing) {
  auto http = std::make_shared<FakeHttp>();
  auto az = make_azure(creds(kSp + "dns_azure_zone1 = example.test:/subscriptions/S1/resourceGroups/g1\n"
                                   "dns_azure_zone2 = second.test:/subscriptions/S2/resourceGroups/g2/\n"),
                       http);
  ASSERT_TRUE(az) << az.error().message();
  auto zone = az->get()->find_zone("www.second.test");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "second.test");
  auto none = az->get()->find_zone("x.other.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail,
            "Azure DNS: no zone for x.other.test in the dns_azure_zoneN mappings (it has: example.test, second.test)");
  EXPECT_TRUE(http->requests().empty());
  http->add(200, R"({"access_token":"AT","expires_in":3600})");
  http->add(200, R"({"properties":{"TTL":60,"TXTRecords":[{"value":["v"]}]}})");
  const TxtRecord rec{.fqdn = "second.test", .value = "v"};
  ASSERT_TRUE(az->get()->add_txt(*zone, std::span(&rec, 1)));  // already there: nothing written
  ASSERT_EQ(http->requests().size(), 2u);
  EXPECT_EQ(http->requests()[1].url, "https://arm.test/subscriptions/S2/resourceGroups/g2/providers/"
                                     "Microsoft.Network/dnsZones/second.test/TXT/@?api-version=2018-05-01");
  auto bad = make_azure(creds(kSp + "dns_azure_zone1 = example.test\n"), http);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "az.ini: dns_azure_zone1 is not ZONE:/subscriptions/ID/resourceGroups/NAME");
  EXPECT_FALSE(make_azure(creds(kSp), http));  // no zones at all
  EXPECT_FALSE(make_azure(creds(kSp + "dns_azure_zone1 = a.test:/subscriptions/S/resourceGroups/g\n"
                                      "dns_azure_environment = AzureGermanCloud\n"), http));
}

TEST(AzureTest, ErrorsInAzuresFormats) {
  auto http = std::make_shared<FakeHttp>();
  auto az = make_azure(creds(kSp + "dns_azure_subscription_id = SUB\ndns_azure_resource_group = rg\n"), http);
  ASSERT_TRUE(az);
  http->add(401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. )"
                 R"(Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: x\r\n",
                 "error_codes":[7000215]})");
  auto refused = az->get()->find_zone("a.example.test");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(refused.error().detail,
            "Azure DNS: token request to https://login.test/TEN/oauth2/v2.0/token refused (HTTP 401): invalid_client: "
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client "
            "secret value.; check dns_azure_sp_client_id, dns_azure_sp_client_secret and dns_azure_tenant_id");
  EXPECT_EQ(refused.error().detail.find("S3cr"), std::string::npos);
  http->add(200, R"({"access_token":"AT","expires_in":3600})");
  http->add(403, R"({"error":{"code":"AuthorizationFailed","message":"The client 'CID' does not have authorization."}})");
  auto denied = az->get()->find_zone("a.example.test");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(denied.error().detail,
            "Azure DNS: GET /subscriptions/SUB/resourceGroups/rg/providers/Microsoft.Network/dnsZones?api-version="
            "2018-05-01 failed (HTTP 403): AuthorizationFailed: The client 'CID' does not have authorization.; the "
            "service principal needs the DNS Zone Contributor role on the zone or its resource group");
  // A nextLink elsewhere is not followed with the token.
  http->add(200, R"({"value":[],"nextLink":"https://evil.test/steal"})");
  auto away = az->get()->find_zone("a.example.test");
  ASSERT_FALSE(away);
  EXPECT_EQ(away.error().detail, "Azure DNS: nextLink https://evil.test/steal is not under https://arm.test; not followed");
}

}  // namespace
}  // namespace acmekit::client::dns_api
