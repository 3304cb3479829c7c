#include "core/crypto/x509_builder.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../openssl_check.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

using std::chrono::hours;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

Cert decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return Cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string bytes_of(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

// RFC 5280 §4.2.1.2 method 1, computed here with OpenSSL directly.
std::string sha1_of_public_key_bits(X509* cert) {
  ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(cert);
  unsigned char md[20];
  SHA1(ASN1_STRING_get0_data(bits), ASN1_STRING_length(bits), md);
  return std::string(reinterpret_cast<char*>(md), 20);
}

CertificateTemplate ca_template(std::string cn) {
  CertificateTemplate t;
  t.common_name = std::move(cn);
  t.organization = "Test Org";
  t.serial = std::string("\x81\x02\x03", 3);
  auto now = std::chrono::system_clock::now();
  t.not_before = now - hours(1);
  t.not_after = now + hours(24 * 365);
  t.is_ca = true;
  t.path_length = 0;
  t.key_usage = {.key_cert_sign = true, .crl_sign = true};
  return t;
}

struct Issuer {
  PrivateKey key;
  std::string der;
};

Issuer make_ca(const KeySpec& spec = {}) {
  auto key = PrivateKey::generate(spec);
  EXPECT_TRUE(key.has_value());
  auto der = sign_certificate(ca_template("Test CA"), key->public_key(), *key, {});
  EXPECT_TRUE(der.has_value()) << der.error().detail;
  return {*key, der.value_or("")};
}

CertificateTemplate leaf_template() {
  CertificateTemplate t;
  t.common_name = "www.example.org";
  t.dns_names = {"www.example.org", "*.Example.org"};
  t.ip_addresses = {"192.0.2.1", "2001:db8::7"};
  t.serial = std::string(16, '\x5a');
  auto now = std::chrono::system_clock::now();
  t.not_before = now - hours(1);
  t.not_after = now + hours(24 * 30);
  t.key_usage = {.digital_signature = true};
  t.server_auth = true;
  return t;
}

TEST(X509BuilderTest, SelfSignedCaHasConstraintsUsageAndKeyIdentifiers) {
  Issuer ca = make_ca();
  Cert cert = decode(ca.der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())), 0);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(X509_check_ca(cert.get()), 1);
  EXPECT_EQ(X509_get_pathlen(cert.get()), 0);
  int crit = -1;
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert.get(), NID_basic_constraints, &crit, nullptr));
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(crit, 1);
  BASIC_CONSTRAINTS_free(bc);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  std::string ski = bytes_of(X509_get0_subject_key_id(cert.get()));
  EXPECT_EQ(ski, sha1_of_public_key_bits(cert.get()));
  EXPECT_EQ(bytes_of(X509_get0_authority_key_id(cert.get())), ski);
}

TEST(X509BuilderTest, LeafChainsToIssuerWithNamesAndUsage) {
  Issuer ca = make_ca();
  auto leaf_key = PrivateKey::generate({});
  ASSERT_TRUE(leaf_key);
  auto der = sign_certificate(leaf_template(), leaf_key->public_key(), ca.key, ca.der);
  ASSERT_TRUE(der) << der.error().detail;
  Cert leaf = decode(*der);
  Cert issuer = decode(ca.der);
  ASSERT_TRUE(leaf && issuer);
  EXPECT_EQ(X509_check_issued(issuer.get(), leaf.get()), X509_V_OK);
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(issuer.get())), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER);
  EXPECT_EQ(X509_get_key_usage(leaf.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(bytes_of(X509_get0_authority_key_id(leaf.get())), bytes_of(X509_get0_subject_key_id(issuer.get())));
  EXPECT_EQ(bytes_of(X509_get0_subject_key_id(leaf.get())), sha1_of_public_key_bits(leaf.get()));
  EXPECT_EQ(X509_check_host(leaf.get(), "foo.example.org", 0, 0, nullptr), 1);  // wildcard kept, lower-cased
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "2001:db8::7", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "192.0.2.1", 0), 1);
  // The serial's high bit is set, yet it must come out positive.
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.get()), nullptr);
  EXPECT_FALSE(BN_is_negative(serial));
  EXPECT_EQ(BN_num_bytes(serial), 16);
  BN_free(serial);
  EXPECT_TRUE(verify_issued_by(*der, ca.der));
}

