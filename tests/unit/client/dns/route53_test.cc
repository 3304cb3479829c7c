// AWS SigV4 against AWS's published test suite (aws-sig-v4-test-suite), the
// small XML reader, Route 53's credentials lookup, and the Route 53 API
// calls against the unit tests' fake HTTP edge.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "../../support/fake_http.h"
#include "client/dns/aws_sigv4.h"
#include "client/dns/providers.h"
#include "client/dns/route53.h"
#include "client/dns/xml_lite.h"

namespace acmekit::client::dns_api {
namespace {

using test_support::FakeHttp;

const AwsCredentials kSuiteKeys{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kSuiteDate = "20150830T123600Z";
constexpr const char* kSuiteCred = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

std::string sign(http::Request req, const AwsCredentials& keys = kSuiteKeys) {
  auto ok = aws_sigv4_sign(req, keys, "us-east-1", "service", kSuiteDate);
  EXPECT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(req.headers.get("x-amz-date").value_or(""), kSuiteDate);
  return req.headers.get("authorization").value_or("");
}

// get-vanilla: GET / with Host and X-Amz-Date.
TEST(Sigv4Test, SuiteGetVanilla) {
  EXPECT_EQ(sign({.method = "GET", .url = "https://example.amazonaws.com/"}),
            std::string(kSuiteCred) + "SignedHeaders=host;x-amz-date, "
                                      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // No path at all is "/" too.
  EXPECT_EQ(sign({.method = "GET", .url = "https://example.amazonaws.com"}),
            sign({.method = "GET", .url = "https://example.amazonaws.com/"}));
}

// get-vanilla-query-order-key-case: the query sorted by name.
TEST(Sigv4Test, SuiteGetQueryOrderKeyCase) {
  EXPECT_EQ(sign({.method = "GET", .url = "https://example.amazonaws.com/?Param2=value2&Param1=value1"}),
            std::string(kSuiteCred) + "SignedHeaders=host;x-amz-date, "
                                      "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

// post-x-www-form-urlencoded: a body and a signed Content-Type.
TEST(Sigv4Test, SuitePostFormBody) {
  http::Request req{.method = "POST", .url = "https://example.amazonaws.com/", .body = "Param1=value1"};
  req.headers.add("Content-Type", "application/x-www-form-urlencoded");
  EXPECT_EQ(sign(req), std::string(kSuiteCred) +
                           "SignedHeaders=content-type;host;x-amz-date, "
                           "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

// post-sts-token/post-sts-header-before: the session token is a signed header.
TEST(Sigv4Test, SuitePostSessionToken) {
  AwsCredentials keys = kSuiteKeys;
  keys.session_token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8"
      "YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8"
      "YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/"
      "oLxBA==";
  http::Request req{.method = "POST", .url = "https://example.amazonaws.com/"};
  ASSERT_TRUE(aws_sigv4_sign(req, keys, "us-east-1", "service", kSuiteDate));
  EXPECT_EQ(req.headers.get("x-amz-security-token").value_or(""), keys.session_token);
  EXPECT_EQ(req.headers.get("authorization").value_or(""),
            std::string(kSuiteCred) + "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                                      "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

// A different secret, body or port changes the signature; the date format.
TEST(Sigv4Test, SignatureCoversSecretBodyAndPort) {
  AwsCredentials other = kSuiteKeys;
  other.secret_access_key += "x";
  const std::string base = sign({.method = "POST", .url = "https://example.amazonaws.com/", .body = "a"});
  EXPECT_NE(base, sign({.method = "POST", .url = "https://example.amazonaws.com/", .body = "a"}, other));
  EXPECT_NE(base, sign({.method = "POST", .url = "https://example.amazonaws.com/", .body = "b"}));
  EXPECT_NE(base, sign({.method = "POST", .url = "https://example.amazonaws.com:8443/", .body = "a"}));
  EXPECT_EQ(base, sign({.method = "POST", .url = "https://example.amazonaws.com:443/", .body = "a"}));
  EXPECT_EQ(aws_amz_date(std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} +
                         std::chrono::minutes{36}),
            kSuiteDate);
  http::Request bad{.url = "no-scheme"};
  EXPECT_FALSE(aws_sigv4_sign(bad, kSuiteKeys, "us-east-1", "service", kSuiteDate));
}

TEST(XmlLiteTest, ReadsElementsEntitiesAndCdata) {
  auto doc = xml::parse(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c --><r:Root xmlns:r=\"x\" a='1>2'>"
      "<A>x &amp; &lt;y&gt; &quot;&apos; &#65;&#x42;&#xE9;</A><B/><A><![CDATA[<raw>&amp;]]></A></r:Root>\n");
  ASSERT_TRUE(doc) << doc.error().detail;
  EXPECT_EQ(doc->name, "Root");
  EXPECT_EQ(doc->child_text("A"), "x & <y> \"' AB\xC3\xA9");
  ASSERT_EQ(doc->all("A").size(), 2u);
  EXPECT_EQ(doc->all("A")[1]->text, "<raw>&amp;");
  EXPECT_NE(doc->child("B"), nullptr);
  EXPECT_EQ(doc->child("C"), nullptr);
  EXPECT_EQ(doc->child_text("C"), "");
}

TEST(XmlLiteTest, RefusesWhatIsNotWellFormed) {
  for (const char* bad : {"", "text", "<a>", "<a></b>", "<a>&nope;</a>", "<a>&#0;</a>", "<a>&amp</a>",
                          "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a></a><b/>", "<a b='1></a>"}) {
    EXPECT_FALSE(xml::parse(bad)) << bad;
  }
  EXPECT_EQ(xml::escape("a<b>&c\""), "a&lt;b&gt;&amp;c\"");
}

// Credentials: the file's keys, else the environment, else the shared file's profile.
class Route53SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("acmekit-r53-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  EnvLookup env() {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      return it == env_.end() ? std::nullopt : std::optional(it->second);
    };
  }
  CredentialsFile file(const std::string& text) {
    auto f = CredentialsFile::parse(text, "r53.ini");
    EXPECT_TRUE(f);
    return *f;
  }
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(Route53SettingsTest, OrderFileThenEnvironmentThenSharedFile) {
  env_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}, {"AWS_SESSION_TOKEN", "tok"},
          {"HOME", dir_.string()}};
  auto s = route53_settings(file("aws_access_key_id = AKFILE\naws_secret_access_key = filesecret\n"), env());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->credentials.access_key_id, "AKFILE");
  EXPECT_EQ(s->credentials.session_token, "");
  EXPECT_EQ(s->endpoint, kRoute53Api);

  s = route53_settings(CredentialsFile{}, env());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->credentials.access_key_id, "AKENV");
  EXPECT_EQ(s->credentials.secret_access_key, "envsecret");
  EXPECT_EQ(s->credentials.session_token, "tok");

  std::filesystem::create_directories(dir_ / ".aws");
  std::ofstream(dir_ / ".aws/credentials") << "[default]\naws_access_key_id = AKDEF\naws_secret_access_key = d\n"
                                              "[ci]\n aws_access_key_id=AKCI\naws_secret_access_key = c # x\n";
  env_.erase("AWS_ACCESS_KEY_ID");
  env_.erase("AWS_SECRET_ACCESS_KEY");
  s = route53_settings(CredentialsFile{}, env());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->credentials.access_key_id, "AKDEF");
  env_["AWS_PROFILE"] = "ci";
  s = route53_settings(CredentialsFile{}, env());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->credentials.access_key_id, "AKCI");
  EXPECT_EQ(s->credentials.secret_access_key, "c");
  // The file's profile wins over AWS_PROFILE and the environment's keys.
  env_["AWS_ACCESS_KEY_ID"] = "AKENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  s = route53_settings(file("profile = default\n"), env());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->credentials.access_key_id, "AKDEF");
}

TEST_F(Route53SettingsTest, EndpointOverride) {
  env_ = {{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "S"},
          {"AWS_ENDPOINT_URL_ROUTE_53", "https://127.0.0.1:9/"}};
  auto s = route53_settings(CredentialsFile{}, env());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->endpoint, "https://127.0.0.1:9");
  s = route53_settings(file("dns_route53_api_url = https://fake.test\n"), env());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->endpoint, "https://fake.test");
}

