// The sorted key/rest table behind the renew caches: lookups in any order,
// comments, torn and keyless lines, an unsorted file, moves.
#include "client/store/sorted_tsv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace acmekit::client::store {
namespace {
namespace fs = std::filesystem;

class SortedTsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file = fs::temp_directory_path() / ("acmekit-tsv-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove(file); }
  void write(const std::string& text) { std::ofstream(file) << text; }
  fs::path file;
};

TEST_F(SortedTsvTest, FindsRowsInAnyOrder) {
  write("# comment\na\t1\t2\nb\t3\nc\t\nd\t4\n");
  SortedTsv t = SortedTsv::load(file);
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.find("a"), "1\t2");
  EXPECT_EQ(t.find("b"), "3");
  EXPECT_EQ(t.find("c"), "");
  EXPECT_EQ(t.find("d"), "4");
  EXPECT_EQ(t.find("b"), "3");  // backwards
  EXPECT_FALSE(t.find("bb"));
  EXPECT_FALSE(t.find("0"));
  EXPECT_FALSE(t.find("z"));
  EXPECT_EQ(t.find("a"), "1\t2");
}

TEST_F(SortedTsvTest, SkipsTornKeylessAndEmptyLines) {
  write("\nnokey\n\tempty-key\nx\tfine\ny\ttorn");
  SortedTsv t = SortedTsv::load(file);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find("x"), "fine");
  EXPECT_FALSE(t.find("y"));
  EXPECT_FALSE(t.find("nokey"));
}

TEST_F(SortedTsvTest, SortsAForeignFileAndKeepsTheLastOfARepeatedKey) {
  write("c\t3\na\t1\nb\told\nb\tnew\n");
  SortedTsv t = SortedTsv::load(file);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t.rows()[0].key, "a");
  EXPECT_EQ(t.rows()[2].key, "c");
  EXPECT_EQ(t.find("b"), "new");
}

TEST_F(SortedTsvTest, AMissingFileIsEmptyAndMovesKeepTheViews) {
  EXPECT_EQ(SortedTsv::load(file).size(), 0u);
  write("k\tv\n");  // short enough to live in a string's inline buffer
  SortedTsv moved = SortedTsv::load(file);
  SortedTsv other = std::move(moved);
  EXPECT_EQ(other.find("k"), "v");
}

TEST(SplitFields, ExactlyN) {
  std::string_view f[3];
  EXPECT_TRUE(split_fields("a\tb\tc", f, 3));
  EXPECT_EQ(f[2], "c");
  EXPECT_TRUE(split_fields("a\t\t", f, 3));
  EXPECT_EQ(f[1], "");
  EXPECT_FALSE(split_fields("a\tb", f, 3));
  EXPECT_FALSE(split_fields("a\tb\tc\td", f, 3));
}

}  // namespace
}  // namespace acmekit::client::store
