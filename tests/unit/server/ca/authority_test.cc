#include "server/ca/authority.h"
#include "core/crypto/certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <tuple>

#include "../../core/openssl_check.h"

namespace acmekit::server::ca {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

// Every certificate of a PEM text, read by OpenSSL.
std::vector<Cert> read_certs(const std::string& pem) {
  std::vector<Cert> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(x);
  BIO_free(bio);
  return out;
}

// X509_verify_cert with purpose sslserver: leaf_and_chain (leaf first, then
// untrusted intermediates) against the one trusted root, for host or ip.
// Returns "" if it verifies, else OpenSSL's reason.
std::string verify(const std::string& leaf_and_chain, const std::string& root_pem, const std::string& host = "",
                   const std::string& ip = "") {
  std::vector<Cert> certs = read_certs(leaf_and_chain);
  std::vector<Cert> roots = read_certs(root_pem);
  if (certs.empty() || roots.size() != 1) return "unreadable PEM";
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, roots[0].get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (std::size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted, certs[i].get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, certs[0].get(), untrusted);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  std::string result;
  if (X509_verify_cert(ctx) != 1) result = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  return result;
}

std::string bytes_of(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

class AuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "acmekit-ca-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Authority> make(const AuthorityOptions& options = {}) {
    auto ca = Authority::load_or_create(dir_, options);
    EXPECT_TRUE(ca) << ca.error().message();
    return ca ? std::move(*ca) : nullptr;
  }

  IssuedCertificate issue(const Authority& ca, const crypto::PublicKey& key,
                          const std::vector<wire::Identifier>& ids) {
    auto now = std::chrono::system_clock::now();
    auto leaf = ca.issue(key, ids, now - hours(1), now + hours(24 * 90));
    EXPECT_TRUE(leaf) << leaf.error().message();
    return leaf.value_or(IssuedCertificate{});
  }

  fs::path dir_;
};

const std::vector<wire::Identifier> kIdentifiers = {
    {"dns", "www.example.com"}, {"dns", "*.example.com"}, {"ip", "192.0.2.10"}, {"ip", "2001:db8::10"}};

// draft-ietf-acme-profiles: each built-in profile's keyUsage and
// extendedKeyUsage, read back by OpenSSL.
TEST_F(AuthorityTest, ProfilesSetKeyUsageAndExtendedKeyUsage) {
  auto ca = make();
  ASSERT_TRUE(ca);
  auto ec = crypto::PrivateKey::generate({});
  auto rsa = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kRsa});
  ASSERT_TRUE(ec && rsa);
  const ProfileSet set = ProfileSet::builtin();
  auto now = std::chrono::system_clock::now();
  auto usages = [&](const std::string& profile, const crypto::PrivateKey& key) {
    auto leaf = ca->issue(key.public_key(), {{"dns", "p.example"}}, now, now + hours(1), *set.find(profile));
    EXPECT_TRUE(leaf) << leaf.error().message();
    auto certs = read_certs(leaf ? leaf->leaf_pem : "");
    EXPECT_EQ(certs.size(), 1u);
    if (certs.empty()) return std::pair<uint32_t, uint32_t>{};
    return std::pair{X509_get_key_usage(certs[0].get()), X509_get_extended_key_usage(certs[0].get())};
  };
  auto [ku, xku] = usages("classic", *ec);
  EXPECT_EQ(xku, uint32_t{XKU_SSL_SERVER | XKU_SSL_CLIENT});
  EXPECT_EQ(ku, uint32_t{KU_DIGITAL_SIGNATURE});  // no keyEncipherment for an EC key
  std::tie(ku, xku) = usages("classic", *rsa);
  EXPECT_EQ(ku, uint32_t{KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT});
  std::tie(ku, xku) = usages("tlsserver", *rsa);
  EXPECT_EQ(xku, uint32_t{XKU_SSL_SERVER});
  EXPECT_EQ(ku, uint32_t{KU_DIGITAL_SIGNATURE});
  std::tie(ku, xku) = usages("shortlived", *ec);
  EXPECT_EQ(xku, uint32_t{XKU_SSL_SERVER});
  CertificateProfile client_only{.name = "client", .server_auth = false, .client_auth = true};
  auto leaf = ca->issue(ec->public_key(), {{"dns", "c.example"}}, now, now + hours(1), client_only);
  ASSERT_TRUE(leaf) << leaf.error().message();
  EXPECT_EQ(X509_get_extended_key_usage(read_certs(leaf->leaf_pem)[0].get()), uint32_t{XKU_SSL_CLIENT});
}

