#include "client/install/unified_diff.h"

#include <gtest/gtest.h>

namespace acmekit::client::install {
namespace {

TEST(UnifiedDiffTest, EqualTextsHaveNoDiff) { EXPECT_EQ(unified_diff("f", "a\nb\n", "a\nb\n"), ""); }

TEST(UnifiedDiffTest, HunksWithThreeLinesOfContext) {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n";
  std::string after = before;
  after.replace(after.find("2\n"), 2, "2\nnew\n");
  after.replace(after.find("14\n"), 3, "");
  EXPECT_EQ(unified_diff("f", before, after),
            "--- f\n+++ f\n"
            "@@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n 4\n 5\n"
            "@@ -11,5 +12,4 @@\n 11\n 12\n 13\n-14\n 15\n");
}

TEST(UnifiedDiffTest, NewFileAndMissingNewline) {
  EXPECT_EQ(unified_diff("f", "", "a\n", false), "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+a\n");
  EXPECT_EQ(unified_diff("f", "a", "b"), "--- f\n+++ f\n@@ -1,1 +1,1 @@\n-a\n\\ No newline at end of file\n+b\n"
                                         "\\ No newline at end of file\n");
}

}  // namespace
}  // namespace acmekit::client::install
