// The lineage index: validity, the RFC 9773 certificate id and the revoked
// mark of each live certificate, from the certificate once and from the index
// afterwards; an older index line (fewer fields) is re-read once; a revoke
// drops one line, a renewal ends the mark.
#include "client/store/lineage_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "client/store/atomic_file.h"
#include "client/store/revocations.h"
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

// certbot's layout: live/NAME a real directory of links into archive/NAME/,
// and live/README. Indexed by the directory's inode and ctime (which every
// new version's links change); README is no lineage (neither listed nor an
// error).
TEST_F(LineageIndexTest, CertbotsLayoutIsIndexedAndItsReadmeIgnored) {
  LineageStore store(dir);
  fs::create_directories(dir / "archive/cb.test");
  fs::create_directories(dir / "live/cb.test");
  const std::string pem = leaf_pem("\x05");
  ASSERT_TRUE(write_file_atomic(dir / "archive/cb.test/cert1.pem", pem, 0644));
  fs::create_symlink("../../archive/cb.test/cert1.pem", dir / "live/cb.test/cert.pem");
  ASSERT_TRUE(write_file_atomic(dir / "live/README", "certbot's README", 0644));
  fs::create_directories(dir / "live/not-a-lineage");  // a directory without cert.pem

  // Changed just now (within the default 2 s): read every time, not cached,
  // since a change later in the same clock tick would keep the ctime.
  auto fresh = scan_lineages(store);
  EXPECT_TRUE(fresh.unreadable.empty()) << fresh.unreadable.front().second.message();
  ASSERT_EQ(fresh.lineages.size(), 1u);
  EXPECT_EQ(fresh.lineages[0].name, "cb.test");
  EXPECT_EQ(fresh.parsed, 1u);
  EXPECT_EQ(scan_lineages(store).parsed, 1u);

  // Settled (the window shortened to none, a clock tick let pass):
  std::this_thread::sleep_for(20ms);
  auto first = scan_lineages(store, 0s);
  EXPECT_EQ(first.parsed, 1u);
  auto second = scan_lineages(store, 0s);
  EXPECT_EQ(second.parsed, 0u);  // from the index: no certificate opened
  ASSERT_EQ(second.lineages.size(), 1u);
  EXPECT_EQ(second.lineages[0].not_after, first.lineages[0].not_after);

  // A new version the certbot way (links replaced in place): read again.
  install(store, "cb.test", leaf_pem("\x06"));
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(dir / "live/cb.test")));
  std::this_thread::sleep_for(20ms);
  auto third = scan_lineages(store, 0s);
  EXPECT_EQ(third.parsed, 1u);
  EXPECT_TRUE(third.lineages[0].cert_id.ends_with(".Bg"));
  EXPECT_EQ(scan_lineages(store, 0s).parsed, 0u);
}

// A certbot-layout lineage whose cert.pem is a regular file (copied in by
// hand) could change without its directory changing: never cached.
TEST_F(LineageIndexTest, ACertificateFileNotALinkIsReadEveryTime) {
  LineageStore store(dir);
  fs::create_directories(dir / "live/copy.test");
  ASSERT_TRUE(write_file_atomic(dir / "live/copy.test/cert.pem", leaf_pem("\x07"), 0644));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(scan_lineages(store, 0s).parsed, 1u);
  // Edited in place (same inode, the directory untouched): seen.
  {
    std::ofstream out(dir / "live/copy.test/cert.pem", std::ios::trunc);
    out << leaf_pem("\x08");
  }
  auto again = scan_lineages(store, 0s);
  EXPECT_EQ(again.parsed, 1u);
  ASSERT_EQ(again.lineages.size(), 1u);
  EXPECT_TRUE(again.lineages[0].cert_id.ends_with(".CA"));
}

TEST_F(LineageIndexTest, AnOlderIndexLineIsReadAgainOnce) {
  LineageStore store(dir);
  install(store, "a.test", leaf_pem("\x05"));
  scan_lineages(store);
  // Rewrite the index as older acmekits did: without the revoked mark, and
  // without the id either.
  const fs::path index = dir / ".index" / "lineages.tsv";
  for (int older = 0; older < 2; ++older) {
    std::string text = *read_file(index);
    for (int cut = 0; cut <= older; ++cut) text = text.substr(0, text.rfind('\t'));
    ASSERT_TRUE(write_file_atomic(index, text + "\n"));
    auto scan = scan_lineages(store);
    EXPECT_EQ(scan.parsed, 1u);
    EXPECT_TRUE(scan.lineages[0].cert_id.ends_with(".BQ"));
    EXPECT_FALSE(scan.lineages[0].revoked);
    EXPECT_EQ(scan_lineages(store).parsed, 0u);
  }
}

