// The signed-POST primitive against a fake HTTP edge: nonces, badNonce
// retries (RFC 8555 §6.5), problem documents, directory errors.
#include "client/api/session.h"

#include <gtest/gtest.h>

#include "support/fake_http.h"

#include <deque>

#include "client/api/resources.h"
#include "core/jose/jws.h"

namespace acmekit::client::api {
namespace {

using test_support::FakeHttp;

constexpr const char* kDirectory =
    R"({"newNonce":"https://ca/nonce","newAccount":"https://ca/acct","newOrder":"https://ca/order"})";

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http.add(200, kDirectory, {{"Replay-Nonce", "n0"}});
    ASSERT_TRUE(session.load_directory());
    auto key = crypto::PrivateKey::generate({});
    ASSERT_TRUE(key);
    session.set_account_key(*key);
    session.set_account_url("https://ca/acct/1");
  }
  std::string nonce_of(const http::Request& req) {
    auto jws = jose::parse(nlohmann::json::parse(req.body));
    EXPECT_TRUE(jws);
    return jws->protected_header.value("nonce", "");
  }
  FakeHttp http;
  Session session{http, "https://ca/dir"};
};

TEST_F(SessionTest, UsesHarvestedNoncesAndRetriesBadNonce) {
  const char* bad_nonce = R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"})";
  http.add(400, bad_nonce, {{"Replay-Nonce", "n1"}});
  http.add(200, "{}", {{"Replay-Nonce", "n2"}});
  auto r = session.post("https://ca/x", "{}");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(http.requests().size(), 3u);
  EXPECT_EQ(nonce_of(http.requests()[1]), "n0");  // from the directory GET
  EXPECT_EQ(nonce_of(http.requests()[2]), "n1");  // the badNonce answer's fresh one
  EXPECT_EQ(http.requests()[2].headers.get("content-type"), "application/jose+json");
  auto jws = jose::parse(nlohmann::json::parse(http.requests()[2].body));
  EXPECT_EQ(jws->protected_header.value("kid", ""), "https://ca/acct/1");
  EXPECT_EQ(jws->protected_header.value("url", ""), "https://ca/x");
  EXPECT_TRUE(jose::verify(*jws, session.account_key()->public_key()));
}

TEST_F(SessionTest, GivesUpAfterBoundedBadNonceRetries) {
  for (int i = 0; i <= Session::kMaxNonceRetries; ++i) {
    http.add(400, R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"no"})",
             {{"Replay-Nonce", "n" + std::to_string(i + 1)}});
  }
  auto r = session.post("https://ca/x", "{}");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_acme("badNonce"));
  EXPECT_EQ(http.requests().size(), 1u + Session::kMaxNonceRetries + 1);
}

TEST_F(SessionTest, FetchesANonceWhenThePoolIsEmpty) {
  http.add(200, "{}");                             // uses n0, gives no nonce back
  http.add(200, "", {{"Replay-Nonce", "fresh"}});  // HEAD newNonce
  http.add(200, "{}");
  ASSERT_TRUE(session.post("https://ca/x", "{}"));
  ASSERT_TRUE(session.post("https://ca/y", ""));
  EXPECT_EQ(http.requests()[2].method, "HEAD");
  EXPECT_EQ(http.requests()[2].url, "https://ca/nonce");
  EXPECT_EQ(nonce_of(http.requests()[3]), "fresh");
}

TEST_F(SessionTest, RateLimitedSurfacesWithRetryAfter) {
  http.add(429, R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many"})",
           {{"Retry-After", "60"}, {"Replay-Nonce", "n1"}});
  auto r = session.post("https://ca/x", "{}");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is_acme("rateLimited"));
  EXPECT_EQ(r.error().retry_after, std::chrono::seconds(60));
  EXPECT_EQ(http.requests().size(), 2u);  // not retried
}

TEST_F(SessionTest, NewAccountEmbedsJwkAndReadsLocation) {
  http.add(201, R"({"status":"valid","contact":["mailto:a@b.test"]})",
           {{"Location", "https://ca/acct/9"}, {"Replay-Nonce", "n1"}});
  auto a = new_account(session, {.contact = {"mailto:a@b.test"}, .terms_of_service_agreed = true});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->url, "https://ca/acct/9");
  auto jws = jose::parse(nlohmann::json::parse(http.requests().back().body));
  EXPECT_TRUE(jws->protected_header.contains("jwk"));
  EXPECT_FALSE(jws->protected_header.contains("kid"));
  auto payload = nlohmann::json::parse(jws->payload);
  EXPECT_EQ(payload["termsOfServiceAgreed"], true);
}

TEST(SessionDirectoryTest, NonAcmeDirectoryIsAClearError) {
  FakeHttp http;
  http.add(200, "<html>hello</html>");
  Session s(http, "http://example.test/");
  auto st = s.load_directory();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("not an ACME directory"), std::string::npos);
  http.add(404, "not found");
  st = s.load_directory();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("404"), std::string::npos);
}

TEST(LinksTest, FindsAlternateLinks) {
  auto urls = links_with_rel({R"(<https://ca/cert/1/1>;rel="alternate")",
                              R"(<https://ca/dir>;rel="index", <https://ca/cert/1/2>; rel="alternate")",
                              R"(<https://ca/x>;rel="up")"},
                             "alternate");
  EXPECT_EQ(urls, (std::vector<std::string>{"https://ca/cert/1/1", "https://ca/cert/1/2"}));
}

}  // namespace
}  // namespace acmekit::client::api
