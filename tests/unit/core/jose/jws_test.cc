#include "core/jose/jws.h"

#include <gtest/gtest.h>

#include "core/base64url.h"
#include "../openssl_check.h"

namespace acmekit::crypto {
// gtest prints a parameter in test names (ctest -N) and failures; without
// this it dumps the enum's bytes. Found by ADL, so in KeyAlgorithm's
// namespace; static, so no other test file's printer can clash with it.
static void PrintTo(KeyAlgorithm algorithm, std::ostream* os) {
  switch (algorithm) {
    case KeyAlgorithm::kEcP256: *os << "kEcP256 (ES256)"; return;
    case KeyAlgorithm::kEcP384: *os << "kEcP384 (ES384)"; return;
    case KeyAlgorithm::kRsa: *os << "kRsa (RS256)"; return;
  }
  *os << "KeyAlgorithm(" << static_cast<int>(algorithm) << ")";
}
}  // namespace acmekit::crypto

namespace acmekit::jose {
namespace {

using crypto::KeyAlgorithm;
using crypto::PrivateKey;

const PrivateKey& test_key(KeyAlgorithm algorithm) {
  static const PrivateKey p256 = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP256}).value();
  static const PrivateKey p384 = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP384}).value();
  static const PrivateKey rsa = PrivateKey::generate({.algorithm = KeyAlgorithm::kRsa}).value();
  return algorithm == KeyAlgorithm::kEcP256 ? p256 : algorithm == KeyAlgorithm::kEcP384 ? p384 : rsa;
}

std::string decode(const nlohmann::json& value) { return base64url_decode(value.get<std::string>()).value(); }

class JwsTest : public ::testing::TestWithParam<KeyAlgorithm> {};

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, JwsTest,
                         ::testing::Values(KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kRsa),
                         [](const auto& info) { return test_key(info.param).jws_algorithm(); });

TEST_P(JwsTest, SignsWithEmbeddedJwkAndOpenSslVerifies) {
  const PrivateKey& key = test_key(GetParam());
  const std::string payload = R"({"termsOfServiceAgreed":true})";
  auto jws = sign(key, {.url = "https://ca.example/acme/new-account", .nonce = "K60BWPrMQG9SDxBDS_xtSw"}, payload);
  ASSERT_TRUE(jws) << jws.error().detail;
  ASSERT_EQ(jws->size(), 3u);

  nlohmann::json header = nlohmann::json::parse(decode((*jws)["protected"]));
  EXPECT_EQ(header["alg"], key.jws_algorithm());
  EXPECT_EQ(header["nonce"], "K60BWPrMQG9SDxBDS_xtSw");
  EXPECT_EQ(header["url"], "https://ca.example/acme/new-account");
  EXPECT_EQ(header["jwk"], key.public_key().to_jwk());
  EXPECT_FALSE(header.contains("kid"));
  EXPECT_EQ(decode((*jws)["payload"]), payload);

  // Independently: OpenSSL verifies the signature over protected "." payload.
  auto pkey = ossl_check::openssl_public_key(key.public_key().to_pem());
  std::string input = (*jws)["protected"].get<std::string>() + "." + (*jws)["payload"].get<std::string>();
  std::string signature = decode((*jws)["signature"]);
  EXPECT_TRUE(ossl_check::openssl_verify_jws(pkey.get(), key.jws_algorithm(), input, signature));

  // And so do we.
  auto parsed = parse(*jws);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->payload, payload);
  EXPECT_EQ(parsed->signing_input, input);
  EXPECT_EQ(parsed->signature, signature);
  EXPECT_EQ(parsed->protected_header, header);
  EXPECT_TRUE(verify(*parsed, key.public_key()));
}

TEST_P(JwsTest, TamperedPayloadFailsVerification) {
  const PrivateKey& key = test_key(GetParam());
  nlohmann::json jws = sign(key, {.url = "https://ca.example/order", .nonce = "n", .kid = "https://ca.example/acct/1"},
                            R"({"status":"deactivated"})")
                           .value();
  jws["payload"] = base64url_encode(R"({"status":"valid"})");
  auto parsed = parse(jws);
  ASSERT_TRUE(parsed);
  auto status = verify(*parsed, key.public_key());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::kCrypto);
}

