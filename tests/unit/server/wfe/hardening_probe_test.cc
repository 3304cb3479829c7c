// Regression probes of the hostile-input review (issue 18) against the real
// acmekit-ca in-process over HTTPS: account identity is the key however it
// is spelled, one key policy for account, key-change and CSR keys, blocked
// keys after keyCompromise, the identifier policy (public suffixes, IDNA
// A-labels), contact lengths, CN-only CSRs, untrusted JSON of the wrong
// type, a validity shorter than the backdate.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/crypto/certificate.h"
#include "ca_fixture.h"
#include "server/ra/public_suffix.h"

namespace acmekit::server::wfe::probe {
namespace {

void expect_problem(const Response& r, std::string_view short_type, int status) {
  EXPECT_EQ(r.status, status) << r.body;
  Json doc = Json::parse(r.body, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << r.body;
  EXPECT_EQ(doc.value("type", ""), "urn:ietf:params:acme:error:" + std::string(short_type)) << r.body;
  EXPECT_EQ(doc.value("status", 0), status) << r.body;
}

// An RSA key made with OpenSSL directly, so its exponent and its JWK
// spelling are the test's to choose.
class RawRsaKey {
 public:
  RawRsaKey(int bits, unsigned exponent) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    BIGNUM* e = BN_new();
    BN_set_word(e, exponent);
    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1 &&
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1) {
      EVP_PKEY_keygen(ctx, &pkey_);
    }
    BN_free(e);
    EVP_PKEY_CTX_free(ctx);
  }
  ~RawRsaKey() { EVP_PKEY_free(pkey_); }
  RawRsaKey(const RawRsaKey&) = delete;
  RawRsaKey& operator=(const RawRsaKey&) = delete;
  bool ok() const { return pkey_ != nullptr; }

  // RFC 7518 §6.3.1.1 wants n without leading zero octets; `padded` puts
  // one in front, the same number spelled differently.
  Json jwk(bool padded = false) const {
    std::string n = bytes(OSSL_PKEY_PARAM_RSA_N);
    if (padded) n.insert(n.begin(), '\0');
    return {{"e", base64url_encode(bytes(OSSL_PKEY_PARAM_RSA_E))}, {"kty", "RSA"}, {"n", base64url_encode(n)}};
  }

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

  // A flattened JWS by this key with "jwk" (padded or not) and a nonce.
  Json jws(InProcessCa& ca, const std::string& target, std::string_view payload, bool padded = false) const {
    Json header = {{"alg", "RS256"}, {"jwk", jwk(padded)}, {"url", target}};
    header["nonce"] = ca.nonce();
    return InProcessCa::hand_jws(header, payload, [&](std::string_view d) { return sign(d); });
  }

 private:
  std::string bytes(const char* name) const {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(pkey_, name, &bn) != 1) return "";
    std::string out(BN_num_bytes(bn), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }
  EVP_PKEY* pkey_ = nullptr;
};

// A CSR (DER) with `cn` as its subject commonName and no subjectAltName, as
// acme-tiny's README makes them, for a fresh P-256 key.
std::string cn_only_csr(const std::string& cn) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509_REQ* req = X509_REQ_new();
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_REQ_set_subject_name(req, name);
  X509_REQ_set_pubkey(req, key);
  std::string der;
  if (X509_REQ_sign(req, key, EVP_sha256()) > 0) {
    int len = i2d_X509_REQ(req, nullptr);
    der.resize(len > 0 ? len : 0);
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_X509_REQ(req, &p);
  }
  X509_NAME_free(name);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return der;
}

Json dns_ids(const std::vector<std::string>& names) {
  Json ids = Json::array();
  for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
  return ids;
}

class HardeningProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ra::RaOptions options{.validation_threads = 2};
    auto psl = ra::PublicSuffixList::load(ra::kDefaultPublicSuffixList);
    if (!psl) {
      start_error_ = new std::string(psl.error().message());
      return;
    }
    options.policy.public_suffixes = std::make_shared<const ra::PublicSuffixList>(std::move(*psl));
    auto started = InProcessCa::start({}, std::move(options));
    if (!started) {
      start_error_ = new std::string(started.error().message());
      return;
    }
    ca_ = started->release();
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete start_error_;
    ca_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(start_error_, nullptr) << *start_error_; }

  InProcessCa& ca() { return *ca_; }
  TestAccount fresh_account() {
    auto a = ca().new_account();
    EXPECT_TRUE(a) << a.error().message();
    return a ? *a : TestAccount{};
  }

  static inline InProcessCa* ca_ = nullptr;
  static inline std::string* start_error_ = nullptr;
};