TEST_F(LineageIndexTest, ARevokedLiveCertificateIsMarkedUntilTheLineageIsRenewed) {
  LineageStore store(dir);
  const std::string pem = leaf_pem("\x07");
  install(store, "a.test", pem);
  install(store, "b.test", leaf_pem("\x08"));
  auto first = scan_lineages(store);
  ASSERT_EQ(first.lineages.size(), 2u);
  EXPECT_FALSE(first.lineages[0].revoked);

  const auto der = crypto::parse_pem_chain(pem)->front().der;
  ASSERT_TRUE(record_revocation(store, "a.test",
                                {.fingerprint = certificate_fingerprint(der), .serial_hex = "07",
                                 .at = std::chrono::system_clock::now(), .reason = "keycompromise"}));
  // Only the revoked lineage's line was dropped: one certificate read.
  auto marked = scan_lineages(store);
  EXPECT_EQ(marked.parsed, 1u);
  EXPECT_TRUE(marked.lineages[0].revoked);
  EXPECT_FALSE(marked.lineages[1].revoked);
  // From the index now: nothing read, still marked.
  auto cached = scan_lineages(store);
  EXPECT_EQ(cached.parsed, 0u);
  EXPECT_TRUE(cached.lineages[0].revoked);

  // The renewal's new certificate is not in the record.
  install(store, "a.test", leaf_pem("\x09"));
  auto renewed = scan_lineages(store);
  EXPECT_EQ(renewed.parsed, 1u);
  EXPECT_FALSE(renewed.lineages[0].revoked);
  EXPECT_FALSE(scan_lineages(store).lineages[0].revoked);
}

TEST_F(LineageIndexTest, AStaleUnmarkedLineIsDroppedWhenRevoking) {
  // A scan indexed the certificate unmarked; the revoke's drop must win
  // over that line whatever the order.
  LineageStore store(dir);
  const std::string pem = leaf_pem("\x0a");
  install(store, "a.test", pem);
  scan_lineages(store);
  const fs::path index = dir / ".index" / "lineages.tsv";
  const std::string unmarked = *read_file(index);
  ASSERT_TRUE(unmarked.ends_with("\t0\n"));
  const auto der = crypto::parse_pem_chain(pem)->front().der;
  ASSERT_TRUE(record_revocation(store, "a.test", {.fingerprint = certificate_fingerprint(der), .serial_hex = "0a"}));
  EXPECT_EQ(*read_file(index), "");
  EXPECT_TRUE(scan_lineages(store).lineages[0].revoked);
  EXPECT_TRUE(read_file(index)->ends_with("\t1\n"));
}

// Found by tests/fuzz (tsv, corpus crash-index-epoch-overflow): a notBefore
// in the index beyond system_clock's range overflowed its nanoseconds
// (undefined behaviour); the line is a miss and the certificate is read.
TEST_F(LineageIndexTest, AnIndexTimeOutOfRangeIsAMiss) {
  LineageStore store(dir);
  install(store, "a.test", leaf_pem("\x06"));
  const auto good = scan_lineages(store);
  ASSERT_EQ(good.lineages.size(), 1u);
  const fs::path index = dir / ".index" / "lineages.tsv";
  std::string text = *read_file(index);
  const size_t first_tab = text.find('\t'), second_tab = text.find('\t', first_tab + 1);
  const size_t third_tab = text.find('\t', second_tab + 1);
  text.replace(second_tab + 1, third_tab - second_tab - 1, "99999999999");
  ASSERT_TRUE(write_file_atomic(index, text));
  auto scan = scan_lineages(store);
  EXPECT_EQ(scan.parsed, 1u);
  ASSERT_EQ(scan.lineages.size(), 1u);
  EXPECT_EQ(scan.lineages[0].not_before, good.lineages[0].not_before);
  EXPECT_EQ(scan_lineages(store).parsed, 0u);
}

}  // namespace
}  // namespace acmekit::client::store
