// The lineage index: validity and the RFC 9773 certificate id of each live
// certificate, from the certificate once and from the index afterwards; an
// older index line (without the id) is re-read once.
#include "client/store/lineage_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "client/store/atomic_file.h"
#include "core/crypto/x509_builder.h"
#include "core/wire/renewal_info.h"

namespace acmekit::client::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class LineageIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-index-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    ca_key = *crypto::PrivateKey::generate({});
    const auto now = std::chrono::system_clock::now();
    ca_der = *crypto::sign_certificate({.common_name = "Index CA", .serial = "\x01", .not_before = now - 1h,
                                        .not_after = now + 24h * 365, .is_ca = true},
                                       ca_key.public_key(), ca_key, "");
  }
  void TearDown() override { fs::remove_all(dir); }

  // A leaf issued by the test CA (so it has an authorityKeyIdentifier).
  std::string leaf_pem(const std::string& serial) {
    auto key = crypto::PrivateKey::generate({});
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto der = crypto::sign_certificate({.dns_names = {"index.test"}, .serial = serial, .not_before = now,
                                         .not_after = now + 24h * 90},
                                        key->public_key(), ca_key, ca_der);
    return *crypto::der_to_pem(*der);
  }
  LineagePaths install(LineageStore& store, const std::string& name, const std::string& pem) {
    auto paths = store.install(name, {.cert_pem = pem, .chain_pem = "", .fullchain_pem = pem, .privkey_pem = "k"}, {});
    EXPECT_TRUE(paths) << paths.error().message();
    return *paths;
  }

  fs::path dir;
  crypto::PrivateKey ca_key;
  std::string ca_der;
};

TEST_F(LineageIndexTest, KeepsTheCertificateIdAndReadsEachCertificateOnce) {
  LineageStore store(dir);
  const std::string pem = leaf_pem("\x87\x65\x43\x21");
  install(store, "a.test", pem);
  const std::string want = *wire::ari_certificate_id(crypto::parse_pem_chain(pem)->front());
  EXPECT_TRUE(want.ends_with(".AIdlQyE"));  // the positive serial's leading zero

  auto first = scan_lineages(store);
  ASSERT_EQ(first.lineages.size(), 1u);
  EXPECT_EQ(first.parsed, 1u);
  EXPECT_EQ(first.lineages[0].cert_id, want);
  auto second = scan_lineages(store);
  EXPECT_EQ(second.parsed, 0u);
  EXPECT_EQ(second.lineages[0].cert_id, want);
  EXPECT_EQ(second.lineages[0].not_after, first.lineages[0].not_after);

  // A renewal switches the link: that lineage is read again.
  install(store, "a.test", leaf_pem("\x02"));
  auto third = scan_lineages(store);
  EXPECT_EQ(third.parsed, 1u);
  EXPECT_TRUE(third.lineages[0].cert_id.ends_with(".Ag"));
}

TEST_F(LineageIndexTest, AnOlderIndexLineIsReadAgainOnce) {
  LineageStore store(dir);
  install(store, "a.test", leaf_pem("\x05"));
  scan_lineages(store);
  // Rewrite the index as an older acmekit did: four fields, no id.
  const fs::path index = dir / ".index" / "lineages.tsv";
  std::string text = *read_file(index);
  text = text.substr(0, text.rfind('\t')) + "\n";
  ASSERT_TRUE(write_file_atomic(index, text));
  auto scan = scan_lineages(store);
  EXPECT_EQ(scan.parsed, 1u);
  EXPECT_TRUE(scan.lineages[0].cert_id.ends_with(".BQ"));
  EXPECT_EQ(scan_lineages(store).parsed, 0u);
}

}  // namespace
}  // namespace acmekit::client::store