TEST_F(HardeningProbe, RsaKeysWithASmallExponentAreBadPublicKey) {
  RawRsaKey e3(2048, 3);
  ASSERT_TRUE(e3.ok());
  const std::string target = ca().url("/acme/new-account");
  expect_problem(ca().send("POST", target, e3.jws(ca(), target, R"({"termsOfServiceAgreed":true})").dump()),
                 "badPublicKey", 400);
  // The same size with 65537 is fine: it is the exponent that was refused.
  RawRsaKey good(2048, 65537);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(ca().send("POST", target, good.jws(ca(), target, R"({"termsOfServiceAgreed":true})").dump()).status, 201);
}

TEST_F(HardeningProbe, OneRsaKeyIsOneAccountHoweverItsModulusIsSpelled) {
  RawRsaKey key(2048, 65537);
  ASSERT_TRUE(key.ok());
  const std::string target = ca().url("/acme/new-account");
  const std::string agree = R"({"termsOfServiceAgreed":true})";
  Response made = ca().send("POST", target, key.jws(ca(), target, agree).dump());
  ASSERT_EQ(made.status, 201) << made.body;
  // RFC 8555 §7.3.1: the same key finds the same account (200, its Location).
  Response again = ca().send("POST", target, key.jws(ca(), target, agree, /*padded=*/true).dump());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.headers.get("location"), made.headers.get("location"));
}

TEST_F(HardeningProbe, KeyChangeToAnotherAccountsKeyIsConflictWithItsLocation) {
  RawRsaKey held(2048, 65537);
  ASSERT_TRUE(held.ok());
  const std::string new_account = ca().url("/acme/new-account");
  Response holder = ca().send("POST", new_account, held.jws(ca(), new_account, R"({"termsOfServiceAgreed":true})").dump());
  ASSERT_EQ(holder.status, 201) << holder.body;

  TestAccount mover = fresh_account();
  const std::string target = ca().url("/acme/key-change");
  // §7.3.5: the inner JWS by the new key, here spelled with a padded n.
  Json inner_payload = {{"account", mover.url}, {"oldKey", mover.key.public_key().to_jwk()}};
  Json inner = InProcessCa::hand_jws({{"alg", "RS256"}, {"jwk", held.jwk(/*padded=*/true)}, {"url", target}},
                                     inner_payload.dump(), [&](std::string_view d) { return held.sign(d); });
  Response r = ca().post(mover.key, mover.url, target, jose::compact_json(inner));
  expect_problem(r, "malformed", 409);
  EXPECT_EQ(r.headers.get("location"), holder.headers.get("location"));
  // The mover keeps its key.
  EXPECT_EQ(ca().post(mover, mover.url, std::string_view()).status, 200);
}

TEST_F(HardeningProbe, ACsrWithAnyAccountsKeyIsBadCsr) {
  TestAccount orderer = fresh_account();
  TestAccount other = fresh_account();
  auto order = ca().new_order(orderer, {"probe.test"});
  ASSERT_TRUE(order) << order.error().message();
  ASSERT_TRUE(ca().make_ready(orderer, *order));
  auto csr = crypto::make_csr_der(other.key, {"probe.test"});  // Boulder refuses any account key
  ASSERT_TRUE(csr);
  expect_problem(ca().post(orderer, order->value("finalize", ""), Json{{"csr", base64url_encode(*csr)}}), "badCSR",
                 400);
}

