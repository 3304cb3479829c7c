// Probes against the real acmekit-ca (in-process, over HTTPS): hand-made bad
// requests, each answered with its RFC 8555 problem type and HTTP status,
// then proof that the server keeps serving: a full issuance whose chain
// verifies against root.pem, key change and revocation.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <sstream>

#include "core/crypto/certificate.h"
#include "core/crypto/csr.h"
#include "core/crypto/digest.h"
#include "core/wire/renewal_info.h"
#include "ca_fixture.h"

namespace acmekit::server::wfe::probe {
namespace {

constexpr std::string_view kTermsOfService = "https://ca.test/terms";

// The problem document (RFC 8555 §6.7, RFC 7807 §3) of a refused request.
void expect_problem(const Response& r, std::string_view short_type, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.headers.get("content-type").value_or(""), "application/problem+json");
  Json doc = Json::parse(r.body, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.body;
  EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:" + std::string(short_type)) << r.body;
  EXPECT_EQ(doc.value("status", 0), status) << r.body;
  EXPECT_FALSE(doc.value("detail", "").empty()) << r.body;
}

// An RSA key below the CA's 2048-bit minimum, made with OpenSSL directly
// (PrivateKey::generate refuses it), with its JWK and RS256 signatures.
class SmallRsaKey {
 public:
  explicit SmallRsaKey(int bits) : pkey_(EVP_RSA_gen(bits)) {}
  ~SmallRsaKey() { EVP_PKEY_free(pkey_); }
  bool ok() const { return pkey_ != nullptr; }

  // RFC 7518 §6.3.1: n and e as unsigned big-endian base64url.
  Json jwk() const { return {{"e", param(OSSL_PKEY_PARAM_RSA_E)}, {"kty", "RSA"}, {"n", param(OSSL_PKEY_PARAM_RSA_N)}}; }

  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5 with SHA-256.
  std::string sign(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::string sig(EVP_PKEY_get_size(pkey_), '\0');
    std::size_t len = sig.size();
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey_) != 1 ||
        EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      len = 0;
    }
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
  }

 private:
  std::string param(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey_, name, &bn) != 1) return "";
    std::string bytes(BN_num_bytes(bn), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return base64url_encode(bytes);
  }
  EVP_PKEY* pkey_;
};

std::vector<X509*> read_certificates(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(x);
  BIO_free(bio);
  return out;
}

// X509_verify_cert: leaf + intermediates of chain_pem up to the root, for
// TLS server use, and the leaf valid for `host`.
bool chain_verifies(const std::string& chain_pem, const std::string& root_pem, const std::string& host) {
  auto chain = read_certificates(chain_pem);
  auto roots = read_certificates(root_pem);
  bool ok = false;
  if (!chain.empty() && !roots.empty()) {
    X509_STORE* store = X509_STORE_new();
    for (X509* r : roots) X509_STORE_add_cert(store, r);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i]);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, chain[0], untrusted);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host.c_str(), host.size());
    ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
  }
  for (X509* x : chain) X509_free(x);
  for (X509* x : roots) X509_free(x);
  return ok;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One CA for the whole suite: every probe hits the same server, and the
// last tests show it still serves after all of them.
class CaProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = InProcessCa::start({.terms_of_service = std::string(kTermsOfService)});
    if (!started) {
      start_error_ = new std::string(started.error().message());
      return;
    }
    ca_ = started->release();
    auto account = ca_->new_account();
    if (account) account_ = new TestAccount(*account);
    else start_error_ = new std::string(account.error().message());
  }
  static void TearDownTestSuite() {
    delete account_;
    delete ca_;
    delete start_error_;
    account_ = nullptr;
    ca_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(start_error_, nullptr) << *start_error_; }

  InProcessCa& ca() { return *ca_; }
  const TestAccount& account() { return *account_; }

  static inline InProcessCa* ca_ = nullptr;
  static inline TestAccount* account_ = nullptr;
  static inline std::string* start_error_ = nullptr;
};

