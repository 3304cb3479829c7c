// The ARI cache on disk: round trip, states of older certificates ignored,
// deleted and revoked lineages forgotten, torn and foreign lines skipped, the file
// untouched when nothing changed.
#include "client/renewal/ari_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/fs/atomic_file.h"

namespace acmekit::client::renewal {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(seconds(1'767'225'600));

class AriCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("acmekit-ari-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path file() const { return dir / ".index" / "ari.tsv"; }

  static AriState with_window(const std::string& id) {
    return AriState{.cert_id = id,
                    .window = AriWindow{.start = kT0 + 60 * 24h, .end = kT0 + 62 * 24h, .renew_at = kT0 + 61 * 24h,
                                        .explanation_url = "https://ca.test/ari"},
                    .next_fetch = kT0 + 6h,
                    .failures = 0};
  }

  fs::path dir;
};

TEST_F(AriCacheTest, StatesRoundTripThroughTheFile) {
  {
    AriCache cache = AriCache::load(dir);
    EXPECT_FALSE(cache.find("a.test", "id.a"));
    AriState b = with_window("id.b");
    b.server = "https://ca.test/directory";
    b.ca_bundle = "/etc/acmekit/ca.pem";
    cache.put("b.test", b);
    cache.put("a.test", AriState{.cert_id = "id.a", .next_fetch = kT0 + 24h, .failures = 2});
    ASSERT_TRUE(cache.save());
    EXPECT_FALSE(cache.changed());
  }
  AriCache cache = AriCache::load(dir);
  auto b = cache.find("b.test", "id.b");
  ASSERT_TRUE(b && b->window);
  EXPECT_EQ(b->window->start, kT0 + 60 * 24h);
  EXPECT_EQ(b->window->end, kT0 + 62 * 24h);
  EXPECT_EQ(b->window->renew_at, kT0 + 61 * 24h);
  EXPECT_EQ(b->window->explanation_url, "https://ca.test/ari");
  EXPECT_EQ(b->next_fetch, kT0 + 6h);
  EXPECT_EQ(b->server, "https://ca.test/directory");
  EXPECT_EQ(b->ca_bundle, "/etc/acmekit/ca.pem");
  auto a = cache.find("a.test", "id.a");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->window);
  EXPECT_EQ(a->failures, 2);
  EXPECT_EQ(a->next_fetch, kT0 + 24h);
  // Sorted by name on disk, so the next pass merges in one go.
  auto text = fsio::read_file(file());
  ASSERT_TRUE(text);
  EXPECT_LT(text->find("a.test\t"), text->find("b.test\t"));
}

TEST_F(AriCacheTest, AStateAboutAnotherCertificateIsNotUsed) {
  AriCache cache = AriCache::load(dir);
  cache.put("a.test", with_window("id.old"));
  ASSERT_TRUE(cache.save());
  AriCache loaded = AriCache::load(dir);
  EXPECT_FALSE(loaded.find("a.test", "id.new"));  // renewed since: fetch again
  EXPECT_TRUE(loaded.find("a.test", "id.old"));
}

TEST_F(AriCacheTest, NothingChangedMeansNoWrite) {
  AriCache cache = AriCache::load(dir);
  cache.put("a.test", with_window("id.a"));
  ASSERT_TRUE(cache.save());
  const auto written = fs::last_write_time(file());
  fs::last_write_time(file(), written - 1h);
  AriCache again = AriCache::load(dir);
  again.keep_only({"a.test"});
  ASSERT_TRUE(again.save());
  EXPECT_EQ(fs::last_write_time(file()), written - 1h);
}

TEST_F(AriCacheTest, DeletedLineagesAreForgotten) {
  AriCache cache = AriCache::load(dir);
  for (const char* n : {"a.test", "b.test", "c.test"}) cache.put(n, with_window(std::string("id.") + n));
  ASSERT_TRUE(cache.save());
  AriCache loaded = AriCache::load(dir);
  loaded.put("d.test", with_window("id.d"));
  loaded.keep_only({"b.test", "d.test"});
  EXPECT_TRUE(loaded.changed());
  ASSERT_TRUE(loaded.save());
  AriCache last = AriCache::load(dir);
  EXPECT_FALSE(last.find("a.test", "id.a.test"));
  EXPECT_TRUE(last.find("b.test", "id.b.test"));
  EXPECT_FALSE(last.find("c.test", "id.c.test"));
  EXPECT_TRUE(last.find("d.test", "id.d"));
}

TEST_F(AriCacheTest, ARevokedLineagesStateIsForgotten) {
  AriCache cache = AriCache::load(dir);
  for (const char* n : {"a.test", "b.test"}) cache.put(n, with_window(std::string("id.") + n));
  ASSERT_TRUE(cache.save());
  AriCache loaded = AriCache::load(dir);
  loaded.forget("a.test");
  loaded.forget("none.test");  // nothing to forget
  EXPECT_TRUE(loaded.changed());
  ASSERT_TRUE(loaded.save());
  AriCache last = AriCache::load(dir);
  EXPECT_FALSE(last.find("a.test", "id.a.test"));
  EXPECT_TRUE(last.find("b.test", "id.b.test"));
  // Forgetting what is not there changes nothing (no rewrite each pass).
  last.forget("a.test");
  EXPECT_FALSE(last.changed());
  // A state put in this pass is forgotten too.
  last.put("c.test", with_window("id.c"));
  last.forget("c.test");
  EXPECT_FALSE(last.find("c.test", "id.c"));
}

TEST_F(AriCacheTest, ChangesMergeWithTheStoredRowsInOrder) {
  AriCache cache = AriCache::load(dir);
  cache.put("b.test", with_window("id.b"));
  cache.put("d.test", with_window("id.d"));
  ASSERT_TRUE(cache.save());
  AriCache loaded = AriCache::load(dir);
  loaded.put("a.test", with_window("id.a"));
  loaded.put("c.test", with_window("id.c"));
  AriState replaced = with_window("id.d2");
  loaded.put("d.test", replaced);
  loaded.put("e.test", with_window("id.e"));
  ASSERT_TRUE(loaded.save());
  auto text = fsio::read_file(file());
  ASSERT_TRUE(text);
  std::vector<std::string> names;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') names.push_back(line.substr(0, line.find('\t')));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a.test", "b.test", "c.test", "d.test", "e.test"}));
  AriCache last = AriCache::load(dir);
  EXPECT_TRUE(last.find("d.test", "id.d2"));
  EXPECT_FALSE(last.find("d.test", "id.d"));
}

TEST_F(AriCacheTest, TornAndForeignLinesAreSkipped) {
  fs::create_directories(file().parent_path());
  std::ofstream(file()) << "# header\n"
                        << "z.test\tid.z\thttps://ca/dir\t\t0\t0\t0\t1767247200\t0\t\n"  // fine, out of order
                        << "a.test\tid.a\t\t\tnot-a-number\t0\t0\t0\t0\t\n"             // foreign
                        << "b.test\tid.b\t0\t0\t0\t1767247200\t0\t\n"                  // an older format
                        << "c.test\tid.c\t\t\t100\t50\t70\t0\t0\t\n"                    // end before start: no window
                        << "d.test\tid.d\t\t\t0\t0\t0\t1767247200\t0";                  // torn (no newline)
  AriCache cache = AriCache::load(dir);
  auto z = cache.find("z.test", "id.z");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->next_fetch, kT0 + 6h);
  EXPECT_EQ(z->server, "https://ca/dir");
  EXPECT_FALSE(cache.find("a.test", "id.a"));
  EXPECT_FALSE(cache.find("b.test", "id.b"));
  auto c = cache.find("c.test", "id.c");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->window);
  EXPECT_FALSE(cache.find("d.test", "id.d"));
}