TEST_F(HardeningProbe, ACsrWithTheNameOnlyInItsCommonNameIsIssued) {
  TestAccount acct = fresh_account();
  auto order = ca().new_order(acct, {"issue.test"});
  ASSERT_TRUE(order) << order.error().message();
  ASSERT_TRUE(ca().make_ready(acct, *order));
  const std::string csr = cn_only_csr("Issue.Test");  // §7.4: CN ∪ SANs, names case-insensitive
  ASSERT_FALSE(csr.empty());
  Response fin = ca().post(acct, order->value("finalize", ""), Json{{"csr", base64url_encode(csr)}});
  ASSERT_EQ(fin.status, 200) << fin.body;
  auto valid = ca().poll_until(acct, order->value("url", ""), "valid");
  ASSERT_TRUE(valid) << valid.error().message();
  Response cert = ca().post(acct, valid->value("certificate", ""), std::string_view());
  auto chain = crypto::parse_pem_chain(cert.body);
  ASSERT_TRUE(chain && !chain->empty()) << cert.body;
  EXPECT_EQ(chain->front().dns_names, std::vector<std::string>{"issue.test"});
  // A CN that is not an identifier of the order is still refused.
  auto other = ca().new_order(acct, {"www.probe.test"});
  ASSERT_TRUE(other) << other.error().message();
  ASSERT_TRUE(ca().make_ready(acct, *other));
  expect_problem(ca().post(acct, other->value("finalize", ""), Json{{"csr", base64url_encode(cn_only_csr("probe.test"))}}),
                 "badCSR", 400);
}