TEST_F(CaProbe, FlippedSignatureByteIsMalformed) {
  Json jws = ca().sign(account().key, account().url, account().url, "");
  auto sig = base64url_decode(jws["signature"].get<std::string>());
  ASSERT_TRUE(sig);
  (*sig)[sig->size() / 2] ^= 0x01;
  jws["signature"] = base64url_encode(*sig);
  expect_problem(ca().send("POST", account().url, jws.dump()), "malformed", 400);
}

TEST_F(CaProbe, UrlOfAnotherResourceIsUnauthorized) {
  // §6.4.1: signed for newAuthz, sent to newOrder.
  Json payload = {{"identifiers", {{{"type", "dns"}, {"value", "probe.test"}}}}};
  Json jws = ca().sign(account().key, account().url, ca().url("/acme/new-authz"), payload.dump());
  expect_problem(ca().send("POST", ca().url("/acme/new-order"), jws.dump()), "unauthorized", 403);
}

TEST_F(CaProbe, ReusedNonceIsBadNonceWithAFreshOne) {
  Json jws = ca().sign(account().key, account().url, account().url, "");
  ASSERT_EQ(ca().send("POST", account().url, jws.dump()).status, 200);
  Response again = ca().send("POST", account().url, jws.dump());
  expect_problem(again, "badNonce", 400);
  // §6.5: the retry needs a new nonce, given with the error.
  auto fresh = again.headers.get("replay-nonce");
  ASSERT_TRUE(fresh);
  auto used = base64url_decode(jws["protected"].get<std::string>());
  ASSERT_TRUE(used);
  EXPECT_NE(*fresh, Json::parse(*used).value("nonce", ""));
  auto retry = jose::sign(account().key, {.url = account().url, .nonce = *fresh, .kid = account().url}, "");
  ASSERT_TRUE(retry);
  EXPECT_EQ(ca().send("POST", account().url, retry->dump()).status, 200);
}

TEST_F(CaProbe, UnknownKidIsAccountDoesNotExist) {
  const std::string kid = ca().url("/acme/acct/no-such-account");
  expect_problem(ca().post(account().key, kid, ca().url("/acme/new-order"),
                           Json{{"identifiers", {{{"type", "dns"}, {"value", "probe.test"}}}}}.dump()),
                 "accountDoesNotExist", 400);
}

TEST_F(CaProbe, JwkWhereKidIsRequiredIsMalformed) {
  // §6.2: newOrder is for an account, so "kid".
  expect_problem(ca().post(account().key, "", ca().url("/acme/new-order"),
                           Json{{"identifiers", {{{"type", "dns"}, {"value", "probe.test"}}}}}.dump()),
                 "malformed", 400);
}

TEST_F(CaProbe, AlgNoneAndHs256AreBadSignatureAlgorithm) {
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  const std::string target = ca().url("/acme/new-account");
  const Json payload = {{"termsOfServiceAgreed", true}};
  // §6.2: "none" and MAC algorithms are never accepted.
  std::vector<std::pair<std::string, std::function<std::string(std::string_view)>>> cases = {
      {"none", [](std::string_view) { return std::string(); }},
      {"HS256", [](std::string_view data) { return crypto::hmac("SHA256", "shared secret", data).value_or(""); }},
  };
  for (const auto& [alg, signer] : cases) {
    SCOPED_TRACE(alg);
    Json header = {{"alg", alg}, {"jwk", key->public_key().to_jwk()}, {"nonce", ca().nonce()}, {"url", target}};
    Response r = ca().send("POST", target, InProcessCa::hand_jws(header, payload.dump(), signer).dump());
    expect_problem(r, "badSignatureAlgorithm", 400);
    Json algorithms = Json::parse(r.body, nullptr, false).value("algorithms", Json());
    ASSERT_TRUE(algorithms.is_array()) << r.body;
    EXPECT_NE(std::find(algorithms.begin(), algorithms.end(), "ES256"), algorithms.end()) << r.body;
    EXPECT_EQ(std::find(algorithms.begin(), algorithms.end(), alg), algorithms.end()) << r.body;
  }
}

