#include "core/crypto/certificate.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../openssl_check.h"

namespace acmekit::crypto {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate made with OpenSSL directly: issuer == nullptr self-signs.
Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, const char* serial_hex,
               time_t not_before, time_t not_after, const char* san) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  BIGNUM* bn = nullptr;
  BN_hex2bn(&bn, serial_hex);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), not_before);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), not_after);
  X509_set_pubkey(cert.get(), key);
  X509* signer = issuer ? issuer : cert.get();
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (san) add_ext(cert.get(), signer, NID_subject_alt_name, san);
  EXPECT_GT(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

std::string to_pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

std::string to_der(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

class CertificateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
    leaf_key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_TRUE(ca_key_ && leaf_key_);
    ca_ = make_cert(ca_key_.get(), "Test Root X1", nullptr, nullptr, "01", 1600000000, 1900000000, nullptr);
    // RFC 9773 §4.1's example serial: the high bit is set, so its DER
    // INTEGER content gains a leading zero.
    leaf_ = make_cert(leaf_key_.get(), "www.example.com", ca_.get(), ca_key_.get(), "87654321", 1700000000,
                      1707776000, "DNS:www.example.com, DNS:Example.com, IP:192.0.2.5, IP:2001:db8:0:0:0:0:0:42");
  }
  ossl_check::Pkey ca_key_, leaf_key_;
  Cert ca_, leaf_;
};

TEST_F(CertificateTest, ParsesAChainInOrder) {
  std::string pem = to_pem(leaf_.get()) + to_pem(ca_.get());
  auto chain = parse_pem_chain(pem);
  ASSERT_TRUE(chain) << chain.error().detail;
  ASSERT_EQ(chain->size(), 2u);
  const CertificateInfo& leaf = (*chain)[0];
  const CertificateInfo& ca = (*chain)[1];

  EXPECT_EQ(leaf.pem, to_pem(leaf_.get()));
  EXPECT_EQ(leaf.der, to_der(leaf_.get()));
  EXPECT_EQ(leaf.subject_cn, "www.example.com");
  EXPECT_EQ(leaf.issuer_cn, "Test Root X1");
  EXPECT_EQ(leaf.serial_hex, "87654321");
  EXPECT_EQ(leaf.serial_der, std::string("\x00\x87\x65\x43\x21", 5));
  EXPECT_EQ(leaf.not_before, std::chrono::system_clock::from_time_t(1700000000));
  EXPECT_EQ(leaf.not_after, std::chrono::system_clock::from_time_t(1707776000));
  EXPECT_EQ(leaf.dns_names, (std::vector<std::string>{"www.example.com", "example.com"}));
  EXPECT_EQ(leaf.ip_addresses, (std::vector<std::string>{"192.0.2.5", "2001:db8::42"}));
  // The AKI of the leaf is the CA's subject key identifier.
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(ca_.get());
  ASSERT_NE(ski, nullptr);
  EXPECT_EQ(leaf.authority_key_id.size(), 20u);
  EXPECT_EQ(leaf.authority_key_id,
            std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)), ASN1_STRING_length(ski)));
  EXPECT_EQ(leaf.public_key.description(), "ECDSA P-256");
  EXPECT_EQ(EVP_PKEY_eq(ossl_check::openssl_public_key(leaf.public_key.to_pem()).get(), leaf_key_.get()), 1);

  EXPECT_EQ(ca.subject_cn, "Test Root X1");
  EXPECT_EQ(ca.issuer_cn, "Test Root X1");
  EXPECT_EQ(ca.serial_hex, "01");
  EXPECT_EQ(ca.serial_der, std::string("\x01", 1));
  EXPECT_TRUE(ca.authority_key_id.empty());
  EXPECT_TRUE(ca.dns_names.empty());
  EXPECT_EQ(ca.public_key.description(), "ECDSA P-384");
  EXPECT_EQ(ca.not_after, std::chrono::system_clock::from_time_t(1900000000));
}

TEST_F(CertificateTest, DatesBeyondTheClocksRangeAreClampedNotOverflowed) {
  // RFC 5280 §4.1.2.5: 99991231235959Z is "no well-defined expiration";
  // system_clock (nanoseconds) ends in 2262. 253402300799 = 9999-12-31T23:59:59Z.
  Cert forever = make_cert(leaf_key_.get(), "forever", nullptr, nullptr, "02", -11676096000 /* 1600 */,
                           253402300799, "DNS:forever.example");
  auto certs = parse_pem_chain(to_pem(forever.get()));
  ASSERT_TRUE(certs) << certs.error().message();
  EXPECT_EQ(certs->front().not_after, std::chrono::system_clock::time_point::max());
  EXPECT_EQ(certs->front().not_before, std::chrono::system_clock::time_point::min());
}

TEST_F(CertificateTest, SkipsOtherBlocksAndText) {
  std::string pem = "leaf certificate:\n" + to_pem(leaf_.get()) +
                    PrivateKey::generate({}).value().to_pem() + "\n" + to_pem(ca_.get());
  auto chain = parse_pem_chain(pem);
  ASSERT_TRUE(chain) << chain.error().detail;
  EXPECT_EQ(chain->size(), 2u);
}

TEST_F(CertificateTest, ParsesDer) {
  auto info = parse_certificate_der(to_der(leaf_.get()));
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->serial_hex, "87654321");
  EXPECT_FALSE(parse_certificate_der(to_der(leaf_.get()) + "x"));
  EXPECT_FALSE(parse_certificate_der(to_der(leaf_.get()).substr(1)));
}

