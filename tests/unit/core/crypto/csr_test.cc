#include "core/crypto/csr.h"

#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../openssl_check.h"

namespace acmekit::crypto {
namespace {

struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
using Req = std::unique_ptr<X509_REQ, ReqFree>;

Req decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
}

std::string ip_bytes(int family, const char* text) {
  unsigned char buf[16];
  EXPECT_EQ(inet_pton(family, text, buf), 1);
  return std::string(reinterpret_cast<char*>(buf), family == AF_INET ? 4 : 16);
}

// The SAN entries of a CSR, read with OpenSSL: ("dns", name) / ("ip", bytes).
std::vector<std::pair<std::string, std::string>> sans_of(X509_REQ* req) {
  std::vector<std::pair<std::string, std::string>> out;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
  auto* names = static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    const ASN1_STRING* s = gn->type == GEN_DNS ? gn->d.dNSName : gn->d.iPAddress;
    out.emplace_back(gn->type == GEN_DNS ? "dns" : gn->type == GEN_IPADD ? "ip" : "other",
                     std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s)));
  }
  GENERAL_NAMES_free(names);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  return out;
}

std::string cn_of(X509_REQ* req) {
  X509_NAME* name = X509_REQ_get_subject_name(req);
  char buf[256] = {};
  if (X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf) < 0) return {};
  return buf;
}

const PrivateKey& p256() {
  static const PrivateKey key = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP256}).value();
  return key;
}

TEST(CsrTest, NamesEveryIdentifierAsSanAndVerifiesWithOpenSsl) {
  auto der = make_csr_der(p256(), {"Example.COM", "www.example.com", "192.0.2.1", "2001:db8::1"});
  ASSERT_TRUE(der) << der.error().detail;
  Req req = decode(*der);
  ASSERT_TRUE(req);
  // The self-signature verifies with the key it carries, and that is our key.
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
  auto ours = ossl_check::openssl_public_key(p256().public_key().to_pem());
  EXPECT_EQ(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), ours.get()), 1);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(cn_of(req.get()), "example.com");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"dns", "example.com"},
      {"dns", "www.example.com"},
      {"ip", ip_bytes(AF_INET, "192.0.2.1")},
      {"ip", ip_bytes(AF_INET6, "2001:db8::1")},
  };
  EXPECT_EQ(sans_of(req.get()), expected);
}

// The CSR carries the key's SubjectPublicKeyInfo byte for byte (an EC
// key's is written from curve and point, an RSA key's by OpenSSL), and
// parse_csr hands back the same key.
TEST(CsrTest, CarriesTheKeyExactly) {
  for (KeyAlgorithm a : {KeyAlgorithm::kEcP256, KeyAlgorithm::kEcP384, KeyAlgorithm::kRsa}) {
    auto key = PrivateKey::generate({.algorithm = a}).value();
    auto der = make_csr_der(key, {"example.org"});
    ASSERT_TRUE(der) << der.error().detail;
    Req req = decode(*der);
    ASSERT_TRUE(req);
    unsigned char* spki = nullptr;
    int len = i2d_X509_PUBKEY(X509_REQ_get_X509_PUBKEY(req.get()), &spki);
    ASSERT_GT(len, 0);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(spki), static_cast<std::size_t>(len)), key.public_key().spki_der())
        << key.public_key().description();
    OPENSSL_free(spki);
    auto info = parse_csr(*der);
    ASSERT_TRUE(info) << info.error().detail;
    EXPECT_TRUE(info->public_key == key.public_key());
  }
}

TEST(CsrTest, SignatureAlgorithmFollowsTheKey) {
  auto p384 = PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP384}).value();
  Req req = decode(make_csr_der(p384, {"example.org"}).value());
  ASSERT_TRUE(req);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_ecdsa_with_SHA384);
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);

  auto rsa = PrivateKey::generate({.algorithm = KeyAlgorithm::kRsa}).value();
  req = decode(make_csr_der(rsa, {"example.org"}).value());
  ASSERT_TRUE(req);
  EXPECT_EQ(X509_REQ_get_signature_nid(req.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_REQ_verify(req.get(), X509_REQ_get0_pubkey(req.get())), 1);
}

