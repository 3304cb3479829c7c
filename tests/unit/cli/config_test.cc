// acmekit-ca's config: durations ("90d", "6h", plain seconds) as the TOML
// file and the flags give them.
#include "cli/acmekit-ca/config.h"

#include <gtest/gtest.h>

namespace acmekit::ca_cli {
namespace {

using std::chrono::seconds;

TEST(ConfigTest, ParsesDurations) {
  EXPECT_EQ(parse_duration("90d").value(), seconds(90 * 86400));
  EXPECT_EQ(parse_duration("6h").value(), seconds(6 * 3600));
  EXPECT_EQ(parse_duration("30m").value(), seconds(1800));
  EXPECT_EQ(parse_duration("45s").value(), seconds(45));
  EXPECT_EQ(parse_duration("3600").value(), seconds(3600));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("d"));
  EXPECT_FALSE(parse_duration("-1h"));
  EXPECT_FALSE(parse_duration("1w"));
}

// Found by tests/fuzz (toml_config, corpus crash-duration-overflow.toml):
// the count times the unit overflowed int64 (undefined behaviour) instead of
// being refused.
TEST(ConfigTest, RefusesADurationThatOverflows) {
  auto d = parse_duration("99999999999999999d");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(d.error().detail.find("too long"), std::string::npos);
  EXPECT_FALSE(parse_duration("2562047788015216h"));
  EXPECT_EQ(parse_duration("9223372036854775807").value(), seconds(9223372036854775807));
  EXPECT_EQ(parse_duration("106751991167300d").value(), seconds(int64_t{106751991167300} * 86400));
}

}  // namespace
}  // namespace acmekit::ca_cli
