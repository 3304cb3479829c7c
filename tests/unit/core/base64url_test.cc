#include "core/base64url.h"

#include <gtest/gtest.h>

#include "core/crypto/digest.h"
#include "openssl_check.h"

namespace acmekit {
namespace {

// RFC 4648 §10 test vectors, with the padding removed (RFC 7515 §2).
TEST(Base64UrlTest, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg"},          {"fo", "Zm8"},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url_encode(plain), encoded);
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64UrlTest, UsesTheUrlSafeAlphabet) {
  // 0xfb 0xff is "+/8=" in standard base64.
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8").value(), "\xfb\xff");
}

TEST(Base64UrlTest, RoundTripsRandomBytesAndAgreesWithOpenSsl) {
  for (std::size_t n = 0; n < 100; ++n) {
    std::string bytes = crypto::random_bytes(n);
    std::string encoded = base64url_encode(bytes);
    EXPECT_EQ(encoded, ossl_check::openssl_base64url(bytes)) << n;
    auto decoded = base64url_decode(encoded);
    ASSERT_TRUE(decoded) << n;
    EXPECT_EQ(*decoded, bytes);
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(base64url_decode(base64url_encode(all)).value(), all);
}

TEST(Base64UrlTest, RejectsPaddingForeignCharactersAndBadLengths) {
  for (std::string_view bad : {"Zg==", "Zm8=", "Zm+v", "Zm/v", "Zm9 v", "Zm9v\n", " Zm9v", "Zm9v\t",
                               "Z", "Zm9vY", "Zm9v\xc3\xa9", "Zm.v"}) {
    auto r = base64url_decode(bad);
    EXPECT_FALSE(r) << "accepted \"" << bad << "\"";
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
    }
  }
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "Zg" is "f"; "Zh" carries the same byte with a non-zero pad bit.
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));
}

}  // namespace
}  // namespace acmekit