TEST_F(AriCacheTest, NamesAndUrlsThatWouldBreakALineAreNotWritten) {
  AriCache cache = AriCache::load(dir);
  cache.put("bad\tname", with_window("id.x"));
  AriState odd = with_window("id.y");
  odd.window->explanation_url = "https://ca.test/a\tb";
  odd.server = "https://ca.test/\n";
  cache.put("y.test", odd);
  ASSERT_TRUE(cache.save());
  AriCache loaded = AriCache::load(dir);
  EXPECT_FALSE(loaded.find("bad\tname", "id.x"));
  auto y = loaded.find("y.test", "id.y");
  ASSERT_TRUE(y && y->window);
  EXPECT_EQ(y->window->explanation_url, "");
  EXPECT_EQ(y->server, "");
}

// Found by tests/fuzz (tsv, corpus crash-ari-epoch-overflow): a time in the
// file beyond system_clock's range overflowed its nanoseconds (undefined
// behaviour); such a line is foreign, and that lineage is fetched again.
TEST_F(AriCacheTest, ATimeOutOfRangeMakesTheLineForeign) {
  fs::create_directories(dir / ".index");
  std::ofstream(file()) << "a\tid.AQ\thttps://ca.test/directory\t\t1735689600\t1736000000\t1735800000\t781935700000"
                           "\t0\t\n"
                        << "b\tid.Ag\thttps://ca.test/directory\t\t-9300000000\t1\t1\t1\t0\t\n"
                        << "c\tid.Aw\thttps://ca.test/directory\t\t0\t0\t0\t1735700000\t0\t\n";
  const AriCache cache = AriCache::load(dir);
  EXPECT_FALSE(cache.find("a", "id.AQ"));
  EXPECT_FALSE(cache.find("b", "id.Ag"));
  auto c = cache.find("c", "id.Aw");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->next_fetch, TimePoint(seconds(1735700000)));
}

}  // namespace
}  // namespace acmekit::client::renewal
