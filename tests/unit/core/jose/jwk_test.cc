#include "core/jose/jwk.h"

#include <gtest/gtest.h>

#include "core/crypto/key.h"
#include "../openssl_check.h"

namespace acmekit::jose {
namespace {

// The RSA key of RFC 7638 §3.1 (n joined from the RFC's lines).
const nlohmann::json kRfc7638Key = {
    {"kty", "RSA"},
    {"n", "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
    {"e", "AQAB"},
    {"alg", "RS256"},
    {"kid", "2011-04-29"}};

TEST(JwkTest, Rfc7638KnownAnswer) {
  EXPECT_EQ(thumbprint(kRfc7638Key), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // Only the required members count.
  nlohmann::json bare = kRfc7638Key;
  bare.erase("alg");
  bare.erase("kid");
  EXPECT_EQ(thumbprint(bare), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  nlohmann::json other = bare;
  other["e"] = "AQAC";
  EXPECT_NE(thumbprint(other), thumbprint(bare));
}

TEST(JwkTest, EcThumbprintIsStableAndMatchesTheCanonicalForm) {
  auto key = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP256}).value();
  nlohmann::json jwk = key.public_key().to_jwk();
  // RFC 7638 §3.3: members in lexicographic order, no whitespace.
  std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk["x"].get<std::string>() + R"(","y":")" +
                          jwk["y"].get<std::string>() + R"("})";
  std::string expected = ossl_check::openssl_base64url(ossl_check::openssl_sha256(canonical));
  EXPECT_EQ(thumbprint(jwk), expected);
  EXPECT_EQ(thumbprint(jwk), thumbprint(key.public_key().to_jwk()));
  nlohmann::json extra = jwk;
  extra["use"] = "sig";
  extra["kid"] = "x";
  EXPECT_EQ(thumbprint(extra), expected);
  // A re-imported key has the same thumbprint; another key does not.
  EXPECT_EQ(thumbprint(crypto::PublicKey::from_jwk(jwk)->to_jwk()), expected);
  auto other = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP256}).value();
  EXPECT_NE(thumbprint(other.public_key().to_jwk()), expected);
}

TEST(JwkTest, KeyAuthorizationAndDns01Value) {
  const std::string token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";  // RFC 8555 §8.4
  std::string ka = key_authorization(token, kRfc7638Key);
  // RFC 8555 §8.1: token "." base64url(thumbprint).
  EXPECT_EQ(ka, token + ".NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  // RFC 8555 §8.4: base64url(SHA-256(key authorization)), 43 characters.
  std::string txt = dns01_txt_value(ka);
  EXPECT_EQ(txt, ossl_check::openssl_base64url(ossl_check::openssl_sha256(ka)));
  EXPECT_EQ(txt.size(), 43u);
  EXPECT_NE(dns01_txt_value(ka + "x"), txt);
}

}  // namespace
}  // namespace acmekit::jose
