#include "core/crypto/digest.h"

#include <gtest/gtest.h>

#include <set>

#include "core/base64url.h"

namespace acmekit::crypto {
namespace {

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// FIPS 180-2 Appendix B.1.
TEST(DigestTest, Sha256KnownAnswer) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256("").size(), 32u);
}

// FIPS 180-2 Appendix A.1 (also RFC 3174 §7.3, TEST1); and the empty string.
TEST(DigestTest, Sha1KnownAnswer) {
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

// RFC 4231 §4.3, test case 2.
TEST(DigestTest, HmacKnownAnswers) {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  EXPECT_EQ(hex(hmac("SHA256", key, data).value()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac("SHA384", key, data).value()),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(hex(hmac("SHA512", key, data).value()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

// TSIG's older algorithms (RFC 8945 §6): RFC 2202 §2/§3 and RFC 4231 §4.3, test case 2.
TEST(DigestTest, HmacKnownAnswersForTsigDigests) {
  const std::string key = "Jefe";
  const std::string data = "what do ya want for nothing?";
  EXPECT_EQ(hex(hmac("MD5", key, data).value()), "750c783e6ab0b503eaa86e310a5db738");
  EXPECT_EQ(hex(hmac("SHA1", key, data).value()), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(hex(hmac("SHA224", key, data).value()), "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
}

TEST(DigestTest, HmacRejectsUnknownDigestAndEmptyKey) {
  auto md4 = hmac("MD4", "k", "d");
  ASSERT_FALSE(md4);
  EXPECT_EQ(md4.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_FALSE(hmac("SHA256", "", "d"));
}

TEST(DigestTest, RandomBytesHaveTheLengthAndDiffer) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string r = random_bytes(16);
    EXPECT_EQ(r.size(), 16u);
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(DigestTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace acmekit::crypto