TEST(JwsMiscTest, KidAndPostAsGet) {
  const PrivateKey& key = test_key(KeyAlgorithm::kEcP256);
  auto jws = sign(key, {.url = "https://ca.example/acme/order/1", .nonce = "abc", .kid = "https://ca.example/acct/7"}, "");
  ASSERT_TRUE(jws);
  // RFC 8555 §6.3: POST-as-GET has an empty payload string.
  EXPECT_EQ((*jws)["payload"], "");
  nlohmann::json header = nlohmann::json::parse(decode((*jws)["protected"]));
  EXPECT_EQ(header["kid"], "https://ca.example/acct/7");
  EXPECT_FALSE(header.contains("jwk"));
  auto parsed = parse(*jws);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->payload, "");
  EXPECT_TRUE(parsed->signing_input.ends_with("."));
  EXPECT_TRUE(verify(*parsed, key.public_key()));
  auto pkey = ossl_check::openssl_public_key(key.public_key().to_pem());
  EXPECT_TRUE(ossl_check::openssl_verify_jws(pkey.get(), "ES256", parsed->signing_input, parsed->signature));
}

TEST(JwsMiscTest, EmptyNonceIsLeftOut) {
  auto jws = sign(test_key(KeyAlgorithm::kEcP256), {.url = "https://ca.example/key-change"}, "{}");
  ASSERT_TRUE(jws);
  nlohmann::json header = nlohmann::json::parse(decode((*jws)["protected"]));
  EXPECT_FALSE(header.contains("nonce"));
  EXPECT_TRUE(header.contains("jwk"));
}

TEST(JwsMiscTest, SignRejectsMissingKeyOrUrl) {
  EXPECT_FALSE(sign(PrivateKey{}, {.url = "https://x"}, "{}"));
  EXPECT_FALSE(sign(test_key(KeyAlgorithm::kEcP256), {.nonce = "n"}, "{}"));
}

TEST(JwsMiscTest, VerifyRefusesWrongKeyAndForbiddenAlgs) {
  const PrivateKey& key = test_key(KeyAlgorithm::kEcP256);
  auto parsed = parse(sign(key, {.url = "https://x", .nonce = "n"}, "{}").value()).value();
  EXPECT_FALSE(verify(parsed, test_key(KeyAlgorithm::kEcP384).public_key()));
  EXPECT_FALSE(verify(parsed, test_key(KeyAlgorithm::kRsa).public_key()));
  for (const char* alg : {"none", "HS256", "ES384"}) {
    ParsedJws changed = parsed;
    changed.protected_header["alg"] = alg;
    EXPECT_FALSE(verify(changed, key.public_key())) << alg;
  }
}

TEST(JwsMiscTest, ParseRejectsMalformedJws) {
  nlohmann::json good = sign(test_key(KeyAlgorithm::kEcP256), {.url = "https://x", .nonce = "n"}, "{}").value();
  ASSERT_TRUE(parse(good));
  auto expect_protocol_error = [](const nlohmann::json& jws, const char* why) {
    auto r = parse(jws);
    EXPECT_FALSE(r) << why;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kProtocol) << why;
    }
  };
  expect_protocol_error(nlohmann::json::array(), "array");
  expect_protocol_error("compact.serialization.string", "compact");
  auto j = good; j.erase("signature"); expect_protocol_error(j, "no signature");
  j = good; j.erase("payload"); expect_protocol_error(j, "no payload");
  j = good; j["protected"] = 7; expect_protocol_error(j, "protected not a string");
  j = good; j["signature"] = j["signature"].get<std::string>() + "="; expect_protocol_error(j, "padding");
  j = good; j["payload"] = "e30+"; expect_protocol_error(j, "standard base64");
  j = good; j["header"] = {{"kid", "x"}}; expect_protocol_error(j, "unprotected header");
  j = good; j["signatures"] = nlohmann::json::array(); expect_protocol_error(j, "general serialization");
  j = good; j["protected"] = base64url_encode("{not json"); expect_protocol_error(j, "protected not JSON");
  j = good; j["protected"] = base64url_encode("[]"); expect_protocol_error(j, "protected not an object");
  j = good; j["protected"] = base64url_encode(R"({"url":"x"})"); expect_protocol_error(j, "no alg");
  j = good; j["protected"] = base64url_encode(R"({"alg":"ES256","b64":false})"); expect_protocol_error(j, "b64");
}

}  // namespace
}  // namespace acmekit::jose