TEST(X509BuilderTest, DigestFollowsIssuerKey) {
  Issuer p384 = make_ca({.algorithm = KeyAlgorithm::kEcP384});
  Issuer rsa = make_ca({.algorithm = KeyAlgorithm::kRsa});
  EXPECT_EQ(X509_get_signature_nid(decode(p384.der).get()), NID_ecdsa_with_SHA384);
  EXPECT_EQ(X509_get_signature_nid(decode(rsa.der).get()), NID_sha256WithRSAEncryption);
  auto leaf_key = PrivateKey::generate({});
  ASSERT_TRUE(leaf_key);
  auto der = sign_certificate(leaf_template(), leaf_key->public_key(), rsa.key, rsa.der);
  ASSERT_TRUE(der) << der.error().detail;
  EXPECT_TRUE(verify_issued_by(*der, rsa.der));
  EXPECT_FALSE(verify_issued_by(*der, p384.der));
}

TEST(X509BuilderTest, LeafWithoutSubjectHasCriticalSubjectAltName) {
  Issuer ca = make_ca();
  CertificateTemplate t = leaf_template();
  t.common_name.clear();
  auto der = sign_certificate(t, ca.key.public_key(), ca.key, ca.der);
  ASSERT_TRUE(der) << der.error().detail;
  Cert leaf = decode(*der);
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(leaf.get())), 0);
  int crit = -1;
  GENERAL_NAMES_free(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, &crit, nullptr)));
  EXPECT_EQ(crit, 1);
}

