// WfeOptions::external_url (acmekit-ca serve --external-url, issue 14),
// against the in-process CA over HTTPS: the CA is reached at
// https://127.0.0.1:PORT, as a load balancer would reach it, but every URL it
// writes starts with the external URL, and a JWS must name the external URL
// in its "url" (RFC 8555 §6.4), not the one the request was sent to.
#include "ca_fixture.h"

namespace acmekit::server::wfe::probe {
namespace {

constexpr std::string_view kExternal = "https://ca.example.net";

std::string external(std::string_view path) { return std::string(kExternal) + std::string(path); }

// A JWS whose protected "url" is `signed_url`, POSTed to `sent_to`.
Response post_as(InProcessCa& ca, const crypto::PrivateKey& key, const std::string& kid, const std::string& signed_url,
                 const std::string& sent_to, const Json& payload) {
  const std::string body = payload.is_null() ? "" : jose::compact_json(payload);
  return ca.send("POST", sent_to, jose::compact_json(ca.sign(key, kid, signed_url, body)));
}

void expect_unauthorized(const Response& r) {
  EXPECT_EQ(r.status, 403) << r.body;  // as every unauthorized here (server/wfe/problems.cc)
  Json doc = Json::parse(r.body, nullptr, false);
  EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:unauthorized") << r.body;
}

class ExternalUrlProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = InProcessCa::start({.external_url = std::string(kExternal)});
    ASSERT_TRUE(started) << started.error().message();
    ca_ = std::move(*started);
    ASSERT_TRUE(key_.has_value()) << key_.error().message();
  }
  std::unique_ptr<InProcessCa> ca_;
  Result<crypto::PrivateKey> key_ = crypto::PrivateKey::generate({});
};

TEST_F(ExternalUrlProbe, TheDirectoryAndLinkHeadersUseTheExternalUrl) {
  Response dir = ca_->send("GET", ca_->url("/directory"));
  ASSERT_EQ(dir.status, 200) << dir.body;
  Json doc = Json::parse(dir.body, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << dir.body;
  for (const char* key : {"newNonce", "newAccount", "newOrder", "newAuthz", "revokeCert", "keyChange", "renewalInfo"}) {
    EXPECT_TRUE(doc.value(key, "").starts_with(external("/acme/"))) << key << ": " << dir.body;
  }
  // §7.1: Link rel="index" to the directory, at the external URL.
  Response nonce = ca_->send("HEAD", ca_->url("/acme/new-nonce"));
  EXPECT_EQ(nonce.headers.get("link").value_or(""), "<" + external("/directory") + ">;rel=\"index\"");
}

TEST_F(ExternalUrlProbe, AnotherHostHeaderIsServedWithTheExternalUrls) {
  // A load balancer may forward its own Host, or none of the client's.
  acmekit::http::Request req{.method = "GET", .url = ca_->url("/directory")};
  req.headers.add("host", "backend-3.internal:14000");
  acmekit::http::CurlClient client({.ca_bundle = ca_->root_pem_path().string()});
  auto r = client.send(req);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json::parse(r->body, nullptr, false).value("newAccount", ""), external("/acme/new-account")) << r->body;
}

TEST_F(ExternalUrlProbe, AJwsMustNameTheExternalUrlNotTheOneItWasSentTo) {
  const Json agree = {{"termsOfServiceAgreed", true}};
  // §6.4: "url" is the URL the client meant, the external one; the address
  // the request happened to reach is refused.
  expect_unauthorized(post_as(*ca_, *key_, "", ca_->url("/acme/new-account"), ca_->url("/acme/new-account"), agree));

  Response created = post_as(*ca_, *key_, "", external("/acme/new-account"), ca_->url("/acme/new-account"), agree);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string account_url = created.headers.get("location").value_or("");
  EXPECT_TRUE(account_url.starts_with(external("/acme/acct/"))) << account_url;
  EXPECT_TRUE(Json::parse(created.body, nullptr, false).value("orders", "").starts_with(external("/acme/acct/")))
      << created.body;

  // The account URL is the kid; a newOrder's URLs are external too.
  const Json order_payload = {{"identifiers", {{{"type", "dns"}, {"value", "probe.test"}}}}};
  Response order = post_as(*ca_, *key_, account_url, external("/acme/new-order"), ca_->url("/acme/new-order"),
                           order_payload);
  ASSERT_EQ(order.status, 201) << order.body;
  const std::string order_url = order.headers.get("location").value_or("");
  ASSERT_TRUE(order_url.starts_with(external("/acme/order/"))) << order_url;
  Json o = Json::parse(order.body, nullptr, false);
  EXPECT_TRUE(o.value("finalize", "").starts_with(external("/acme/order/"))) << order.body;
  ASSERT_EQ(o["authorizations"].size(), 1u) << order.body;
  const std::string authz_url = o["authorizations"][0].get<std::string>();
  EXPECT_TRUE(authz_url.starts_with(external("/acme/authz/"))) << order.body;

  // POST-as-GET (§6.3) of the authorization: its challenge URLs are external;
  // the same request naming the listener's own URL is refused.
  const std::string path = authz_url.substr(kExternal.size());
  expect_unauthorized(post_as(*ca_, *key_, account_url, ca_->url(path), ca_->url(path), nullptr));
  Response authz = post_as(*ca_, *key_, account_url, authz_url, ca_->url(path), nullptr);
  ASSERT_EQ(authz.status, 200) << authz.body;
  for (const auto& ch : Json::parse(authz.body, nullptr, false).value("challenges", Json::array())) {
    EXPECT_TRUE(ch.value("url", "").starts_with(external("/acme/chall/"))) << authz.body;
  }
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
