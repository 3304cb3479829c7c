#include "core/dns/tsig.h"

#include <ldns/ldns.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "bind_server.h"

namespace acmekit::dns {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// A query for example.test SOA, built by ldns, in wire format.
std::string query_wire() {
  ldns_pkt* pkt = ldns_pkt_query_new(ldns_dname_new_frm_str("example.test."), LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
  ldns_pkt_set_id(pkt, 0x1234);
  uint8_t* wire = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
  std::string out(reinterpret_cast<char*>(wire), size);
  free(wire);  // NOLINT
  ldns_pkt_free(pkt);
  return out;
}

TsigKey key_for(TsigAlgorithm algorithm) {
  return TsigKey{.name = "Acme-Key.", .algorithm = algorithm, .secret = "0123456789abcdef0123456789abcdef"};
}

// pkt (an answer; freed here) signed by ldns with key as the answer to a
// request whose MAC was request_mac; empty (and a test failure) when ldns
// refuses.
std::string ldns_signed_answer(ldns_pkt* pkt, const TsigKey& key, const std::string& request_mac) {
  // ldns takes the request MAC as a length-prefixed rdf.
  std::string prefixed{static_cast<char>(request_mac.size() >> 8), static_cast<char>(request_mac.size())};
  prefixed += request_mac;
  ldns_rdf* mac_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, prefixed.size(), prefixed.data());
  const std::string secret64 = test_support::base64(key.secret);
  std::string answer;
  uint8_t* wire = nullptr;
  size_t size = 0;
  if (ldns_pkt_tsig_sign(pkt, "acme-key.", secret64.c_str(), 300, tsig_algorithm_name(key.algorithm).c_str(),
                         mac_rdf) != LDNS_STATUS_OK) {
    ADD_FAILURE() << "ldns could not sign the answer";
  } else if (ldns_pkt2wire(&wire, pkt, &size) != LDNS_STATUS_OK) {
    ADD_FAILURE() << "ldns could not write the answer";
  } else {
    answer.assign(reinterpret_cast<char*>(wire), size);
  }
  free(wire);  // NOLINT
  ldns_rdf_deep_free(mac_rdf);
  ldns_pkt_free(pkt);
  return answer;
}

TEST(DnsTsigTest, ParsesCertbotAndBindAlgorithmNames) {
  EXPECT_EQ(parse_tsig_algorithm("HMAC-SHA256").value(), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(parse_tsig_algorithm("hmac-sha256").value(), TsigAlgorithm::kHmacSha256);
  EXPECT_EQ(parse_tsig_algorithm("hmac-sha512.").value(), TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(parse_tsig_algorithm("Hmac-Sha224").value(), TsigAlgorithm::kHmacSha224);
  EXPECT_EQ(parse_tsig_algorithm("HMAC-MD5").value(), TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(parse_tsig_algorithm("hmac-md5.sig-alg.reg.int.").value(), TsigAlgorithm::kHmacMd5);
  EXPECT_EQ(parse_tsig_algorithm("HMAC-SHA1").value(), TsigAlgorithm::kHmacSha1);
  EXPECT_EQ(parse_tsig_algorithm("HMAC-SHA384").value(), TsigAlgorithm::kHmacSha384);
  auto bad = parse_tsig_algorithm("HMAC-SHA3");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(bad.error().detail.find("HMAC-SHA3"), std::string::npos);
  EXPECT_EQ(tsig_algorithm_name(TsigAlgorithm::kHmacMd5), "hmac-md5.sig-alg.reg.int");
  EXPECT_EQ(certbot_algorithm_name(TsigAlgorithm::kHmacSha384), "HMAC-SHA384");
}

TEST(DnsTsigTest, DecodesBase64SecretsIgnoringWhitespace) {
  EXPECT_EQ(decode_tsig_secret("aGVs bG8=").value(), "hello");
  auto bad = decode_tsig_secret("not*base64");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail.find("not*base64"), std::string::npos) << "the secret must not be echoed";
  EXPECT_FALSE(decode_tsig_secret("   "));
}

// ldns 1.8.3 verifies what we sign, for the algorithms it implements.
TEST(DnsTsigTest, LdnsVerifiesOurSignatures) {
  for (auto algorithm : {TsigAlgorithm::kHmacMd5, TsigAlgorithm::kHmacSha1, TsigAlgorithm::kHmacSha256,
                         TsigAlgorithm::kHmacSha512}) {
    const TsigKey key = key_for(algorithm);
    auto signed_message = tsig_sign(query_wire(), key, system_clock::now());
    ASSERT_TRUE(signed_message) << signed_message.error().detail;
    ldns_pkt* pkt = nullptr;
    const auto* wire = reinterpret_cast<const uint8_t*>(signed_message->wire.data());
    ASSERT_EQ(ldns_wire2pkt(&pkt, wire, signed_message->wire.size()), LDNS_STATUS_OK);
    ASSERT_NE(ldns_pkt_tsig(pkt), nullptr);
    const std::string secret64 = test_support::base64(key.secret);
    EXPECT_TRUE(ldns_pkt_tsig_verify(pkt, wire, signed_message->wire.size(), "acme-key.", secret64.c_str(), nullptr))
        << certbot_algorithm_name(algorithm);
    // One flipped bit in the question: ldns rejects it.
    std::string tampered = signed_message->wire;
    tampered[14] ^= 1;
    ldns_pkt* bad = nullptr;
    ASSERT_EQ(ldns_wire2pkt(&bad, reinterpret_cast<const uint8_t*>(tampered.data()), tampered.size()), LDNS_STATUS_OK);
    EXPECT_FALSE(ldns_pkt_tsig_verify(bad, reinterpret_cast<const uint8_t*>(tampered.data()), tampered.size(),
                                      "acme-key.", secret64.c_str(), nullptr));
    ldns_pkt_free(bad);
    ldns_pkt_free(pkt);
  }
}

// And we verify what ldns signs as an answer to our request (RFC 8945
// §4.3.3: the request MAC goes first).
TEST(DnsTsigTest, WeVerifyAnswersLdnsSigns) {
  for (auto algorithm : {TsigAlgorithm::kHmacMd5, TsigAlgorithm::kHmacSha1, TsigAlgorithm::kHmacSha256,
                         TsigAlgorithm::kHmacSha512}) {
    const TsigKey key = key_for(algorithm);
    const std::string request_mac(key.algorithm == TsigAlgorithm::kHmacMd5 ? 16 : 20, '\x5a');
    ldns_pkt* pkt = nullptr;
    const std::string request = query_wire();
    ASSERT_EQ(ldns_wire2pkt(&pkt, reinterpret_cast<const uint8_t*>(request.data()), request.size()), LDNS_STATUS_OK);
    ldns_pkt_set_qr(pkt, true);
    ldns_pkt_set_aa(pkt, true);
    const std::string answer = ldns_signed_answer(pkt, key, request_mac);
    ASSERT_FALSE(answer.empty());

    const TsigCheck ok = tsig_check_answer(answer, key, request_mac, system_clock::now());
    EXPECT_TRUE(ok.present);
    EXPECT_TRUE(ok.verified) << certbot_algorithm_name(algorithm) << ": " << ok.problem;
    const TsigCheck wrong_mac = tsig_check_answer(answer, key, std::string(request_mac.size(), 'x'), system_clock::now());
    EXPECT_FALSE(wrong_mac.verified);
    EXPECT_EQ(wrong_mac.problem, "MAC does not match");
    const TsigCheck late = tsig_check_answer(answer, key, request_mac, system_clock::now() + seconds(3600));
    EXPECT_FALSE(late.verified);
    EXPECT_NE(late.problem.find("time signed off by"), std::string::npos) << late.problem;
    TsigKey other = key;
    other.name = "another-key";
    EXPECT_EQ(tsig_check_answer(answer, other, request_mac, system_clock::now()).problem, "signed with another key");
  }
}

TEST(DnsTsigTest, UnsignedAnswerHasNoTsig) {
  const TsigCheck check = tsig_check_answer(query_wire(), key_for(TsigAlgorithm::kHmacSha256), "", system_clock::now());
  EXPECT_FALSE(check.present);
  EXPECT_FALSE(check.verified);
}

TEST(DnsTsigTest, SigningAppendsOneAdditionalRecord) {
  const std::string message = query_wire();
  auto signed_message = tsig_sign(message, key_for(TsigAlgorithm::kHmacSha384), system_clock::now());
  ASSERT_TRUE(signed_message);
  EXPECT_EQ(signed_message->mac.size(), 48u);
  EXPECT_EQ(signed_message->wire.substr(12, message.size() - 12), message.substr(12));
  EXPECT_EQ(signed_message->wire[11], 1);  // ARCOUNT
  EXPECT_FALSE(tsig_sign(message, TsigKey{.name = "k", .algorithm = TsigAlgorithm::kHmacSha256, .secret = ""},
                         system_clock::now()));
}

// Found by tests/fuzz (dns_message, corpus leak-two-tsig-records): ldns
// keeps the last of two TSIG records and leaks the first, so answers with a
// TSIG anywhere but last are refused before ldns parses them (RFC 8945 §5.2).
TEST(DnsTsigTest, FindsATsigThatIsNotTheLastRecord) {
  const TsigKey key = key_for(TsigAlgorithm::kHmacSha256);
  const std::string message = query_wire();
  EXPECT_FALSE(has_misplaced_tsig(message));
  auto once = tsig_sign(message, key, system_clock::now());
  ASSERT_TRUE(once);
  EXPECT_FALSE(has_misplaced_tsig(once->wire));
  auto twice = tsig_sign(once->wire, key, system_clock::now());
  ASSERT_TRUE(twice);
  EXPECT_TRUE(has_misplaced_tsig(twice->wire));
  // A count that promises records after the TSIG puts it before them.
  std::string promised = once->wire;
  promised[11] = 5;
  EXPECT_TRUE(has_misplaced_tsig(promised));
  // A message that ends inside its question is the parser's to refuse.
  EXPECT_FALSE(has_misplaced_tsig(message.substr(0, 14)));
}

// Found by tests/fuzz (dns_message, corpus crash-tsig-name-72-labels): the
// walk to the TSIG gave up on a name of more than 63 labels (legal up to 127,
// RFC 1035 §3.1), so a signed answer holding one did not verify.
TEST(DnsTsigTest, VerifiesAnAnswerWithANameOf100Labels) {
  const TsigKey key = key_for(TsigAlgorithm::kHmacSha256);
  const std::string request_mac(32, '\x5a');
  std::string long_name;
  for (int i = 0; i < 100; ++i) long_name += "a.";
  ldns_pkt* pkt = nullptr;
  const std::string request = query_wire();
  ASSERT_EQ(ldns_wire2pkt(&pkt, reinterpret_cast<const uint8_t*>(request.data()), request.size()), LDNS_STATUS_OK);
  ldns_pkt_set_qr(pkt, true);
  ldns_rr* cname = nullptr;
  ASSERT_EQ(ldns_rr_new_frm_str(&cname, ("example.test. 300 IN CNAME " + long_name).c_str(), 0, nullptr, nullptr),
            LDNS_STATUS_OK);
  ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, cname);
  const std::string answer = ldns_signed_answer(pkt, key, request_mac);
  ASSERT_FALSE(answer.empty());
  const TsigCheck check = tsig_check_answer(answer, key, request_mac, system_clock::now());
  EXPECT_TRUE(check.present);
  EXPECT_TRUE(check.verified) << check.problem;
}

}  // namespace
}  // namespace acmekit::dns