TEST(CsrTest, CommonNameIsTheFirstShortDnsName) {
  // An IP first: CN is still the first DNS name.
  Req req = decode(make_csr_der(p256(), {"192.0.2.7", "b.example", "a.example"}).value());
  EXPECT_EQ(cn_of(req.get()), "b.example");
  // Only IPs: no CN.
  req = decode(make_csr_der(p256(), {"192.0.2.7"}).value());
  EXPECT_EQ(cn_of(req.get()), "");
  // First DNS name longer than 64: no CN, but it is in the SAN.
  std::string long_name = std::string(60, 'a') + ".example";
  req = decode(make_csr_der(p256(), {long_name, "short.example"}).value());
  EXPECT_EQ(cn_of(req.get()), "");
  EXPECT_EQ(sans_of(req.get()).front(), std::make_pair(std::string("dns"), long_name));
}

TEST(CsrTest, DropsDuplicatesAndRejectsBadInput) {
  Req req = decode(make_csr_der(p256(), {"a.example", "A.example", "::1", "0:0::1"}).value());
  EXPECT_EQ(sans_of(req.get()).size(), 2u);
  EXPECT_FALSE(make_csr_der(p256(), {}));
  EXPECT_FALSE(make_csr_der(p256(), {""}));
  EXPECT_FALSE(make_csr_der(p256(), {"bad name.example"}));
  EXPECT_FALSE(make_csr_der(PrivateKey{}, {"a.example"}));
}

TEST(CsrTest, ParseRoundTripFromDerAndPem) {
  auto der = make_csr_der(p256(), {"WWW.example.com", "2001:db8:0:0:1:0:0:1", "198.51.100.9", "*.example.com"});
  ASSERT_TRUE(der);
  auto info = parse_csr(*der);
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->der, *der);
  EXPECT_EQ(info->common_name, "www.example.com");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"www.example.com", "*.example.com"}));
  // RFC 5952 §4.2.2/§4.2.3: the first longest zero run is compressed.
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"2001:db8::1:0:0:1", "198.51.100.9"}));
  EXPECT_TRUE(info->public_key == p256().public_key());

  // The same CSR as PEM, written by OpenSSL.
  Req req = decode(*der);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  auto from_pem = parse_csr("\n" + pem);
  ASSERT_TRUE(from_pem) << from_pem.error().detail;
  EXPECT_EQ(from_pem->der, *der);
  EXPECT_EQ(from_pem->dns_names, info->dns_names);
}

TEST(CsrTest, ParsesACsrMadeByOpenSsl) {
  auto pkey = ossl_check::openssl_private_key(p256().to_pem());
  Req req(X509_REQ_new());
  X509_REQ_set_pubkey(req.get(), pkey.get());
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Mixed.Example"), -1,
                             -1, 0);
  STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                           "DNS:Mixed.Example, IP:10.0.0.1, IP:fe80:0:0:0:0:0:0:1, email:a@b.c");
  ASSERT_NE(ext, nullptr);
  sk_X509_EXTENSION_push(exts, ext);
  X509_REQ_add_extensions(req.get(), exts);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  ASSERT_GT(X509_REQ_sign(req.get(), pkey.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);

  auto info = parse_csr(bytes);
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->common_name, "Mixed.Example");
  EXPECT_EQ(info->dns_names, std::vector<std::string>{"mixed.example"});
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"10.0.0.1", "fe80::1"}));
}

