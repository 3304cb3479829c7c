#include "core/crypto/key.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "core/base64url.h"
#include "../openssl_check.h"

namespace acmekit::crypto {
namespace {

using ossl_check::openssl_private_key;
using ossl_check::openssl_public_key;

// Key generation (RSA especially) is slow; make each kind once.
const PrivateKey& test_key(KeyAlgorithm algorithm) {
  static const PrivateKey p256 = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP256}).value();
  static const PrivateKey p384 = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP384}).value();
  static const PrivateKey rsa = PrivateKey::generate({.algorithm = KeyAlgorithm::kRsa, .rsa_bits = 2048}).value();
  switch (algorithm) {
    case KeyAlgorithm::kEcP256: return p256;
    case KeyAlgorithm::kEcP384: return p384;
    case KeyAlgorithm::kRsa: return rsa;
  }
  return p256;
}

struct Case {
  KeyAlgorithm algorithm;
  const char* alg;
  int bits;
  const char* description;
  std::size_t signature_size;
};

// gtest prints a parameter in test names (ctest -N) and failures; without
// this it dumps the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.alg << " (" << c.description << ")"; }

class KeyTest : public ::testing::TestWithParam<Case> {};

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, KeyTest,
                         ::testing::Values(Case{KeyAlgorithm::kEcP256, "ES256", 256, "ECDSA P-256", 64},
                                           Case{KeyAlgorithm::kEcP384, "ES384", 384, "ECDSA P-384", 96},
                                           Case{KeyAlgorithm::kRsa, "RS256", 2048, "RSA 2048", 256}),
                         [](const auto& info) { return std::string(info.param.alg); });

TEST_P(KeyTest, DescribesItself) {
  const auto& c = GetParam();
  const PrivateKey& key = test_key(c.algorithm);
  EXPECT_EQ(key.algorithm(), c.algorithm);
  EXPECT_EQ(key.bits(), c.bits);
  EXPECT_EQ(key.jws_algorithm(), c.alg);
  PublicKey pub = key.public_key();
  EXPECT_EQ(pub.algorithm(), c.algorithm);
  EXPECT_EQ(pub.bits(), c.bits);
  EXPECT_EQ(pub.description(), c.description);
}