TEST_F(AuthorityTest, IssuedLeafVerifiesAsServerCertificate) {
  auto ca = make();
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->chains().size(), 1u);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*ca, key->public_key(), kIdentifiers);
  std::string chain = issued.leaf_pem + ca->chains()[0];

  EXPECT_EQ(verify(chain, ca->root_pem(), "www.example.com"), "");
  EXPECT_EQ(verify(chain, ca->root_pem(), "anything.example.com"), "");  // the wildcard
  EXPECT_EQ(verify(chain, ca->root_pem(), "", "192.0.2.10"), "");
  EXPECT_EQ(verify(chain, ca->root_pem(), "", "2001:db8::10"), "");
  EXPECT_NE(verify(chain, ca->root_pem(), "www.example.net"), "");
  EXPECT_NE(verify(issued.leaf_pem, ca->root_pem()), "");  // the intermediate is needed

  auto leaf = read_certs(issued.leaf_pem);
  auto intermediate = read_certs(ca->chains()[0]);
  ASSERT_EQ(leaf.size(), 1u);
  ASSERT_EQ(intermediate.size(), 1u);
  X509* cert = leaf[0].get();
  EXPECT_EQ(X509_check_ca(cert), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(X509_get_key_usage(cert) & KU_KEY_ENCIPHERMENT);  // an EC key
  EXPECT_EQ(bytes_of(X509_get0_authority_key_id(cert)), bytes_of(X509_get0_subject_key_id(intermediate[0].get())));
  EXPECT_EQ(X509_check_private_key(cert, ossl_check::openssl_private_key(key->to_pem()).get()), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "2001:db8::10", 0), 1);
  EXPECT_EQ(X509_check_host(cert, "www.example.com", 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr), 1);

  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  EXPECT_FALSE(BN_is_negative(serial));
  EXPECT_LE(BN_num_bits(serial), 128);
  EXPECT_GT(BN_num_bits(serial), 96);  // fails with probability 2^-32
  char* hex = BN_bn2hex(serial);
  std::string expected_hex = hex;
  OPENSSL_free(hex);
  BN_free(serial);
  for (char& c : expected_hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(issued.serial_hex, expected_hex);
  EXPECT_LT(issued.not_before, issued.not_after);
  // What issue() reports without parsing is what the certificate says.
  auto parsed = crypto::parse_pem_chain(issued.leaf_pem);
  ASSERT_TRUE(parsed && parsed->size() == 1);
  EXPECT_EQ(parsed->front().serial_hex, issued.serial_hex);
  EXPECT_EQ(parsed->front().not_before, issued.not_before);
  EXPECT_EQ(parsed->front().not_after, issued.not_after);

  IssuedCertificate again = issue(*ca, key->public_key(), kIdentifiers);
  EXPECT_NE(again.serial_hex, issued.serial_hex);
}

TEST_F(AuthorityTest, RsaIssuerAndRsaLeaf) {
  auto ca = make({.key_spec = {.algorithm = crypto::KeyAlgorithm::kRsa}});
  ASSERT_TRUE(ca);
  auto root = read_certs(ca->root_pem());
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(X509_get_signature_nid(root[0].get()), NID_sha256WithRSAEncryption);
  auto key = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kRsa});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*ca, key->public_key(), {{"dns", "rsa.example.com"}});
  EXPECT_EQ(verify(issued.leaf_pem + ca->chains()[0], ca->root_pem(), "rsa.example.com"), "");
  auto leaf = read_certs(issued.leaf_pem);
  ASSERT_EQ(leaf.size(), 1u);
  EXPECT_TRUE(X509_get_key_usage(leaf[0].get()) & KU_KEY_ENCIPHERMENT);
}

TEST_F(AuthorityTest, SecondLoadKeepsTheSameHierarchy) {
  auto first = make();
  ASSERT_TRUE(first);
  auto second = make({.key_spec = {.algorithm = crypto::KeyAlgorithm::kEcP384}});  // ignored when loading
  ASSERT_TRUE(second);
  EXPECT_EQ(first->root_pem(), second->root_pem());
  EXPECT_EQ(first->chains(), second->chains());
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*second, key->public_key(), {{"dns", "a.example"}});
  EXPECT_EQ(verify(issued.leaf_pem + first->chains()[0], first->root_pem(), "a.example"), "");
  EXPECT_EQ(slurp(dir_ / "root.pem"), first->root_pem());
}

TEST_F(AuthorityTest, TwoAuthoritiesAreDistinguishable) {
  auto first = make();
  ASSERT_TRUE(first);
  fs::path other = dir_ / "other";
  auto second = Authority::load_or_create(other, {});
  ASSERT_TRUE(second) << second.error().message();
  auto a = read_certs(first->root_pem());
  auto b = read_certs((*second)->root_pem());
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(X509_NAME_cmp(X509_get_subject_name(a[0].get()), X509_get_subject_name(b[0].get())), 0);
}

