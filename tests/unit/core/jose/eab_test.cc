#include "core/jose/eab.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "core/base64url.h"
#include "core/crypto/digest.h"
#include "core/crypto/key.h"

namespace acmekit::jose {
namespace {

std::string openssl_hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string decode(const nlohmann::json& value) { return base64url_decode(value.get<std::string>()).value(); }

class EabTest : public ::testing::Test {
 protected:
  std::string mac_key_ = crypto::random_bytes(32);
  nlohmann::json account_jwk_ = crypto::PrivateKey::generate({}).value().public_key().to_jwk();
  const std::string url_ = "https://ca.example/acme/new-account";
};

TEST_F(EabTest, HeaderPayloadAndMacAreRight) {
  auto eab = sign_eab("kid-1", base64url_encode(mac_key_), account_jwk_, url_);
  ASSERT_TRUE(eab) << eab.error().detail;
  // RFC 8555 §7.3.4: HS256, the CA's kid, the newAccount url, no nonce.
  nlohmann::json header = nlohmann::json::parse(decode((*eab)["protected"]));
  EXPECT_EQ(header, (nlohmann::json{{"alg", "HS256"}, {"kid", "kid-1"}, {"url", url_}}));
  EXPECT_FALSE(header.contains("nonce"));
  // The payload is the account key's JWK.
  EXPECT_EQ(nlohmann::json::parse(decode((*eab)["payload"])), account_jwk_);
  // The MAC checks out with OpenSSL's HMAC over protected "." payload.
  std::string input = (*eab)["protected"].get<std::string>() + "." + (*eab)["payload"].get<std::string>();
  EXPECT_EQ(decode((*eab)["signature"]), openssl_hmac_sha256(mac_key_, input));
  EXPECT_NE(decode((*eab)["signature"]), openssl_hmac_sha256(mac_key_ + "x", input));
}

TEST_F(EabTest, VerifyEabMac) {
  nlohmann::json eab = sign_eab("kid-1", base64url_encode(mac_key_), account_jwk_, url_).value();
  auto parsed = parse(eab);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_TRUE(verify_eab_mac(*parsed, mac_key_));
  EXPECT_FALSE(verify_eab_mac(*parsed, crypto::random_bytes(32)));
  // An ordinary signature JWS's verify refuses MAC algorithms.
  EXPECT_FALSE(verify(*parsed, crypto::PublicKey::from_jwk(account_jwk_).value()));
  eab["payload"] = base64url_encode(R"({"kty":"EC"})");
  EXPECT_FALSE(verify_eab_mac(parse(eab).value(), mac_key_));
}

TEST_F(EabTest, ToleratesPaddedKeyAndRejectsBadInput) {
  // A 32-byte key has one '=' of padding in base64.
  std::string padded = base64url_encode(mac_key_) + "=";
  auto a = sign_eab("kid-1", padded, account_jwk_, url_);
  auto b = sign_eab("kid-1", base64url_encode(mac_key_), account_jwk_, url_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);

  EXPECT_FALSE(sign_eab("kid-1", "not base64!", account_jwk_, url_));
  EXPECT_FALSE(sign_eab("kid-1", "", account_jwk_, url_));
  EXPECT_FALSE(sign_eab("", base64url_encode(mac_key_), account_jwk_, url_));
  EXPECT_FALSE(sign_eab("kid-1", base64url_encode(mac_key_), account_jwk_, ""));
}

}  // namespace
}  // namespace acmekit::jose