// A CA certificate is kept once parsed (every chain repeats its issuer): a
// repeat answers the same, and bytes that differ from a kept one (trailing
// data, a cut) are parsed, and rejected, as ever.
TEST_F(CertificateTest, ARepeatedIssuerParsesTheSame) {
  Cert ca = make_cert(ca_key_.get(), "Test Root X2", nullptr, nullptr, "02", 1600000000, 1900000000, nullptr);
  add_ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
  ASSERT_GT(X509_sign(ca.get(), ca_key_.get(), EVP_sha256()), 0);
  ASSERT_EQ(X509_check_ca(ca.get()), 1);
  std::string der = to_der(ca.get());
  auto first = parse_certificate_der(der);
  ASSERT_TRUE(first) << first.error().detail;
  for (int i = 0; i < 3; ++i) {
    auto again = parse_certificate_der(der);
    ASSERT_TRUE(again) << again.error().detail;
    EXPECT_EQ(again->der, der);
    EXPECT_EQ(again->pem, first->pem);
    EXPECT_EQ(again->subject_cn, "Test Root X2");
    EXPECT_EQ(again->serial_hex, "02");
    EXPECT_EQ(again->not_after, first->not_after);
    EXPECT_TRUE(again->public_key == first->public_key);
  }
  EXPECT_FALSE(parse_certificate_der(der + "x"));
  EXPECT_FALSE(parse_certificate_der(der.substr(0, der.size() - 1)));
  auto chain = parse_pem_chain(to_pem(leaf_.get()) + to_pem(ca.get()));
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].der, der);
}

// parse_certificate_der reads a certificate with an EC key on a named curve
// itself and anything else through OpenSSL's X509: both readings agree on
// good certificates, on keys only X509 reads, and on broken ones.
TEST_F(CertificateTest, OwnReadingAgreesWithX509) {
  std::vector<std::string> certs{to_der(leaf_.get()), to_der(ca_.get())};
  ossl_check::Pkey rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  ASSERT_TRUE(rsa);
  certs.push_back(to_der(make_cert(rsa.get(), "rsa.example", ca_.get(), ca_key_.get(), "0a", 1700000000, 1707776000,
                                   "DNS:rsa.example").get()));
  // The openssl tool's, with explicit curve parameters.
  const std::string out = ::testing::TempDir() + "/acmekit-cert-explicit.der";
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -pkeyopt "
                          "ec_param_enc:explicit -nodes -keyout /dev/null -subj /CN=tool.example -days 1 "
                          "-outform DER -out " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out, std::ios::binary);
  certs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::remove(out.c_str());
  // The leaf's P-256 point moved off the curve (X509 keeps a key it cannot
  // decode as none), and the leaf cut short.
  std::string off_curve = certs[0];
  const auto spki = off_curve.find(std::string("\x03\x42\x00\x04", 4));
  ASSERT_NE(spki, std::string::npos);
  off_curve[spki + 4 + 63] ^= 0x01;
  certs.push_back(off_curve);
  certs.push_back(certs[0].substr(0, certs[0].size() - 3));

  for (std::size_t i = 0; i < certs.size(); ++i) {
    auto ours = parse_certificate_der(certs[i]);
    auto reference = parse_certificate_der_with_x509(certs[i]);
    ASSERT_EQ(ours.has_value(), reference.has_value()) << i << ": " << (ours ? reference.error() : ours.error()).detail;
    if (!ours) {
      EXPECT_EQ(ours.error().kind, ErrorKind::kCrypto) << i;
      continue;
    }
    EXPECT_EQ(ours->der, certs[i]) << i;
    EXPECT_EQ(ours->der, reference->der) << i;
    EXPECT_EQ(ours->pem, reference->pem) << i;
    EXPECT_EQ(ours->subject_cn, reference->subject_cn) << i;
    EXPECT_EQ(ours->issuer_cn, reference->issuer_cn) << i;
    EXPECT_EQ(ours->serial_hex, reference->serial_hex) << i;
    EXPECT_EQ(ours->serial_der, reference->serial_der) << i;
    EXPECT_EQ(ours->not_before, reference->not_before) << i;
    EXPECT_EQ(ours->not_after, reference->not_after) << i;
    EXPECT_EQ(ours->dns_names, reference->dns_names) << i;
    EXPECT_EQ(ours->ip_addresses, reference->ip_addresses) << i;
    EXPECT_EQ(ours->authority_key_id, reference->authority_key_id) << i;
    EXPECT_TRUE(ours->public_key == reference->public_key) << i;
  }
  EXPECT_EQ(parse_certificate_der(certs[2])->public_key.description(), "RSA 2048");
}

TEST_F(CertificateTest, RejectsEmptyAndMalformedChains) {
  EXPECT_FALSE(parse_pem_chain(""));
  EXPECT_FALSE(parse_pem_chain("no pem here"));
  EXPECT_FALSE(parse_pem_chain(PrivateKey::generate({}).value().to_pem()));
  // A second block whose base64 is broken.
  std::string broken = to_pem(leaf_.get()) + "-----BEGIN CERTIFICATE-----\nMII*garbage\n-----END CERTIFICATE-----\n";
  auto r = parse_pem_chain(broken);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kCrypto);
  // Valid base64 that is not a certificate.
  EXPECT_FALSE(parse_pem_chain(to_pem(leaf_.get()) + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  // A truncated block.
  std::string pem = to_pem(ca_.get());
  EXPECT_FALSE(parse_pem_chain(pem.substr(0, pem.size() / 2)));
}

}  // namespace
}  // namespace acmekit::crypto
