// Google Cloud DNS against the fake HTTP edge: the service account's JWT
// (header, claims, an RS256 signature the SA's public key verifies), the
// token exchange, the exact API requests (one change per zone) and errors.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../../support/fake_http.h"
#include "client/dns/credentials_file.h"
#include "client/dns/google.h"
#include "core/base64url.h"
#include "core/crypto/key.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
using test_support::FakeHttp;

const crypto::PrivateKey& sa_key() {
  static const crypto::PrivateKey key =
      crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kRsa, .rsa_bits = 2048}).value();
  return key;
}

json sa_json() {
  return {{"type", "service_account"},
          {"project_id", "proj-1"},
          {"private_key_id", "kid-123"},
          {"private_key", sa_key().to_pem()},
          {"client_email", "acme@proj-1.iam.gserviceaccount.com"},
          {"token_uri", "https://tok.test/token"},
          {"dns_google_api_url", "https://dns.test/dns/v1/"}};
}

CredentialsFile creds(const json& j) { return CredentialsFile::parse_json(j.dump(), "sa.json").value(); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + 1) out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

TEST(GoogleTest, JwtAssertionIsSignedByTheServiceAccountKey) {
  auto jwt = google_jwt_assertion(creds(sa_json()), 1700000000);
  ASSERT_TRUE(jwt) << jwt.error().message();
  const auto parts = split(*jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(json::parse(base64url_decode(parts[0]).value()), json::parse(R"({"alg":"RS256","typ":"JWT","kid":"kid-123"})"));
  EXPECT_EQ(json::parse(base64url_decode(parts[1]).value()),
            json::parse(R"({"iss":"acme@proj-1.iam.gserviceaccount.com",
                            "scope":"https://www.googleapis.com/auth/ndev.clouddns.readwrite",
                            "aud":"https://tok.test/token","iat":1700000000,"exp":1700003600})"));
  const std::string input = parts[0] + "." + parts[1];
  const std::string sig = base64url_decode(parts[2]).value();
  EXPECT_TRUE(sa_key().public_key().verify_jws("RS256", input, sig));
  auto other = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kRsa, .rsa_bits = 2048}).value();
  EXPECT_FALSE(other.public_key().verify_jws("RS256", input, sig));
  EXPECT_FALSE(sa_key().public_key().verify_jws("RS256", parts[0] + ".x", sig));
}

TEST(GoogleTest, RefusesWhatIsNotAServiceAccountKey) {
  json j = sa_json();
  j["type"] = "authorized_user";
  auto bad = make_google(creds(j), std::make_shared<FakeHttp>());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "sa.json: not a service account key (type is \"authorized_user\", want \"service_account\")");
  j = sa_json();
  j["private_key"] = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
  bad = make_google(creds(j), std::make_shared<FakeHttp>());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail, "sa.json: private_key is not an RSA private key");
  EXPECT_FALSE(CredentialsFile::parse_json("[1]", "x.json"));
  EXPECT_EQ(CredentialsFile::parse_json("{ \"secret", "x.json").error().detail, "x.json: not a JSON object");
}

TEST(GoogleTest, JsonCredentialsNeedMode0600) {
  const auto path = std::filesystem::temp_directory_path() / ("acmekit-sa-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << sa_json().dump();
  ::chmod(path.c_str(), 0644);
  auto refused = CredentialsFile::load_json(path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("mode 0644"), std::string::npos) << refused.error().detail;
  ::chmod(path.c_str(), 0600);
  auto ok = CredentialsFile::load_json(path);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->get("client_email"), "acme@proj-1.iam.gserviceaccount.com");
  std::filesystem::remove(path);
}