TEST_F(Route53SettingsTest, MissingCredentialsAreOneLineWithoutSecrets) {
  env_ = {{"HOME", dir_.string()}};
  auto s = route53_settings(CredentialsFile{}, env());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "Route 53: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                              "profile [default] in " + dir_.string() + "/.aws/credentials, or give "
                              "--dns-route53-credentials FILE");
  env_["AWS_SECRET_ACCESS_KEY"] = "topsecret";
  s = route53_settings(CredentialsFile{}, env());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "Route 53: the environment has AWS_SECRET_ACCESS_KEY but not AWS_ACCESS_KEY_ID");
  s = route53_settings(file("aws_access_key_id = AK\n"), env());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().detail, "Route 53: r53.ini has aws_access_key_id but not aws_secret_access_key");
}

// The API calls, in order, against canned Route 53 answers.
class Route53Test : public ::testing::Test {
 protected:
  Route53Test() {
    Route53Settings s{.credentials = {"AKID", "secret", ""}, .endpoint = "https://r53.test", .source = "test"};
    provider_ = make_route53_provider(
        std::move(s), http_,
        {.sleep = [this](std::chrono::seconds d) { waits_.push_back(d.count()); },
         .now = [] { return std::chrono::sys_days{std::chrono::year{2026} / 1 / 2}; }});
  }
  static std::string zones_page(const std::string& zones, bool truncated, const std::string& next = "") {
    return "<?xml version=\"1.0\"?>\n<ListHostedZonesResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
           "<HostedZones>" + zones + "</HostedZones><IsTruncated>" + (truncated ? "true" : "false") +
           "</IsTruncated>" + (next.empty() ? "" : "<NextMarker>" + next + "</NextMarker>") +
           "<MaxItems>100</MaxItems></ListHostedZonesResponse>";
  }
  static std::string zone(const std::string& id, const std::string& name, bool priv = false) {
    return "<HostedZone><Id>/hostedzone/" + id + "</Id><Name>" + name + "</Name><Config><PrivateZone>" +
           (priv ? "true" : "false") + "</PrivateZone></Config></HostedZone>";
  }
  static std::string rrsets(const std::string& name, const std::string& type, const std::string& ttl,
                            const std::vector<std::string>& values) {
    std::string rrs;
    for (const auto& v : values) rrs += "<ResourceRecord><Value>" + v + "</Value></ResourceRecord>";
    return "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>" + name + "</Name><Type>" +
           type + "</Type><TTL>" + ttl + "</TTL><ResourceRecords>" + rrs +
           "</ResourceRecords></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated>"
           "<MaxItems>1</MaxItems></ListResourceRecordSetsResponse>";
  }
  static std::string change_info(const std::string& status) {
    return "<ChangeResourceRecordSetsResponse><ChangeInfo><Id>/change/C9</Id><Status>" + status +
           "</Status></ChangeInfo></ChangeResourceRecordSetsResponse>";
  }
  void load_zones() {
    http_->add(200, zones_page(zone("Z1", "a.test.") + zone("Z2", "example.test."), true, "Z2"));
    http_->add(200, zones_page(zone("ZP", "sub.example.test.", true) + zone("Z3", "other.test."), false));
  }
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    for (const auto& r : http_->requests()) out.push_back(r.method + " " + r.url);
    return out;
  }

  std::shared_ptr<FakeHttp> http_ = std::make_shared<FakeHttp>();
  std::vector<long> waits_;
  std::unique_ptr<Provider> provider_;
};

