// RFC 9773 on the wire: the certificate identifier (§4.1) with the RFC's own
// example, and RenewalInfo objects (§4.2) valid and invalid.
#include "core/wire/renewal_info.h"

#include <gtest/gtest.h>

#include "core/wire/rfc3339.h"

namespace acmekit::wire {
namespace {

// RFC 9773 Appendix A.
constexpr const char* kAppendixA = R"(-----BEGIN CERTIFICATE-----
MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
-----END CERTIFICATE-----
)";

constexpr const char* kRfcId = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE";

std::string bytes(std::initializer_list<unsigned char> b) { return std::string(b.begin(), b.end()); }

TEST(AriCertificateId, RfcKnownAnswerFromTheBytes) {
  // §4.1: AKI 69:88:5B:...:C8:D4, serial DER content 00:87:65:43:21.
  const std::string aki = bytes({0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4});
  EXPECT_EQ(ari_certificate_id(aki, bytes({0x00, 0x87, 0x65, 0x43, 0x21})), kRfcId);
}

TEST(AriCertificateId, RfcKnownAnswerFromTheAppendixCertificate) {
  auto certs = crypto::parse_pem_chain(kAppendixA);
  ASSERT_TRUE(certs) << certs.error().message();
  auto id = ari_certificate_id(certs->front());
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, kRfcId);
}

TEST(AriCertificateId, ACertificateWithoutAkiHasNone) {
  crypto::CertificateInfo cert;
  cert.serial_der = bytes({0x01});
  cert.serial_hex = "01";
  auto id = ari_certificate_id(cert);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().kind, ErrorKind::kInvalidArgument);
}

TEST(AriCertificateId, ParsesBackIntoItsParts) {
  auto parts = parse_ari_certificate_id(kRfcId);
  ASSERT_TRUE(parts) << parts.error().message();
  EXPECT_EQ(parts->serial_der, bytes({0x00, 0x87, 0x65, 0x43, 0x21}));
  EXPECT_EQ(parts->authority_key_id.size(), 20u);
  EXPECT_EQ(ari_certificate_id(parts->authority_key_id, parts->serial_der), kRfcId);
  for (const char* bad : {"", ".", "aYhb", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.", ".AIdlQyE", "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE=",
                          "a.b.c", "aYh!.AIdlQyE"}) {
    EXPECT_FALSE(parse_ari_certificate_id(bad)) << bad;
  }
}

TEST(RenewalInfo, ParsesTheRfcExample) {
  auto j = nlohmann::json::parse(R"({"suggestedWindow": {"start": "2025-01-02T04:00:00Z", "end": "2025-01-03T04:00:00Z"},
                                     "explanationURL": "https://acme.example.com/docs/ari"})");
  auto info = parse_renewal_info(j);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(rfc3339(info->window_start), "2025-01-02T04:00:00Z");
  EXPECT_EQ(rfc3339(info->window_end), "2025-01-03T04:00:00Z");
  EXPECT_EQ(info->explanation_url, "https://acme.example.com/docs/ari");
}

TEST(RenewalInfo, ExplanationUrlIsOptionalAndOffsetsCount) {
  auto j = nlohmann::json::parse(R"({"suggestedWindow": {"start": "2025-01-02T06:00:00+02:00", "end": "2025-01-02T05:00:00.5Z"}})");
  auto info = parse_renewal_info(j);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(rfc3339(info->window_start), "2025-01-02T04:00:00Z");
  EXPECT_TRUE(info->explanation_url.empty());
}

TEST(RenewalInfo, AnEndAtOrBeforeTheStartIsInvalid) {
  // §4.2: treated as though no answer came.
  for (const char* end : {"2025-01-02T04:00:00Z", "2025-01-01T04:00:00Z"}) {
    auto j = nlohmann::json{{"suggestedWindow", {{"start", "2025-01-02T04:00:00Z"}, {"end", end}}}};
    auto info = parse_renewal_info(j);
    ASSERT_FALSE(info) << end;
    EXPECT_EQ(info.error().kind, ErrorKind::kProtocol);
    EXPECT_NE(info.error().detail.find("ends at or before"), std::string::npos) << info.error().detail;
  }
}

TEST(RenewalInfo, MissingOrMalformedWindowsAreErrors) {
  for (const char* text : {R"({})", R"({"suggestedWindow": "soon"})", R"({"suggestedWindow": {"start": "2025-01-02T04:00:00Z"}})",
                           R"({"suggestedWindow": {"start": "yesterday", "end": "2025-01-03T04:00:00Z"}})",
                           R"({"suggestedWindow": {"start": 1, "end": 2}})", R"([])"}) {
    auto info = parse_renewal_info(nlohmann::json::parse(text));
    ASSERT_FALSE(info) << text;
    EXPECT_EQ(info.error().kind, ErrorKind::kProtocol) << text;
  }
}

// Found by tests/fuzz (wire_json, corpus crash-rfc3339-year-3595): a time
// past 2262 overflowed system_clock's nanoseconds (undefined behaviour); it
// is an error, and so is the RenewalInfo that carries it.
TEST(Rfc3339Test, TimesSystemClockCannotHoldAreErrors) {
  EXPECT_FALSE(parse_rfc3339("3595-01-02T04:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2262-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("1678-01-01T00:00:00Z"));
  auto j = nlohmann::json::parse(
      R"({"suggestedWindow": {"start": "3595-01-02T04:00:00Z", "end": "3595-01-03T04:00:00Z"}})");
  EXPECT_FALSE(parse_renewal_info(j));
}

// Found by tests/fuzz (rfc3339, corpus crash-fmt-truncated-utf8): the error
// message quoted the text with fmt's "{:?}", which in Debian 12's fmt 9.1
// aborts the process on text that ends inside a UTF-8 sequence.
TEST(Rfc3339Test, MalformedUtf8IsQuotedNotFatal) {
  auto t = parse_rfc3339("202500-1-2t04:00:00z\xc6");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(t.error().detail.find("\"202500-1-2t04:00:00z\\xc6\""), std::string::npos) << t.error().detail;
  EXPECT_FALSE(parse_rfc3339("2025-01-02T04:00:00\xe2\x82"));
}

}  // namespace
}  // namespace acmekit::wire