TEST_F(AuthorityTest, KeyFilesArePrivate) {
  ASSERT_TRUE(make());
  for (const char* name : {"root.key.pem", "intermediate.key.pem"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  for (const char* name : {"root.pem", "intermediate.pem"}) EXPECT_TRUE(fs::exists(dir_ / name)) << name;
}

TEST_F(AuthorityTest, CorruptIntermediateKeyIsAnErrorNotARegeneration) {
  ASSERT_TRUE(make());
  std::string root_before = slurp(dir_ / "root.pem");
  spit(dir_ / "intermediate.key.pem", "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
  auto ca = Authority::load_or_create(dir_, {});
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().message().find("intermediate.key.pem"), std::string::npos) << ca.error().message();
  EXPECT_EQ(slurp(dir_ / "root.pem"), root_before);
}

TEST_F(AuthorityTest, MismatchedIntermediateKeyIsAnError) {
  ASSERT_TRUE(make());
  auto stranger = crypto::PrivateKey::generate({});
  ASSERT_TRUE(stranger);
  spit(dir_ / "intermediate.key.pem", stranger->to_pem());
  auto ca = Authority::load_or_create(dir_, {});
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().message().find("does not match"), std::string::npos) << ca.error().message();
}

TEST_F(AuthorityTest, IntermediateFromAnotherRootIsAnError) {
  ASSERT_TRUE(make());
  fs::path other = dir_ / "other";
  ASSERT_TRUE(Authority::load_or_create(other, {}));
  fs::copy_file(other / "intermediate.pem", dir_ / "intermediate.pem", fs::copy_options::overwrite_existing);
  fs::copy_file(other / "intermediate.key.pem", dir_ / "intermediate.key.pem", fs::copy_options::overwrite_existing);
  auto ca = Authority::load_or_create(dir_, {});
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().message().find("not signed by root.pem"), std::string::npos) << ca.error().message();
}

TEST_F(AuthorityTest, InterruptedCreationStartsOver) {
  auto first = make();
  ASSERT_TRUE(first);
  fs::remove(dir_ / "root.pem");  // as if killed before the last write
  spit(dir_ / "intermediate.pem", "torn");
  auto second = make();
  ASSERT_TRUE(second);
  EXPECT_NE(second->root_pem(), first->root_pem());
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*second, key->public_key(), {{"dns", "b.example"}});
  EXPECT_EQ(verify(issued.leaf_pem + second->chains()[0], slurp(dir_ / "root.pem"), "b.example"), "");
}

TEST_F(AuthorityTest, AlternateChainVerifiesAgainstAlternateRoot) {
  auto ca = make({.alternate_chain = true});
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->chains().size(), 2u);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*ca, key->public_key(), {{"dns", "alt.example.com"}});
  std::string alt_root = slurp(dir_ / "root-alt.pem");
  EXPECT_EQ(slurp(dir_ / "intermediate-alt.pem"), ca->chains()[1]);
  EXPECT_EQ(verify(issued.leaf_pem + ca->chains()[1], alt_root, "alt.example.com"), "");
  EXPECT_NE(verify(issued.leaf_pem + ca->chains()[1], ca->root_pem(), "alt.example.com"), "");
  EXPECT_EQ(verify(issued.leaf_pem + ca->chains()[0], ca->root_pem(), "alt.example.com"), "");
  EXPECT_NE(alt_root, ca->root_pem());

  auto reloaded = make({.alternate_chain = true});
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->chains(), ca->chains());
}

TEST_F(AuthorityTest, AlternateChainAddedToAnExistingAuthority) {
  auto plain = make();
  ASSERT_TRUE(plain);
  auto with_alt = make({.alternate_chain = true});
  ASSERT_TRUE(with_alt);
  EXPECT_EQ(with_alt->root_pem(), plain->root_pem());
  ASSERT_EQ(with_alt->chains().size(), 2u);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  IssuedCertificate issued = issue(*with_alt, key->public_key(), {{"dns", "c.example"}});
  EXPECT_EQ(verify(issued.leaf_pem + with_alt->chains()[1], slurp(dir_ / "root-alt.pem"), "c.example"), "");
}

TEST_F(AuthorityTest, ListenerCredentialsServeLoopback) {
  auto ca = make();
  ASSERT_TRUE(ca);
  auto creds = ca->listener_credentials({"127.0.0.1", "localhost"});
  ASSERT_TRUE(creds) << creds.error().message();
  const auto& [chain, key_pem] = *creds;
  EXPECT_EQ(read_certs(chain).size(), 2u);
  EXPECT_EQ(verify(chain, ca->root_pem(), "", "127.0.0.1"), "");
  EXPECT_EQ(verify(chain, ca->root_pem(), "localhost"), "");
  auto leaf = read_certs(chain);
  ASSERT_FALSE(leaf.empty());
  EXPECT_EQ(X509_check_private_key(leaf[0].get(), ossl_check::openssl_private_key(key_pem).get()), 1);
}

TEST_F(AuthorityTest, RejectsUnknownIdentifierTypeAndEmptyOrders) {
  auto ca = make();
  ASSERT_TRUE(ca);
  auto key = crypto::PrivateKey::generate({});
  ASSERT_TRUE(key);
  auto now = std::chrono::system_clock::now();
  auto email = ca->issue(key->public_key(), {{"email", "a@example.com"}}, now, now + hours(1));
  ASSERT_FALSE(email);
  EXPECT_EQ(email.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_FALSE(ca->issue(key->public_key(), {}, now, now + hours(1)));
  EXPECT_FALSE(ca->issue(key->public_key(), {{"ip", "not-an-ip"}}, now, now + hours(1)));
}

}  // namespace
}  // namespace acmekit::server::ca
