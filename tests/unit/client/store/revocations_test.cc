// The revocation record kept with a lineage (archive/NAME/revoked.tsv): a
// certificate is found by its DER's SHA-256, recorded once, other
// certificates are not revoked, and deleting the lineage deletes the record.
#include "client/store/revocations.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "client/store/atomic_file.h"

namespace acmekit::client::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono;

class RevocationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-revocations-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  static Revocation of(std::string_view der, std::string serial) {
    return {.fingerprint = certificate_fingerprint(der), .serial_hex = std::move(serial),
            .at = system_clock::time_point(seconds(1'767'225'600)), .reason = "superseded"};
  }
  fs::path record() const { return dir / "archive" / "a.test" / "revoked.tsv"; }

  fs::path dir;
};

TEST_F(RevocationsTest, FingerprintIsTheBase64urlSha256OfTheDer) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  EXPECT_EQ(certificate_fingerprint("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST_F(RevocationsTest, NoRecordMeansNotRevoked) {
  LineageStore store(dir);
  auto r = is_revoked(store, "a.test", "der-1");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
}

TEST_F(RevocationsTest, ARecordedCertificateIsRevokedAndOnlyThatOne) {
  LineageStore store(dir);
  ASSERT_TRUE(record_revocation(store, "a.test", of("der-1", "01")));
  ASSERT_TRUE(record_revocation(store, "a.test", of("der-1", "01")));  // again: one line
  ASSERT_TRUE(record_revocation(store, "a.test", of("der-2", "02")));
  EXPECT_TRUE(*is_revoked(store, "a.test", "der-1"));
  EXPECT_TRUE(*is_revoked(store, "a.test", "der-2"));
  EXPECT_FALSE(*is_revoked(store, "a.test", "der-3"));
  EXPECT_FALSE(*is_revoked(store, "b.test", "der-1"));  // another lineage's record

  auto text = read_file(record());
  ASSERT_TRUE(text);
  EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), 4) << *text;  // two comment lines, two certificates
  EXPECT_NE(text->find(certificate_fingerprint("der-1") + "\t01\t1767225600\tsuperseded\n"), std::string::npos)
      << *text;
}

TEST_F(RevocationsTest, ATornLastLineDoesNotSwallowTheNextOne) {
  LineageStore store(dir);
  ASSERT_TRUE(write_file_atomic(record(), "# header\n" + certificate_fingerprint("der-9") + "\t09"));
  ASSERT_TRUE(record_revocation(store, "a.test", of("der-1", "01")));
  EXPECT_TRUE(*is_revoked(store, "a.test", "der-1"));
}

TEST_F(RevocationsTest, MalformedEntriesAndNamesAreRefused) {
  LineageStore store(dir);
  EXPECT_FALSE(record_revocation(store, "../x", of("der-1", "01")));
  Revocation bad = of("der-1", "01");
  bad.reason = "a\tb";
  EXPECT_FALSE(record_revocation(store, "a.test", bad));
  EXPECT_FALSE(record_revocation(store, "a.test", Revocation{}));
  EXPECT_FALSE(fs::exists(record()));
}

TEST_F(RevocationsTest, DeletingTheLineageDeletesTheRecord) {
  LineageStore store(dir);
  ASSERT_TRUE(store.install("a.test", {.cert_pem = "c", .chain_pem = "", .fullchain_pem = "c", .privkey_pem = "k"}, {}));
  ASSERT_TRUE(record_revocation(store, "a.test", of("der-1", "01")));
  ASSERT_TRUE(store.remove("a.test"));
  EXPECT_FALSE(fs::exists(record()));
  EXPECT_FALSE(*is_revoked(store, "a.test", "der-1"));
}

}  // namespace
}  // namespace acmekit::client::store