TEST_F(CaProbe, FinalizeOfAPendingOrderIsOrderNotReady) {
  auto order = ca().new_order(account(), {"pending.test"});
  ASSERT_TRUE(order) << order.error().message();
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  auto csr = crypto::make_csr_der(*cert_key, {"pending.test"});
  ASSERT_TRUE(csr);
  expect_problem(ca().post(account(), order->value("finalize", ""), Json{{"csr", base64url_encode(*csr)}}),
                 "orderNotReady", 403);
}

TEST_F(CaProbe, CsrNotMatchingTheOrderOrWithTheAccountKeyIsBadCsr) {
  auto order = ca().new_order(account(), {"probe.test", "www.probe.test"});
  ASSERT_TRUE(order) << order.error().message();
  auto ready = ca().make_ready(account(), *order);
  ASSERT_TRUE(ready) << ready.error().message();
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  struct Case {
    const char* what;
    crypto::PrivateKey key;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {"an extra name", *cert_key, {"probe.test", "www.probe.test", "extra.probe.test"}},
      {"a missing name", *cert_key, {"probe.test"}},
      {"the account key", account().key, {"probe.test", "www.probe.test"}},  // §11.1
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto csr = crypto::make_csr_der(c.key, c.names);
    ASSERT_TRUE(csr);
    expect_problem(ca().post(account(), order->value("finalize", ""), Json{{"csr", base64url_encode(*csr)}}),
                   "badCSR", 400);
  }
  // A refused CSR leaves the order ready for a good one.
  auto still = ca().poll_until(account(), order->value("url", ""), "ready");
  EXPECT_TRUE(still) << still.error().message();
}

TEST_F(CaProbe, Rsa1024AccountKeyIsBadPublicKey) {
  SmallRsaKey small(1024);
  ASSERT_TRUE(small.ok());
  const std::string target = ca().url("/acme/new-account");
  Json header = {{"alg", "RS256"}, {"jwk", small.jwk()}, {"nonce", ca().nonce()}, {"url", target}};
  Json jws = InProcessCa::hand_jws(header, Json{{"termsOfServiceAgreed", true}}.dump(),
                                   [&](std::string_view data) { return small.sign(data); });
  expect_problem(ca().send("POST", target, jws.dump()), "badPublicKey", 400);
}

TEST_F(CaProbe, WildcardAuthorizationOffersOnlyDns01) {
  auto order = ca().new_order(account(), {"*.wild.test"});
  ASSERT_TRUE(order) << order.error().message();
  ASSERT_EQ(order->value("authorizations", Json::array()).size(), 1u);
  Response r = ca().post(account(), (*order)["authorizations"][0].get<std::string>(), std::string_view());
  ASSERT_EQ(r.status, 200) << r.body;
  Json authz = Json::parse(r.body, nullptr, false);
  EXPECT_EQ(authz.value("wildcard", false), true);  // §7.1.4
  EXPECT_EQ(authz["identifier"].value("value", ""), "wild.test");
  std::vector<std::string> types;
  for (const auto& ch : authz.value("challenges", Json::array())) types.push_back(ch.value("type", ""));
  EXPECT_EQ(types, std::vector<std::string>{"dns-01"});  // §7.1.3, §8.4
  // Answering an http-01 challenge the authorization does not have.
  std::string url = authz["challenges"][0].value("url", "");
  ASSERT_TRUE(url.ends_with("/dns-01")) << url;
  url.replace(url.size() - 6, 6, "http-01");
  expect_problem(ca().post(account(), url, Json::object()), "malformed", 404);
}

TEST_F(CaProbe, BodyThatIsNotJsonIsMalformed) {
  expect_problem(ca().send("POST", ca().url("/acme/new-order"), "{\"protected\": "), "malformed", 400);
}