TEST(GoogleTest, OneChangePerZoneKeepingOtherValues) {
  auto http = std::make_shared<FakeHttp>();
  auto google = make_google(creds(sa_json()), http);
  ASSERT_TRUE(google) << google.error().message();
  const std::string api = "https://dns.test/dns/v1/projects/proj-1";
  http->add(200, R"({"access_token":"AT1","expires_in":3599,"token_type":"Bearer"})");
  http->add(200, R"({"managedZones":[{"name":"z-other","dnsName":"other.test."},
                     {"name":"z-ex","dnsName":"example.test.","visibility":"public"}],"nextPageToken":"P2"})");
  http->add(200, R"({"managedZones":[{"name":"z-sub","dnsName":"sub.example.test.","visibility":"private"}]})");
  auto zone = (*google)->find_zone("_acme-challenge.www.sub.Example.test");
  ASSERT_TRUE(zone) << zone.error().message();
  EXPECT_EQ(*zone, "example.test");  // the private zone is not what the CA sees

  const TxtRecord recs[] = {{.fqdn = "_acme-challenge.example.test", .value = "v1"},
                            {.fqdn = "_acme-challenge.example.test", .value = "v2"},
                            {.fqdn = "_acme-challenge.www.sub.example.test", .value = "v3"}};
  http->add(200, R"({"rrsets":[{"kind":"dns#resourceRecordSet","name":"_acme-challenge.example.test.","type":"TXT",
                     "ttl":300,"rrdatas":["\"keep\""]}]})");
  http->add(200, R"({"rrsets":[]})");
  http->add(200, R"({"kind":"dns#change","id":"7","status":"done"})");
  ASSERT_TRUE((*google)->add_txt(*zone, recs));

  http->add(200, R"({"rrsets":[{"name":"_acme-challenge.example.test.","type":"TXT","ttl":300,
                     "rrdatas":["\"keep\"","\"v1\"","\"v2\""]}]})");
  http->add(200, R"({"rrsets":[{"name":"_acme-challenge.www.sub.example.test.","type":"TXT","ttl":60,
                     "rrdatas":["\"v3\""]}]})");
  http->add(200, R"({"kind":"dns#change","id":"8","status":"pending"})");
  http->add(200, R"({"kind":"dns#change","id":"8","status":"done"})");
  ASSERT_TRUE((*google)->delete_txt(*zone, recs));

  const auto r = http->requests();
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(r[0].url, "https://tok.test/token");
  EXPECT_EQ(r[0].headers.get("content-type"), "application/x-www-form-urlencoded");
  const std::string prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  ASSERT_TRUE(r[0].body.starts_with(prefix)) << r[0].body;
  const auto parts = split(r[0].body.substr(prefix.size()), '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_TRUE(sa_key().public_key().verify_jws("RS256", parts[0] + "." + parts[1], base64url_decode(parts[2]).value()));
  EXPECT_EQ(r[1].url, api + "/managedZones");
  EXPECT_EQ(r[2].url, api + "/managedZones?pageToken=P2");
  EXPECT_EQ(r[3].url, api + "/managedZones/z-ex/rrsets?name=_acme-challenge.example.test.&type=TXT");
  EXPECT_EQ(r[4].url, api + "/managedZones/z-ex/rrsets?name=_acme-challenge.www.sub.example.test.&type=TXT");
  EXPECT_EQ(r[5].method, "POST");
  EXPECT_EQ(r[5].url, api + "/managedZones/z-ex/changes");
  EXPECT_EQ(json::parse(r[5].body), json::parse(R"({"kind":"dns#change",
      "deletions":[{"name":"_acme-challenge.example.test.","type":"TXT","ttl":300,"rrdatas":["\"keep\""]}],
      "additions":[{"name":"_acme-challenge.example.test.","type":"TXT","ttl":300,"rrdatas":["\"keep\"","\"v1\"","\"v2\""]},
                   {"name":"_acme-challenge.www.sub.example.test.","type":"TXT","ttl":60,"rrdatas":["\"v3\""]}]})"));
  EXPECT_EQ(r[8].url, api + "/managedZones/z-ex/changes");
  EXPECT_EQ(json::parse(r[8].body), json::parse(R"({"kind":"dns#change",
      "deletions":[{"name":"_acme-challenge.example.test.","type":"TXT","ttl":300,"rrdatas":["\"keep\"","\"v1\"","\"v2\""]},
                   {"name":"_acme-challenge.www.sub.example.test.","type":"TXT","ttl":60,"rrdatas":["\"v3\""]}],
      "additions":[{"name":"_acme-challenge.example.test.","type":"TXT","ttl":300,"rrdatas":["\"keep\""]}]})"));
  EXPECT_EQ(r[9].method, "GET");
  EXPECT_EQ(r[9].url, api + "/managedZones/z-ex/changes/8");
  for (std::size_t i = 1; i < r.size(); ++i) EXPECT_EQ(r[i].headers.get("authorization"), "Bearer AT1") << i;
  EXPECT_EQ(http->queued(), 0u);
}

TEST(GoogleTest, ErrorsInGooglesFormat) {
  auto http = std::make_shared<FakeHttp>();
  auto google = make_google(creds(sa_json()), http);
  ASSERT_TRUE(google);
  http->add(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  auto refused = (*google)->find_zone("example.test");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(refused.error().detail,
            "Google Cloud DNS: token request to https://tok.test/token refused (HTTP 400): invalid_grant: "
            "Invalid JWT Signature.; check the service account key in dns_google_credentials");
  http->add(200, R"({"access_token":"AT2","expires_in":3600})");
  http->add(403, R"({"error":{"code":403,"message":"Forbidden","errors":[{"message":"Forbidden","domain":"global",
                     "reason":"forbidden"}],"status":"PERMISSION_DENIED"}})");
  auto denied = (*google)->find_zone("example.test");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().kind, ErrorKind::kUnauthorized);
  EXPECT_EQ(denied.error().detail,
            "Google Cloud DNS: GET /projects/proj-1/managedZones failed (HTTP 403): Forbidden; the service account "
            "acme@proj-1.iam.gserviceaccount.com needs the DNS Administrator role (roles/dns.admin) in project proj-1");
  http->add(200, R"({"managedZones":[{"name":"a","dnsName":"a.test."}]})");
  auto none = (*google)->find_zone("x.example.test");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail, "Google Cloud DNS: no zone for x.example.test in project proj-1 (it has: a.test)");
  // The token was asked for once after the refusal, then reused.
  EXPECT_EQ(http->count("https://tok.test/token"), 2u);
}

TEST(GoogleTest, ProjectOverride) {
  auto http = std::make_shared<FakeHttp>();
  json j = sa_json();
  j["dns_google_project"] = "other-proj";
  auto google = make_google(creds(j), http);
  ASSERT_TRUE(google);
  http->add(200, R"({"access_token":"AT","expires_in":3600})");
  http->add(200, R"({"managedZones":[]})");
  EXPECT_FALSE((*google)->find_zone("x.test"));
  EXPECT_EQ(http->requests()[1].url, "https://dns.test/dns/v1/projects/other-proj/managedZones");
}

}  // namespace
}  // namespace acmekit::client::dns_api