TEST(X509BuilderTest, RejectsBadTemplatesAndKeys) {
  Issuer ca = make_ca();
  Issuer other = make_ca();
  auto leaf_key = PrivateKey::generate({});
  ASSERT_TRUE(leaf_key);
  auto with = [&](auto change) {
    CertificateTemplate t = leaf_template();
    change(t);
    auto r = sign_certificate(t, leaf_key->public_key(), ca.key, ca.der);
    return r ? std::optional<ErrorKind>{} : std::optional<ErrorKind>{r.error().kind};
  };
  EXPECT_EQ(with([](auto& t) { t.serial = std::string(8, '\0'); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(with([](auto& t) { t.serial = std::string(21, '\1'); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(with([](auto& t) { t.ip_addresses = {"example.com"}; }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(with([](auto& t) { t.dns_names = {"10.0.0.1"}; }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(with([](auto& t) { t.common_name = std::string(65, 'a'); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(with([](auto& t) { std::swap(t.not_before, t.not_after); }), ErrorKind::kInvalidArgument);
  // The issuer key must be the issuer certificate's; self-signed needs the same key.
  EXPECT_FALSE(sign_certificate(leaf_template(), leaf_key->public_key(), other.key, ca.der));
  EXPECT_FALSE(sign_certificate(leaf_template(), leaf_key->public_key(), ca.key, {}));
}

// The signer issues what sign_certificate issues, and hands out the PEM of
// the same DER; it refuses a key that is not its certificate's.
TEST(X509BuilderTest, SignerMatchesSignCertificate) {
  Issuer ca = make_ca();
  Issuer other = make_ca();
  auto signer = CertificateSigner::create(ca.key, ca.der);
  ASSERT_TRUE(signer) << signer.error().detail;
  auto leaf_key = PrivateKey::generate({});
  ASSERT_TRUE(leaf_key);
  auto leaf = signer->sign(leaf_template(), leaf_key->public_key());
  ASSERT_TRUE(leaf) << leaf.error().detail;
  EXPECT_TRUE(verify_issued_by(leaf->der, ca.der));
  EXPECT_EQ(der_to_pem(leaf->der).value_or(""), leaf->pem);
  auto reference = sign_certificate(leaf_template(), leaf_key->public_key(), ca.key, ca.der);
  ASSERT_TRUE(reference);
  Cert a = decode(leaf->der), b = decode(*reference);
  ASSERT_TRUE(a && b);
  // Same issuer, names, serial, key identifiers; the signatures differ (ECDSA).
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(a.get()), X509_get_issuer_name(b.get())), 0);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(a.get()), X509_get_subject_name(b.get())), 0);
  EXPECT_EQ(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.get()), X509_get0_serialNumber(b.get())), 0);
  EXPECT_EQ(bytes_of(X509_get0_authority_key_id(a.get())), bytes_of(X509_get0_authority_key_id(b.get())));
  EXPECT_EQ(bytes_of(X509_get0_subject_key_id(a.get())), bytes_of(X509_get0_subject_key_id(b.get())));
  EXPECT_EQ(X509_get_ext_count(a.get()), X509_get_ext_count(b.get()));

  EXPECT_FALSE(CertificateSigner::create(other.key, ca.der));
  EXPECT_FALSE(CertificateSigner::create(ca.key, {}));
  EXPECT_FALSE(CertificateSigner::create(ca.key, "not a certificate"));
  CertificateTemplate bad = leaf_template();
  bad.serial.clear();
  EXPECT_EQ(signer->sign(bad, leaf_key->public_key()).error().kind, ErrorKind::kInvalidArgument);
}

// The leaf's SubjectPublicKeyInfo is the subject key's, byte for byte, for
// every key type a CSR may carry (the EC one is written from curve and
// point, the RSA one by OpenSSL's encoder), and the issued DER parses back
// to a key that verifies what the subject's private key signed.
TEST(X509BuilderTest, LeafCarriesTheSubjectKeyExactly) {
  Issuer ca = make_ca();
  auto signer = CertificateSigner::create(ca.key, ca.der);
  ASSERT_TRUE(signer) << signer.error().detail;
  for (KeySpec spec : {KeySpec{KeyAlgorithm::kEcP256}, KeySpec{KeyAlgorithm::kEcP384}, KeySpec{KeyAlgorithm::kRsa, 2048}}) {
    auto leaf_key = PrivateKey::generate(spec);
    ASSERT_TRUE(leaf_key);
    auto leaf = signer->sign(leaf_template(), leaf_key->public_key());
    ASSERT_TRUE(leaf) << leaf.error().detail;
    Cert cert = decode(leaf->der);
    ASSERT_TRUE(cert);
    unsigned char* spki = nullptr;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &spki);
    ASSERT_GT(len, 0);
    std::string spki_der(reinterpret_cast<char*>(spki), static_cast<std::size_t>(len));
    OPENSSL_free(spki);
    EXPECT_EQ(spki_der, leaf_key->public_key().spki_der()) << leaf_key->public_key().description();
    EVP_PKEY* pub = X509_get0_pubkey(cert.get());
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(X509_check_private_key(cert.get(), pkey_of(*leaf_key)), 1) << leaf_key->public_key().description();
    EXPECT_EQ(bytes_of(X509_get0_subject_key_id(cert.get())), sha1_of_public_key_bits(cert.get()));
  }
}

TEST(X509BuilderTest, DerToPemRoundTrips) {
  Issuer ca = make_ca();
  auto pem = der_to_pem(ca.der);
  ASSERT_TRUE(pem) << pem.error().detail;
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  Cert read(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_TRUE(read);
  EXPECT_EQ(X509_cmp(read.get(), decode(ca.der).get()), 0);
  EXPECT_FALSE(der_to_pem("not a certificate"));
}

// RFC 8737 §3: the extension is critical and holds the DER OCTET STRING of
// SHA-256(key authorization); the one SAN is the identifier.
void expect_tls_alpn01(const std::string& identifier, bool is_ip) {
  auto key = PrivateKey::generate({});
  ASSERT_TRUE(key);
  std::string key_authorization = "token-abc.thumbprint-xyz";
  auto pem = make_tls_alpn01_certificate(*key, identifier, key_authorization);
  ASSERT_TRUE(pem) << pem.error().detail;
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  Cert cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(X509_check_private_key(cert.get(), ossl_check::openssl_private_key(key->to_pem()).get()), 1);

  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  int index = X509_get_ext_by_OBJ(cert.get(), oid, -1);
  ASN1_OBJECT_free(oid);
  ASSERT_GE(index, 0);
  X509_EXTENSION* ext = X509_get_ext(cert.get(), index);
  EXPECT_EQ(X509_EXTENSION_get_critical(ext), 1);
  std::string expected = std::string("\x04\x20", 2) + ossl_check::openssl_sha256(key_authorization);
  EXPECT_EQ(bytes_of(X509_EXTENSION_get_data(ext)), expected);

  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(names, nullptr);
  EXPECT_EQ(sk_GENERAL_NAME_num(names), 1);
  GENERAL_NAMES_free(names);
  if (is_ip) {
    EXPECT_EQ(X509_check_ip_asc(cert.get(), identifier.c_str(), 0), 1);
  } else {
    EXPECT_EQ(X509_check_host(cert.get(), identifier.c_str(), 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr), 1);
  }
}

TEST(X509BuilderTest, TlsAlpn01CertificateForDnsName) { expect_tls_alpn01("alpn.example.com", false); }
TEST(X509BuilderTest, TlsAlpn01CertificateForIpAddress) { expect_tls_alpn01("2001:db8::53", true); }

}  // namespace
}  // namespace acmekit::crypto