TEST_F(CaProbe, WrongContentTypeIs415) {
  Json jws = ca().sign(account().key, account().url, account().url, "");
  expect_problem(ca().send("POST", account().url, jws.dump(), "application/json"), "malformed", 415);
}

TEST_F(CaProbe, BodyOverTheLimitIs413) {
  Response r = ca().send("POST", ca().url("/acme/new-order"), std::string(100 * 1024, 'x'));
  expect_problem(r, "malformed", 413);
}

TEST_F(CaProbe, GetOnAPostOnlyResourceIs405) {
  Response r = ca().send("GET", ca().url("/acme/new-order"));
  expect_problem(r, "malformed", 405);
  EXPECT_EQ(r.headers.get("allow").value_or(""), "POST");
}

TEST_F(CaProbe, NewAccountWithoutAgreeingToTheTermsIsMalformed) {
  Response dir = ca().send("GET", ca().url("/directory"));
  EXPECT_EQ(Json::parse(dir.body, nullptr, false)["meta"].value("termsOfService", ""), kTermsOfService);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  expect_problem(ca().post(*key, "", ca().url("/acme/new-account"), Json{{"contact", Json::array()}}.dump()),
                 "malformed", 400);
}

TEST_F(CaProbe, DeactivatedAccountIsUnauthorizedOnItsNextRequest) {
  auto doomed = ca().new_account();
  ASSERT_TRUE(doomed) << doomed.error().message();
  Response r = ca().post(*doomed, doomed->url, Json{{"status", "deactivated"}});  // §7.3.6
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body, nullptr, false).value("status", ""), "deactivated");
  expect_problem(ca().post(*doomed, ca().url("/acme/new-order"),
                           Json{{"identifiers", {{{"type", "dns"}, {"value", "probe.test"}}}}}),
                 "unauthorized", 403);
}

TEST_F(CaProbe, KeyChangeMovesTheAccountToTheNewKey) {
  auto acct = ca().new_account();
  ASSERT_TRUE(acct) << acct.error().message();
  auto new_key = crypto::PrivateKey::generate({});  // P-256 like the old one: only the signature tells
  ASSERT_TRUE(new_key);
  const std::string target = ca().url("/acme/key-change");
  // §7.3.5: inner JWS by the new key (jwk, no nonce), inside one by the old.
  Json inner_payload = {{"account", acct->url}, {"oldKey", acct->key.public_key().to_jwk()}};
  auto inner = jose::sign(*new_key, {.url = target}, jose::compact_json(inner_payload));
  ASSERT_TRUE(inner) << inner.error().message();
  Response r = ca().post(acct->key, acct->url, target, jose::compact_json(*inner));
  ASSERT_EQ(r.status, 200) << r.body;

  TestAccount moved{*new_key, acct->url};
  EXPECT_EQ(ca().post(moved, acct->url, std::string_view()).status, 200);
  // The old key no longer signs for the account, nor finds it.
  expect_problem(ca().post(*acct, acct->url, std::string_view()), "malformed", 400);
  expect_problem(ca().post(acct->key, "", ca().url("/acme/new-account"), Json{{"onlyReturnExisting", true}}.dump()),
                 "accountDoesNotExist", 400);
  Response found = ca().post(*new_key, "", ca().url("/acme/new-account"), Json{{"onlyReturnExisting", true}}.dump());
  EXPECT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.headers.get("location").value_or(""), acct->url);
}

TEST_F(CaProbe, RevokeWithTheCertificateKeyThenAlreadyRevoked) {
  auto acct = ca().new_account();
  ASSERT_TRUE(acct) << acct.error().message();
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  auto chain = ca().issue(*acct, {"revoke.test"}, *cert_key);
  ASSERT_TRUE(chain) << chain.error().message();
  auto parsed = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(parsed && !parsed->empty());
  // §7.6: signed by the certificate's key, with "jwk".
  Json payload = {{"certificate", base64url_encode(parsed->front().der)}, {"reason", 1}};
  const std::string target = ca().url("/acme/revoke-cert");
  Response first = ca().post(*cert_key, "", target, payload.dump());
  EXPECT_EQ(first.status, 200) << first.body;
  expect_problem(ca().post(*cert_key, "", target, payload.dump()), "alreadyRevoked", 400);
}