TEST_F(Route53Test, FindsTheZoneOverPagesSkippingPrivateZones) {
  load_zones();
  auto z = provider_->find_zone("_acme-challenge.www.sub.example.test");
  ASSERT_TRUE(z) << z.error().detail;
  EXPECT_EQ(*z, "example.test");  // sub.example.test is private
  EXPECT_EQ(lines(), (std::vector<std::string>{"GET https://r53.test/2013-04-01/hostedzone?maxitems=100",
                                               "GET https://r53.test/2013-04-01/hostedzone?maxitems=100&marker=Z2"}));
  const auto auth = http_->requests()[0].headers.get("authorization").value_or("");
  EXPECT_TRUE(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/route53/aws4_request, "
                               "SignedHeaders=host;x-amz-date, Signature="))
      << auth;
  auto none = provider_->find_zone("x.nowhere.test");  // the list is read once
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail,
            "Route 53: no zone for x.nowhere.test in this account (it has: a.test, example.test, other.test)");
  EXPECT_EQ(http_->requests().size(), 2u);
}

TEST_F(Route53Test, AddUpsertsTheUnionInOneBatchAndWaitsForInsync) {
  load_zones();
  ASSERT_TRUE(provider_->find_zone("example.test"));
  http_->clear_requests();
  http_->add(200, rrsets("_acme-challenge.example.test.", "TXT", "300", {"\"keep-me\""}));
  http_->add(200, rrsets("example.test.", "NS", "172800", {"ns1.test."}));  // the next set: not ours
  http_->add(200, change_info("PENDING"));
  http_->add(200, "<GetChangeResponse><ChangeInfo><Id>/change/C9</Id><Status>PENDING</Status></ChangeInfo></GetChangeResponse>");
  http_->add(200, "<GetChangeResponse><ChangeInfo><Id>/change/C9</Id><Status>INSYNC</Status></ChangeInfo></GetChangeResponse>");
  const std::vector<TxtRecord> recs{{"_acme-challenge.example.test", "v1"}, {"_acme-challenge.example.test", "v2"},
                                    {"_acme-challenge.www.example.test", "v3"}};
  auto ok = provider_->add_txt("example.test", recs);
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "GET https://r53.test/2013-04-01/hostedzone/Z2/rrset?name=_acme-challenge.example.test.&type=TXT&maxitems=1",
                         "GET https://r53.test/2013-04-01/hostedzone/Z2/rrset?name=_acme-challenge.www.example.test.&type=TXT&maxitems=1",
                         "POST https://r53.test/2013-04-01/hostedzone/Z2/rrset",
                         "GET https://r53.test/2013-04-01/change/C9",
                         "GET https://r53.test/2013-04-01/change/C9"}));
  const auto post = http_->requests()[2];
  EXPECT_EQ(post.headers.get("content-type").value_or(""), "application/xml");
  EXPECT_NE(post.headers.get("authorization").value_or("").find("SignedHeaders=content-type;host;x-amz-date"),
            std::string::npos);
  EXPECT_NE(post.body.find("<Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>_acme-challenge.example.test."
                           "</Name><Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>\"keep-me\"</Value>"
                           "</ResourceRecord><ResourceRecord><Value>\"v1\"</Value></ResourceRecord><ResourceRecord><Value>"
                           "\"v2\"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change><Change><Action>"
                           "UPSERT</Action><ResourceRecordSet><Name>_acme-challenge.www.example.test.</Name><Type>TXT</Type>"
                           "<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>\"v3\"</Value></ResourceRecord>"
                           "</ResourceRecords></ResourceRecordSet></Change></Changes>"),
            std::string::npos)
      << post.body;
  EXPECT_TRUE(xml::parse(post.body));
  EXPECT_EQ(waits_, (std::vector<long>{2, 2}));
}