TEST(CsrTest, ParseRejectsTamperedAndMalformedCsrs) {
  std::string der = make_csr_der(p256(), {"tamper.example"}).value();
  ASSERT_TRUE(parse_csr(der));
  // Change the name inside the signed part: the signature no longer verifies.
  std::string tampered = der;
  auto at = tampered.find("tamper.example");
  ASSERT_NE(at, std::string::npos);
  tampered[at] = 'd';
  auto r = parse_csr(tampered);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCrypto);
  EXPECT_NE(r.error().detail.find("signature"), std::string::npos) << r.error().detail;

  EXPECT_FALSE(parse_csr(""));
  EXPECT_FALSE(parse_csr("garbage"));
  EXPECT_FALSE(parse_csr(der.substr(0, der.size() - 1)));
  EXPECT_FALSE(parse_csr(der + "x"));
  EXPECT_FALSE(parse_csr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
}

// parse_csr reads an EC CSR on a named curve itself (without X509_REQ's
// key decoding) and everything else through X509_REQ: either way the same
// answer as parse_csr_with_x509_req, for P-256, P-384 and RSA keys, a CSR
// made by the openssl tool, one with explicit curve parameters, one whose
// point is not on the curve and one with a broken signature.
TEST(CsrTest, OwnReadingAgreesWithX509Req) {
  std::vector<std::string> csrs;
  for (KeySpec spec : {KeySpec{.algorithm = KeyAlgorithm::kEcP256}, KeySpec{.algorithm = KeyAlgorithm::kEcP384},
                       KeySpec{.algorithm = KeyAlgorithm::kRsa, .rsa_bits = 2048}}) {
    auto key = PrivateKey::generate(spec);
    ASSERT_TRUE(key);
    csrs.push_back(make_csr_der(*key, {"agree.example", "192.0.2.7"}).value());
  }
  // The openssl tool's, with explicit parameters and with a named curve.
  for (const char* encoding : {"explicit", "named_curve"}) {
    const std::string dir = ::testing::TempDir();
    const std::string out = dir + "/acmekit-csr-" + encoding + ".der";
    const std::string cmd = std::string("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ") +
                            "ec_param_enc:" + encoding + " -nodes -keyout /dev/null -subj /CN=tool.example " +
                            "-addext subjectAltName=DNS:tool.example -outform DER -out " + out + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out, std::ios::binary);
    csrs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::remove(out.c_str());
  }
  // A P-256 point moved off the curve (the last byte of its y), and a
  // signature with a flipped byte.
  std::string off_curve = csrs[0];
  const auto spki = off_curve.find(std::string("\x03\x42\x00\x04", 4));
  ASSERT_NE(spki, std::string::npos);
  off_curve[spki + 4 + 63] ^= 0x01;
  csrs.push_back(off_curve);
  std::string bad_signature = csrs[0];
  bad_signature[bad_signature.size() - 5] ^= 0x01;
  csrs.push_back(bad_signature);

  for (std::size_t i = 0; i < csrs.size(); ++i) {
    auto ours = parse_csr(csrs[i]);
    auto reference = parse_csr_with_x509_req(csrs[i]);
    ASSERT_EQ(ours.has_value(), reference.has_value()) << i << ": " << (ours ? reference.error() : ours.error()).detail;
    if (!ours) {
      EXPECT_EQ(ours.error().kind, ErrorKind::kCrypto) << i;
      continue;
    }
    EXPECT_EQ(ours->der, reference->der) << i;
    EXPECT_EQ(ours->der, csrs[i]) << i;
    EXPECT_EQ(ours->common_name, reference->common_name) << i;
    EXPECT_EQ(ours->dns_names, reference->dns_names) << i;
    EXPECT_EQ(ours->ip_addresses, reference->ip_addresses) << i;
    EXPECT_TRUE(ours->public_key == reference->public_key) << i;
  }
  EXPECT_TRUE(parse_csr(csrs[0]));                // P-256
  EXPECT_TRUE(parse_csr(csrs[4]));                // the tool's, named curve
  EXPECT_FALSE(parse_csr(off_curve));             // not a point of P-256
  auto bad = parse_csr(bad_signature);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("signature"), std::string::npos) << bad.error().detail;
}

}  // namespace
}  // namespace acmekit::crypto