// RFC 9773 §4: renewalInfo for a certificate this CA issued, by its
// identifier; unauthenticated GET with Retry-After.
TEST_F(CaProbe, RenewalInfoSuggestsTheLastThirdOfTheLifetime) {
  Response dir = ca().send("GET", ca().url("/directory"));
  EXPECT_EQ(Json::parse(dir.body, nullptr, false).value("renewalInfo", ""), ca().url("/acme/renewal-info"));
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  auto chain = ca().issue(account(), {"issue.test"}, *cert_key);
  ASSERT_TRUE(chain) << chain.error().message();
  auto leaf = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(leaf && !leaf->empty());
  auto id = wire::ari_certificate_id(leaf->front());
  ASSERT_TRUE(id) << id.error().message();

  Response r = ca().send("GET", ca().url("/acme/renewal-info/" + *id));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.get("retry-after").value_or(""), "21600");
  auto info = wire::parse_renewal_info(Json::parse(r.body, nullptr, false));
  ASSERT_TRUE(info) << info.error().message() << " " << r.body;
  const auto lifetime = leaf->front().not_after - leaf->front().not_before;
  EXPECT_GE(info->window_start, leaf->front().not_after - lifetime / 3 - std::chrono::seconds(1));
  EXPECT_LT(info->window_end, leaf->front().not_after);

  // Another serial under the same AKI: not ours; a garbage id: malformed.
  auto parts = wire::parse_ari_certificate_id(*id);
  ASSERT_TRUE(parts);
  const std::string other = wire::ari_certificate_id(parts->authority_key_id, std::string("\x01\x02\x03", 3));
  expect_problem(ca().send("GET", ca().url("/acme/renewal-info/" + other)), "malformed", 404);
  expect_problem(ca().send("GET", ca().url("/acme/renewal-info/not-an-id")), "malformed", 400);
}