TEST_F(Route53Test, DeleteKeepsOthersAndDeletesExactlyWhenOnlyOurs) {
  load_zones();
  ASSERT_TRUE(provider_->find_zone("example.test"));
  http_->clear_requests();
  http_->add(200, rrsets("_acme-challenge.example.test.", "TXT", "60", {"\"keep-me\"", "\"v1\"", "\"v2\""}));
  http_->add(200, rrsets("_acme-challenge.www.example.test.", "TXT", "120", {"\"v3\""}));
  http_->add(200, change_info("PENDING"));
  const std::vector<TxtRecord> recs{{"_acme-challenge.example.test", "v1"}, {"_acme-challenge.example.test", "v2"},
                                    {"_acme-challenge.www.example.test", "v3"}};
  auto ok = provider_->delete_txt("example.test", recs);
  ASSERT_TRUE(ok) << ok.error().detail;
  ASSERT_EQ(http_->requests().size(), 3u);
  const auto body = http_->requests()[2].body;
  EXPECT_NE(body.find("<Change><Action>UPSERT</Action><ResourceRecordSet><Name>_acme-challenge.example.test.</Name>"
                      "<Type>TXT</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>\"keep-me\"</Value>"
                      "</ResourceRecord></ResourceRecords></ResourceRecordSet></Change><Change><Action>DELETE</Action>"
                      "<ResourceRecordSet><Name>_acme-challenge.www.example.test.</Name><Type>TXT</Type><TTL>120</TTL>"
                      "<ResourceRecords><ResourceRecord><Value>\"v3\"</Value></ResourceRecord></ResourceRecords>"
                      "</ResourceRecordSet></Change>"),
            std::string::npos)
      << body;

  // Nothing of ours there: no change at all.
  http_->clear_requests();
  http_->add(200, rrsets("_acme-challenge.example.test.", "TXT", "60", {"\"keep-me\""}));
  ASSERT_TRUE(provider_->delete_txt("example.test", std::span(recs).first(1)));
  EXPECT_EQ(http_->requests().size(), 1u);
}