TEST_P(KeyTest, PemRoundTripIsPkcs8AndReadableByOpenSsl) {
  const PrivateKey& key = test_key(GetParam().algorithm);
  std::string pem = key.to_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----\n")) << pem.substr(0, 40);
  ASSERT_TRUE(openssl_private_key(pem));
  auto again = PrivateKey::from_pem(pem);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_TRUE(again->public_key() == key.public_key());

  std::string pub_pem = key.public_key().to_pem();
  EXPECT_TRUE(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
  auto pub = PublicKey::from_pem(pub_pem);
  ASSERT_TRUE(pub) << pub.error().detail;
  EXPECT_TRUE(*pub == key.public_key());
  EXPECT_EQ(pub->spki_der(), key.public_key().spki_der());
  // The public key carries no private half.
  EXPECT_FALSE(openssl_private_key(pub_pem));
}

// spki_der writes an EC key's SubjectPublicKeyInfo itself (the blocked-keys
// id hashes it): byte for byte what OpenSSL's i2d_PUBKEY writes for every
// key type, and a key read from a compressed point gives the same bytes as
// the uncompressed one (one key, one blocked-keys id).
std::string openssl_spki_der(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

TEST_P(KeyTest, SpkiDerIsWhatOpenSslWrites) {
  const PrivateKey& key = test_key(GetParam().algorithm);
  const std::string pem = key.public_key().to_pem();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  EXPECT_EQ(key.public_key().spki_der(), openssl_spki_der(pkey));
  EXPECT_FALSE(key.public_key().spki_der().empty());

  if (GetParam().algorithm != KeyAlgorithm::kRsa) {
    ASSERT_EQ(EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
    const std::string compressed = openssl_spki_der(pkey);
    BIO* out = BIO_new(BIO_s_mem());
    ASSERT_EQ(PEM_write_bio_PUBKEY(out, pkey), 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    auto read = PublicKey::from_pem(std::string_view(data, static_cast<std::size_t>(n)));
    BIO_free(out);
    ASSERT_TRUE(read) << read.error().detail;
    EXPECT_LT(compressed.size(), key.public_key().spki_der().size());
    EXPECT_EQ(read->spki_der(), key.public_key().spki_der());
    EXPECT_TRUE(*read == key.public_key());
  }
  EVP_PKEY_free(pkey);
}

TEST_P(KeyTest, ReadsTraditionalPem) {
  // SEC1 "EC PRIVATE KEY" / PKCS#1 "RSA PRIVATE KEY", written by OpenSSL.
  const PrivateKey& key = test_key(GetParam().algorithm);
  auto pkey = openssl_private_key(key.to_pem());
  ASSERT_TRUE(pkey);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string traditional(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EXPECT_TRUE(traditional.starts_with(GetParam().algorithm == KeyAlgorithm::kRsa ? "-----BEGIN RSA PRIVATE KEY"
                                                                                : "-----BEGIN EC PRIVATE KEY"));
  auto again = PrivateKey::from_pem(traditional);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_TRUE(again->public_key() == key.public_key());
}

TEST_P(KeyTest, JwkRoundTrip) {
  const auto& c = GetParam();
  PublicKey pub = test_key(c.algorithm).public_key();
  nlohmann::json jwk = pub.to_jwk();
  if (c.algorithm == KeyAlgorithm::kRsa) {
    EXPECT_EQ(jwk.size(), 3u);
    EXPECT_EQ(jwk["kty"], "RSA");
    EXPECT_EQ(jwk["e"], "AQAB");
    std::string n = base64url_decode(jwk["n"].get<std::string>()).value();
    EXPECT_EQ(n.size(), 256u);
    EXPECT_NE(n[0], '\0');  // no leading zero octet (RFC 7518 §6.3.1.1)
  } else {
    EXPECT_EQ(jwk.size(), 4u);
    EXPECT_EQ(jwk["kty"], "EC");
    EXPECT_EQ(jwk["crv"], c.algorithm == KeyAlgorithm::kEcP256 ? "P-256" : "P-384");
    std::size_t width = c.bits / 8;
    EXPECT_EQ(base64url_decode(jwk["x"].get<std::string>()).value().size(), width);
    EXPECT_EQ(base64url_decode(jwk["y"].get<std::string>()).value().size(), width);
  }
  auto back = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_TRUE(*back == pub);
  EXPECT_EQ(back->to_jwk(), jwk);
}

TEST_P(KeyTest, SignatureVerifiesWithOpenSsl) {
  const auto& c = GetParam();
  const PrivateKey& key = test_key(c.algorithm);
  auto pkey = openssl_public_key(key.public_key().to_pem());
  ASSERT_TRUE(pkey);
  for (const std::string& data : std::vector<std::string>{"", "eyJhbGciOiJFUzI1NiJ9.e30", std::string(5000, 'x')}) {
    auto sig = key.sign_jws(data);
    ASSERT_TRUE(sig) << sig.error().detail;
    if (c.algorithm != KeyAlgorithm::kRsa) {
      EXPECT_EQ(sig->size(), c.signature_size);  // fixed width R||S
    } else {
      EXPECT_EQ(sig->size(), 256u);
    }
    EXPECT_TRUE(ossl_check::openssl_verify_jws(pkey.get(), c.alg, data, *sig));
    EXPECT_FALSE(ossl_check::openssl_verify_jws(pkey.get(), c.alg, data + "!", *sig));
    EXPECT_TRUE(key.public_key().verify_jws(c.alg, data, *sig));
  }
}

// One key signs, and its public half verifies, from several threads at once
// (the load generator's workers share their account key; the CA's request
// threads share the cached account keys): each copies one prepared context.
TEST_P(KeyTest, SignsAndVerifiesFromManyThreadsAtOnce) {
  const auto& c = GetParam();
  auto key = PrivateKey::generate({.algorithm = c.algorithm, .rsa_bits = 2048});
  ASSERT_TRUE(key);
  auto pkey = openssl_public_key(key->public_key().to_pem());
  ASSERT_TRUE(pkey);
  constexpr int kThreads = 4, kEach = 20;
  const PublicKey shared = key->public_key();
  std::vector<std::vector<std::pair<std::string, std::string>>> signed_by(kThreads);
  std::vector<int> verified(kThreads, 0), refused(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string data = "thread " + std::to_string(t) + " message " + std::to_string(i);
        auto sig = key->sign_jws(data);
        if (sig && shared.verify_jws(c.alg, data, *sig)) ++verified[t];
        if (sig && !shared.verify_jws(c.alg, data + "!", *sig)) ++refused[t];
        signed_by[t].emplace_back(std::move(data), sig ? *sig : std::string());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(verified[t], kEach);
    EXPECT_EQ(refused[t], kEach);
    ASSERT_EQ(signed_by[t].size(), static_cast<size_t>(kEach));
    for (const auto& [data, sig] : signed_by[t]) {
      ASSERT_FALSE(sig.empty()) << data;
      EXPECT_TRUE(ossl_check::openssl_verify_jws(pkey.get(), c.alg, data, sig)) << data;
    }
  }
}

TEST_P(KeyTest, VerifiesOpenSslSignaturesAndRejectsBadOnes) {
  const auto& c = GetParam();
  const PrivateKey& key = test_key(c.algorithm);
  PublicKey pub = key.public_key();
  auto pkey = openssl_private_key(key.to_pem());
  ASSERT_TRUE(pkey);
  const std::string data = "protected.payload";
  std::string sig = ossl_check::openssl_sign_jws(pkey.get(), c.alg, data);
  ASSERT_EQ(sig.size(), c.signature_size);
  EXPECT_TRUE(pub.verify_jws(c.alg, data, sig));

  auto tampered = pub.verify_jws(c.alg, "protected.payloaD", sig);
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().kind, ErrorKind::kCrypto);
  std::string flipped = sig;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(pub.verify_jws(c.alg, data, flipped));
  EXPECT_FALSE(pub.verify_jws(c.alg, data, sig.substr(1)));
  EXPECT_FALSE(pub.verify_jws(c.alg, data, ""));
  // An alg that does not fit the key.
  for (const char* other : {"ES256", "ES384", "RS256", "HS256", "none", "PS256"}) {
    if (std::string_view(other) != c.alg) {
      EXPECT_FALSE(pub.verify_jws(other, data, sig)) << other;
    }
  }
  // Another key of the same kind.
  auto stranger = PrivateKey::generate({.algorithm = c.algorithm});
  ASSERT_TRUE(stranger);
  EXPECT_FALSE(stranger->public_key().verify_jws(c.alg, data, sig));
}

TEST(KeyMiscTest, EcdsaSignaturesAreAlwaysFixedWidth) {
  // About 1 in 128 signatures has an R or S with a leading zero byte; each
  // must still be padded to the full width (RFC 7518 §3.4).
  const PrivateKey& key = test_key(KeyAlgorithm::kEcP256);
  auto pkey = openssl_public_key(key.public_key().to_pem());
  int checked = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string data = "message " + std::to_string(i);
    auto sig = key.sign_jws(data);
    ASSERT_TRUE(sig);
    ASSERT_EQ(sig->size(), 64u) << i;
    if (sig->front() == '\0' || (*sig)[32] == '\0') {
      EXPECT_TRUE(ossl_check::openssl_verify_jws(pkey.get(), "ES256", data, *sig));
      EXPECT_TRUE(key.public_key().verify_jws("ES256", data, *sig));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);  // fails with probability ~1e-5
}

TEST(KeyJwkTest, RejectsMalformedJwks) {
  nlohmann::json ec = test_key(KeyAlgorithm::kEcP256).public_key().to_jwk();
  auto expect_rejected = [](const nlohmann::json& jwk, const char* why) {
    auto r = PublicKey::from_jwk(jwk);
    EXPECT_FALSE(r) << why;
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument) << why;
    }
  };
  expect_rejected(nlohmann::json::array(), "not an object");
  expect_rejected({{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", "AAAA"}}, "unsupported kty");
  auto j = ec; j.erase("y"); expect_rejected(j, "missing y");
  j = ec; j["crv"] = "P-521"; expect_rejected(j, "unsupported curve");
  j = ec; j["crv"] = "P-384"; expect_rejected(j, "wrong width for the curve");
  j = ec; j["x"] = base64url_encode(std::string(31, '\x01')); expect_rejected(j, "short x");
  j = ec; j["x"] = j["x"].get<std::string>() + "="; expect_rejected(j, "padded x");
  // Flip one bit of y: the point is no longer on the curve.
  std::string y = base64url_decode(ec["y"].get<std::string>()).value();
  y.back() ^= 0x01;
  j = ec; j["y"] = base64url_encode(y); expect_rejected(j, "point not on curve");
  j = ec; j["x"] = 5; expect_rejected(j, "x not a string");

  nlohmann::json rsa = test_key(KeyAlgorithm::kRsa).public_key().to_jwk();
  j = rsa; j.erase("n"); expect_rejected(j, "missing n");
  j = rsa; j["e"] = ""; expect_rejected(j, "empty e");
}

TEST(KeyJwkTest, AcceptsRfc7638ExampleKey) {
  const nlohmann::json jwk = {
      {"kty", "RSA"},
      {"e", "AQAB"},
      {"n", "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  auto key = PublicKey::from_jwk(jwk);
  ASSERT_TRUE(key) << key.error().detail;
  EXPECT_EQ(key->description(), "RSA 2048");
  nlohmann::json expected = jwk;
  expected.erase("alg");
  expected.erase("kid");
  EXPECT_EQ(key->to_jwk(), expected);
}

TEST(KeyMiscTest, GenerateRejectsRsaSizesOutOfRange) {
  for (int bits : {1024, 2047, 8193}) {
    auto r = PrivateKey::generate({.algorithm = KeyAlgorithm::kRsa, .rsa_bits = bits});
    ASSERT_FALSE(r) << bits;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  }
}

TEST(KeyMiscTest, FromPemRejectsGarbageEncryptedAndUnsupportedKeys) {
  EXPECT_FALSE(PrivateKey::from_pem(""));
  EXPECT_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(PublicKey::from_pem("not a key"));

  // Encrypted PKCS#8: must fail rather than prompt for a passphrase.
  auto pkey = openssl_private_key(test_key(KeyAlgorithm::kEcP256).to_pem());
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, pkey.get(), EVP_aes_128_cbc(), nullptr, 0, nullptr,
                                          const_cast<char*>("secret")), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string encrypted(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  auto r = PrivateKey::from_pem(encrypted);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCrypto);

  // Ed25519 is not a key type we support.
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, ed, nullptr, nullptr, 0, nullptr, nullptr);
  len = BIO_get_mem_data(bio, &data);
  std::string ed_pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(ed);
  auto unsupported = PrivateKey::from_pem(ed_pem);
  ASSERT_FALSE(unsupported);
  EXPECT_NE(unsupported.error().detail.find("unsupported"), std::string::npos) << unsupported.error().detail;
}

TEST(KeyMiscTest, EmptyKeysAreHarmless) {
  PublicKey pub;
  PrivateKey key;
  EXPECT_EQ(pub.to_jwk(), nlohmann::json::object());
  EXPECT_EQ(pub.to_pem(), "");
  EXPECT_FALSE(pub.verify_jws("ES256", "x", std::string(64, '\0')));
  EXPECT_TRUE(pub == PublicKey{});
  EXPECT_FALSE(pub == test_key(KeyAlgorithm::kEcP256).public_key());
  EXPECT_FALSE(key.sign_jws("x"));
  EXPECT_EQ(key.to_pem(), "");
}

// Equality is the same key, whatever object holds it: a copy parsed from
// PEM or a JWK equals it; another key, of the same type or not, does not.
TEST(KeyMiscTest, EqualityIsTheSameKey) {
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kRsa}) {
    PublicKey pub = PrivateKey::generate({.algorithm = a}).value().public_key();
    EXPECT_TRUE(PublicKey::from_pem(pub.to_pem()).value() == pub);
    EXPECT_TRUE(PublicKey::from_jwk(pub.to_jwk()).value() == pub);
    EXPECT_FALSE(PrivateKey::generate({.algorithm = a}).value().public_key() == pub);
  }
  PublicKey p256 = test_key(KeyAlgorithm::kEcP256).public_key();
  EXPECT_FALSE(p256 == test_key(KeyAlgorithm::kEcP384).public_key());
  EXPECT_FALSE(p256 == test_key(KeyAlgorithm::kRsa).public_key());
  EXPECT_FALSE(test_key(KeyAlgorithm::kRsa).public_key() == p256);
}

TEST(KeySpecTest, FromNames) {
  auto p256 = key_spec_from_names("ecdsa", "secp256r1", 0);
  ASSERT_TRUE(p256);
  EXPECT_EQ(p256->algorithm, KeyAlgorithm::kEcP256);
  auto p384 = key_spec_from_names("ECDSA", "secp384r1", 0);
  ASSERT_TRUE(p384);
  EXPECT_EQ(p384->algorithm, KeyAlgorithm::kEcP384);
  EXPECT_EQ(key_spec_from_names("ecdsa", "", 0)->algorithm, KeyAlgorithm::kEcP256);
  auto rsa = key_spec_from_names("rsa", "secp384r1", 4096);
  ASSERT_TRUE(rsa);
  EXPECT_EQ(rsa->algorithm, KeyAlgorithm::kRsa);
  EXPECT_EQ(rsa->rsa_bits, 4096);

  EXPECT_FALSE(key_spec_from_names("dsa", "", 2048));
  EXPECT_FALSE(key_spec_from_names("ecdsa", "secp521r1", 0));
  EXPECT_FALSE(key_spec_from_names("rsa", "", 1024));
  EXPECT_FALSE(key_spec_from_names("rsa", "", 16384));
}

}  // namespace
}  // namespace acmekit::crypto

// certbot keeps account keys as private JWKs (accounts/.../private_key.json);
// these two were written by josepy, certbot's JOSE library.
namespace acmekit::crypto {
namespace {

constexpr const char* kCertbotEcJwk =
    R"({"d": "_Bke9cfOVjsKyVuX1C9f7BNAdBHw9esmoqrrnPEtJ_E", "x": "6bJ-8bKSESe5PgLPcqdoyXd7ujQdqqUICyLPqXgrV5I", )"
    R"("y": "6L3GwhsDEEA1sa_JHiMW_JzttTxWbhtWJf30FavE0II", "crv": "P-256", "kty": "EC"})";
constexpr const char* kCertbotRsaJwk =
    R"({"n": "xLUxMJ51AVMKN0T7NvFH3yBOOvtslIE7SSDSGjDzt8d8W7fvjgih8G1LgZl1sJkwq5WvdRQaVeBnct8xToMX0je8rrsP9C_RrtXPwGVHP31dh5IqB59qff2nkUOdzS_NjdnByT2RYbQoM99Evhmye9K3sY7lxUavHjobMxEXrCJyDaP7oyaauCWZBLUlmYl_RueRZlMAxDHwYyI2cUs7L5ClpP_bWoG4W5hMjVe7svcgssFL-251S7c5lu7wctI7rtmu9aN7oMf8KiUc0pPGpIhSgk8Q5LMyLR1NczyJc9P-C36qBxzLnQPmAmbnThvRCHhsEqvjD0N3tLfJB0KvcQ", )"
    R"("e": "AQAB", "d": "WHFpaQVN8Wb_SGNtGkJ5ALMbSXzDULAcUmB95wXMhvycBvcYMAHkod_aW65-koUGM5fNOHRt9N-9U5JTrovVuZCS9vMnlLCtdBExZD2FP-AjnfGTkTLVpElYvsEqodeU8esPLObQR6BDlTMVSu3t6KuRKTXpTH5f_VS95wOP47YdN2weD7KADLkgV1spCb7X2SpzJtoWg-XdlSWrn13FWMMXKvR75PkL7kPNwQlsMxG00TMYx2Cq7EuI9AntETxtOwPfsxz2XbJ_gwD5z_D2K1t-iElCP7-igbeC0wh0Y-Hd931QaoEX9mBc_Xr8SxqLmzcfZaP78cmN3ZwtlsLFmw", )"
    R"("p": "5rxiOCRLmPDYAzeDW0jDEslJejcjuWWumRbRJdGVWjhOiQ6xGojaTXxMENBLH3LOrgdQzSYcsIhy1si2_g8FDUT3jfet15bnS0Kf0gOFuEUkJh1-65LgMZ8uBK7XgNOBx7rC3b8nzmI56tR4JqBnva9UA-qMHmKBEU-AtjHS698", )"
    R"("q": "2j784d_H38tMRdJOqS9vwwjR8O3eEyR1KIXQm9DOa4g6cfz2NCrtIkGz7CaPurpEK_pE6_uq_6vCGvyn8w6yDuUITSTJ1AZBjMNSq3mFVJbZQYUp_Z29UKuqEEdL0EdExOEsz2N4pRZmyfxmL62G1y7GJbJmkaqNfEP72ep6zq8", )"
    R"("dp": "vnrwfrZ_7j-NpII0n6xe1mhzj0Br7obh76HlgVoW-QcY1o7ZaDVoOqWNSigajFjEBOknLGT1NEtAus2yO-R8YCr6TyoUSrFaOkhDFiYwQyJZKFobSDDVgkGNxPHuGH0DW7ZzXoqLOxbeB13l3sV3PyG5sw3zJLZfJMJEWKSjInM", )"
    R"("dq": "oF80uE4Ws67SJ2R5BP2kpK6whthkHbDmnpZmSnlPldkPCYAW8xKwGkIpklhruYzyV1aamsXeS-3MvsP2LjcYRLWsOfPUk4bdWDCXaQXtIdGPaAQQbRsiaEsctsWNQkl8kSfeI682kik58ycTd-mNckYeuMi1ckjfmvbh9KnHAGU", )"
    R"("qi": "J3xY1Hke6bvPQJpZ-JQTcUPXFAigoasIA4QQcJXVGNsinDljj6EA5LE44PSgHr4jCMxm-TNfOc9TJ-AQYNENdicvOzZht1ykeVkB3rlVTr-p7onWldHNq8jQYQYOMFoEqiFU2_g8yo-FeFK9V68-6SNHZaWPImWSvfpBsM1KsO0", "kty": "RSA"})";

TEST(PrivateKeyJwkTest, ReadsCertbotsAccountKeys) {
  for (const char* text : {kCertbotEcJwk, kCertbotRsaJwk}) {
    const auto jwk = nlohmann::json::parse(text);
    auto key = PrivateKey::from_jwk(jwk);
    ASSERT_TRUE(key) << key.error().message();
    // The public half is the JWK's, and the private half signs for it.
    auto pub = PublicKey::from_jwk(jwk);
    ASSERT_TRUE(pub);
    EXPECT_TRUE(key->public_key() == *pub);
    auto sig = key->sign_jws("payload");
    ASSERT_TRUE(sig);
    EXPECT_TRUE(pub->verify_jws(key->jws_algorithm(), "payload", *sig));
  }
  EXPECT_EQ(PrivateKey::from_jwk(nlohmann::json::parse(kCertbotRsaJwk))->bits(), 2048);
}

// to_jwk writes what josepy wrote (member for member), and what it writes
// reads back to the same key, for every algorithm.
TEST(PrivateKeyJwkTest, WritesWhatCertbotWrites) {
  for (const char* text : {kCertbotEcJwk, kCertbotRsaJwk}) {
    const auto jwk = nlohmann::json::parse(text);
    EXPECT_EQ(PrivateKey::from_jwk(jwk)->to_jwk(), jwk);
  }
  for (auto spec : {KeySpec{.algorithm = KeyAlgorithm::kEcP256}, KeySpec{.algorithm = KeyAlgorithm::kEcP384},
                    KeySpec{.algorithm = KeyAlgorithm::kRsa, .rsa_bits = 2048}}) {
    auto key = PrivateKey::generate(spec);
    ASSERT_TRUE(key);
    auto back = PrivateKey::from_jwk(key->to_jwk());
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->to_pem(), key->to_pem());
  }
}

TEST(PrivateKeyJwkTest, RefusesAPrivatePartThatIsNotThePublicOnes) {
  auto jwk = nlohmann::json::parse(kCertbotEcJwk);
  jwk["d"] = "AQ";  // another scalar: another public point
  EXPECT_FALSE(PrivateKey::from_jwk(jwk));
  auto rsa = nlohmann::json::parse(kCertbotRsaJwk);
  rsa.erase("qi");
  EXPECT_FALSE(PrivateKey::from_jwk(rsa));
  EXPECT_FALSE(PrivateKey::from_jwk(nlohmann::json::parse(R"({"kty": "oct", "k": "AQ"})")));
}

}  // namespace
}  // namespace acmekit::crypto