TEST_F(HardeningProbe, PublicSuffixesAndBadALabelsAreRejectedIdentifiers) {
  TestAccount acct = fresh_account();
  const std::string target = ca().url("/acme/new-order");
  for (const char* name : {"*.co.uk", "co.uk", "*.com", "xn--a.example.test", "xn--.example.test",
                           "ab--cd.example.test", "*.xn--zz.test"}) {
    SCOPED_TRACE(name);
    expect_problem(ca().post(acct, target, Json{{"identifiers", dns_ids({name})}}), "rejectedIdentifier", 400);
  }
  // What is below a public suffix, and a valid A-label (münchen), are fine.
  for (const char* name : {"*.example.co.uk", "example.co.uk", "xn--mnchen-3ya.test"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(ca().post(acct, target, Json{{"identifiers", dns_ids({name})}}).status, 201);
  }
}

TEST_F(HardeningProbe, ContactsLongerThanRfc5321AllowsAreInvalidContact) {
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  const std::string target = ca().url("/acme/new-account");
  for (const std::string& address : {std::string(65, 'a') + "@example.com",                // local part > 64
                                     "a@" + std::string(250, 'b') + ".com"}) {            // address > 254
    Json payload = {{"termsOfServiceAgreed", true}, {"contact", {"mailto:" + address}}};
    expect_problem(ca().post(*key, "", target, payload.dump()), "invalidContact", 400);
  }
  Json ok = {{"termsOfServiceAgreed", true}, {"contact", {"mailto:" + std::string(64, 'a') + "@example.com"}}};
  EXPECT_EQ(ca().post(*key, "", target, ok.dump()).status, 201);
}

TEST_F(HardeningProbe, UntrustedJsonOfTheWrongTypeIsMalformedNotAServerError) {
  TestAccount acct = fresh_account();
  auto signer = [&](std::string_view d) { return *acct.key.sign_jws(d); };
  const std::string new_order = ca().url("/acme/new-order");
  // Protected header members of the wrong type.
  for (const Json& header : {Json{{"alg", "ES256"}, {"kid", acct.url}, {"nonce", ca().nonce()}, {"url", 5}},
                             Json{{"alg", "ES256"}, {"kid", 7}, {"nonce", ca().nonce()}, {"url", new_order}},
                             Json{{"alg", "ES256"}, {"kid", acct.url}, {"nonce", true}, {"url", new_order}},
                             Json{{"alg", Json::array()}, {"kid", acct.url}, {"nonce", ca().nonce()}, {"url", new_order}}}) {
    SCOPED_TRACE(header.dump());
    Response r = ca().send("POST", new_order, InProcessCa::hand_jws(header, "{}", signer).dump());
    EXPECT_GE(r.status, 400) << r.body;
    EXPECT_LT(r.status, 500) << r.body;
  }
  // Payload members of the wrong type.
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  const std::string new_account = ca().url("/acme/new-account");
  expect_problem(ca().post(*key, "", new_account, R"({"termsOfServiceAgreed":"yes"})"), "malformed", 400);
  expect_problem(ca().post(*key, "", new_account, R"({"termsOfServiceAgreed":true,"onlyReturnExisting":1})"),
                 "malformed", 400);
  expect_problem(ca().post(*key, "", new_account, R"({"termsOfServiceAgreed":true,"contact":"mailto:a@b.test"})"),
                 "malformed", 400);
  expect_problem(ca().post(acct, new_order, Json{{"identifiers", {{{"type", "dns"}, {"value", 7}}}}}), "malformed",
                 400);
  expect_problem(ca().post(acct, new_order, Json{{"identifiers", "probe.test"}}), "malformed", 400);
  auto order = ca().new_order(acct, {"probe.test"});
  ASSERT_TRUE(order) << order.error().message();
  const std::string authz = (*order)["authorizations"][0].get<std::string>();
  expect_problem(ca().post(acct, authz, Json{{"status", 5}}), "malformed", 400);
  expect_problem(ca().post(acct, acct.url, Json{{"status", false}}), "malformed", 400);
  expect_problem(ca().post(acct, order->value("finalize", ""), Json{{"csr", 12}}), "malformed", 400);
  // The CA still serves.
  EXPECT_EQ(ca().post(acct, acct.url, std::string_view()).status, 200);
}

TEST_F(HardeningProbe, AKeyRevokedForKeyCompromiseCanNeverBeUsedAgain) {
  TestAccount acct = fresh_account();
  auto cert_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(cert_key);
  auto chain = ca().issue(acct, {"revoke.test"}, *cert_key);
  ASSERT_TRUE(chain) << chain.error().message();
  auto parsed = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(parsed && !parsed->empty());
  // Revoked by the account (not the key itself) for keyCompromise (1).
  Response revoked = ca().post(acct, ca().url("/acme/revoke-cert"),
                               Json{{"certificate", base64url_encode(parsed->front().der)}, {"reason", 1}});
  ASSERT_EQ(revoked.status, 200) << revoked.body;

  // Not in a CSR ...
  auto order = ca().new_order(acct, {"revoke.test"});
  ASSERT_TRUE(order) << order.error().message();
  ASSERT_TRUE(ca().make_ready(acct, *order));
  auto csr = crypto::make_csr_der(*cert_key, {"revoke.test"});
  ASSERT_TRUE(csr);
  expect_problem(ca().post(acct, order->value("finalize", ""), Json{{"csr", base64url_encode(*csr)}}), "badCSR", 400);
  // ... nor as a new account's key ...
  expect_problem(ca().post(*cert_key, "", ca().url("/acme/new-account"), R"({"termsOfServiceAgreed":true})"),
                 "badPublicKey", 400);
  // ... nor as the new key of a key change.
  const std::string target = ca().url("/acme/key-change");
  Json inner_payload = {{"account", acct.url}, {"oldKey", acct.key.public_key().to_jwk()}};
  auto inner = jose::sign(*cert_key, {.url = target}, jose::compact_json(inner_payload));
  ASSERT_TRUE(inner);
  expect_problem(ca().post(acct.key, acct.url, target, jose::compact_json(*inner)), "badPublicKey", 400);
  // Another key for the same name is issued.
  auto fresh_key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(fresh_key);
  auto csr2 = crypto::make_csr_der(*fresh_key, {"revoke.test"});
  ASSERT_TRUE(csr2);
  EXPECT_EQ(ca().post(acct, order->value("finalize", ""), Json{{"csr", base64url_encode(*csr2)}}).status, 200);
}

TEST(ShortValidity, ACertificateShorterThanTheBackdateIsNotIssuedExpired) {
  ra::RaOptions options{.validation_threads = 1};
  for (auto& p : options.profiles.profiles) p.validity = std::chrono::seconds(60);
  auto ca = InProcessCa::start({}, std::move(options));
  ASSERT_TRUE(ca) << ca.error().message();
  auto acct = (*ca)->new_account();
  ASSERT_TRUE(acct) << acct.error().message();
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  auto chain = (*ca)->issue(*acct, {"issue.test"}, *key);
  ASSERT_TRUE(chain) << chain.error().message();
  auto parsed = crypto::parse_pem_chain(*chain);
  ASSERT_TRUE(parsed && !parsed->empty());
  const auto now = std::chrono::system_clock::now();
  EXPECT_LE(parsed->front().not_before, now);
  EXPECT_GT(parsed->front().not_after, now + std::chrono::seconds(30));
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