TEST_F(Route53Test, ErrorsNameRoute53TheCodeAndTheMessage) {
  http_->add(403, "<?xml version=\"1.0\"?>\n<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
                  "<Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
                  "calculated does not match the signature you provided.</Message></Error><RequestId>r1</RequestId>"
                  "</ErrorResponse>");
  auto z = provider_->find_zone("example.test");
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().kind, ErrorKind::kUnauthorized);
  EXPECT_TRUE(z.error().detail.starts_with(
      "Route 53: GET /2013-04-01/hostedzone?maxitems=100 failed (HTTP 403 SignatureDoesNotMatch): The request "
      "signature we calculated does not match the signature you provided.; check the AWS credentials (test)"))
      << z.error().detail;
  EXPECT_EQ(z.error().detail.find("secret"), std::string::npos);
  EXPECT_EQ(z.error().detail.find('\n'), std::string::npos);
}

TEST_F(Route53Test, ThrottlingIsRetriedThenReported) {
  const std::string throttled =
      "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
      "</ErrorResponse>";
  http_->add(400, throttled);
  http_->add(429, throttled, {{"Retry-After", "3"}});
  http_->add(200, zones_page(zone("Z2", "example.test."), false));
  auto z = provider_->find_zone("www.example.test");
  ASSERT_TRUE(z) << z.error().detail;
  EXPECT_EQ(waits_, (std::vector<long>{1, 3}));
  for (int i = 0; i < 4; ++i) http_->add(400, throttled);
  http_->clear_requests();
  auto failed = provider_->add_txt("example.test", std::vector<TxtRecord>{{"_acme-challenge.example.test", "v"}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().detail,
            "Route 53: GET /2013-04-01/hostedzone/Z2/rrset?name=_acme-challenge.example.test.&type=TXT&maxitems=1 "
            "failed (HTTP 400 Throttling): Rate exceeded");
  EXPECT_EQ(http_->requests().size(), 4u);
}

// The registry: --dns-route53 works without --dns-route53-credentials (the
// other providers still need theirs).
TEST(Route53ProviderTableTest, CredentialsFileIsOptional) {
  const ProviderInfo* info = find_provider("dns-route53");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->credentials_optional);
  EXPECT_FALSE(find_provider("dns-hetzner")->credentials_optional);
  EXPECT_EQ(make_provider("dns-hetzner", "").error().detail, "--dns-hetzner needs --dns-hetzner-credentials FILE");

  const auto home = std::filesystem::temp_directory_path() / ("acmekit-r53-home-" + std::to_string(::getpid()));
  std::map<std::string, std::optional<std::string>> saved;
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                           "AWS_SHARED_CREDENTIALS_FILE", "HOME"}) {
    const char* v = std::getenv(name);
    saved[name] = v ? std::optional<std::string>(v) : std::nullopt;
    ::unsetenv(name);
  }
  ::setenv("HOME", home.c_str(), 1);
  auto none = make_provider("dns-route53", "");
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().detail.starts_with("Route 53: no AWS credentials")) << none.error().detail;
  ::setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  auto made = make_provider("dns-route53", "");
  ASSERT_TRUE(made) << made.error().detail;
  EXPECT_EQ((*made)->name(), "Route 53");
  for (const auto& [name, v] : saved) {
    if (v) ::setenv(name.c_str(), v->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

}  // namespace
}  // namespace acmekit::client::dns_api