// RFC 9773 §5: newOrder "replaces" is checked (account, identifiers, not
// already replaced), reflected in the order, and marks the certificate
// replaced once the new order is finalized.
TEST_F(CaProbe, NewOrderReplacesACertificateOnce) {
  auto owner = ca().new_account();
  auto stranger = ca().new_account();
  ASSERT_TRUE(owner && stranger);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  auto chain = ca().issue(*owner, {"replace.test"}, *key);
  ASSERT_TRUE(chain) << chain.error().message();
  auto leaf = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(leaf && !leaf->empty());
  const std::string id = *wire::ari_certificate_id(leaf->front());
  const std::string serial = leaf->front().serial_hex;
  const std::string new_order_url = ca().url("/acme/new-order");
  auto order_payload = [&](const std::string& name, const Json& replaces) {
    return Json{{"identifiers", Json::array({Json{{"type", "dns"}, {"value", name}}})}, {"replaces", replaces}};
  };

  expect_problem(ca().post(*stranger, new_order_url, order_payload("replace.test", id)), "unauthorized", 403);
  expect_problem(ca().post(*owner, new_order_url, order_payload("probe.test", id)), "malformed", 400);
  expect_problem(ca().post(*owner, new_order_url, order_payload("replace.test", "not-an-id")), "malformed", 400);
  expect_problem(ca().post(*owner, new_order_url, order_payload("replace.test", 42)), "malformed", 400);
  auto parts = wire::parse_ari_certificate_id(id);
  expect_problem(ca().post(*owner, new_order_url,
                           order_payload("replace.test", wire::ari_certificate_id(parts->authority_key_id, "\x7f"))),
                 "malformed", 404);

  // The first replacement order: accepted and reflected (§5 MUST).
  Response first = ca().post(*owner, new_order_url, order_payload("replace.test", id));
  ASSERT_EQ(first.status, 201) << first.body;
  Json order1 = Json::parse(first.body, nullptr, false);
  EXPECT_EQ(order1.value("replaces", ""), id);
  const std::string order1_url = first.headers.get("location").value_or("");
  Response read = ca().post(*owner, order1_url, std::string_view());
  EXPECT_EQ(Json::parse(read.body, nullptr, false).value("replaces", ""), id) << read.body;

  // A second one while the first is alive: alreadyReplaced, 409.
  expect_problem(ca().post(*owner, new_order_url, order_payload("replace.test", id)), "alreadyReplaced", 409);

  // Once the first is invalid (its authorization deactivated, §7.5.2) the
  // certificate may be replaced by another order.
  for (const auto& authz_url : order1.value("authorizations", Json::array())) {
    Response d = ca().post(*owner, authz_url.get<std::string>(), Json{{"status", "deactivated"}});
    ASSERT_EQ(d.status, 200) << d.body;
  }
  ASSERT_EQ(Json::parse(ca().post(*owner, order1_url, std::string_view()).body, nullptr, false).value("status", ""),
            "invalid");
  Response second = ca().post(*owner, new_order_url, order_payload("replace.test", id));
  ASSERT_EQ(second.status, 201) << second.body;
  Json order2 = Json::parse(second.body, nullptr, false);
  order2["url"] = second.headers.get("location").value_or("");
  EXPECT_EQ((*ca().storage().get_certificate(serial))->replaced_by_order, "");

  // Finalized: the old certificate is marked, and stays replaced.
  auto ready = ca().make_ready(*owner, order2);
  ASSERT_TRUE(ready) << ready.error().message();
  auto new_key = crypto::PrivateKey::generate({});
  auto csr = crypto::make_csr_der(*new_key, {"replace.test"});
  ASSERT_TRUE(csr);
  Response fin = ca().post(*owner, order2.value("finalize", ""), Json{{"csr", base64url_encode(*csr)}});
  ASSERT_EQ(fin.status, 200) << fin.body;
  auto old_record = ca().storage().get_certificate(serial);
  ASSERT_TRUE(old_record && old_record->has_value());
  const std::string order2_id = order2["url"].get<std::string>().substr(order2["url"].get<std::string>().rfind('/') + 1);
  EXPECT_EQ((*old_record)->replaced_by_order, order2_id);
  expect_problem(ca().post(*owner, new_order_url, order_payload("replace.test", id)), "alreadyReplaced", 409);
  // An order without "replaces" is not affected.
  Json plain{{"identifiers", Json::array({Json{{"type", "dns"}, {"value", "replace.test"}}})}};
  EXPECT_EQ(ca().post(*owner, new_order_url, plain).status, 201);
}

TEST_F(CaProbe, ServerKeepsServingAndIssuesAfterTheProbes) {
  // A last round of garbage on this very server first.
  EXPECT_EQ(ca().send("POST", ca().url("/acme/new-order"), "\x01\x02 not json").status, 400);
  EXPECT_EQ(ca().send("POST", ca().url("/acme/new-order"), std::string(100 * 1024, '{')).status, 413);

  Response dir = ca().send("GET", ca().url("/directory"));
  ASSERT_EQ(dir.status, 200) << dir.body;
  EXPECT_EQ(Json::parse(dir.body, nullptr, false).value("newOrder", ""), ca().url("/acme/new-order"));

  auto acct = ca().new_account({.algorithm = crypto::KeyAlgorithm::kRsa, .rsa_bits = 2048});
  ASSERT_TRUE(acct) << acct.error().message();
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  auto chain = ca().issue(*acct, {"issue.test"}, *cert_key);
  ASSERT_TRUE(chain) << chain.error().message();

  EXPECT_TRUE(chain_verifies(*chain, read_file(ca().root_pem_path()), "issue.test")) << *chain;
  auto parsed = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(parsed && parsed->size() >= 2);
  EXPECT_EQ(parsed->front().dns_names, std::vector<std::string>{"issue.test"});
  EXPECT_TRUE(parsed->front().public_key == cert_key->public_key());
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
