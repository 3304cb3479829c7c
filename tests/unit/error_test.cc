#include "core/error.h"

#include <gtest/gtest.h>

namespace acmekit {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error(ErrorKind::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> quarter(int x) {
  ACMEKIT_TRY(int h, half(x));
  ACMEKIT_TRY(int q, half(h));
  return q;
}

TEST(ErrorTest, TryPropagatesTheFirstError) {
  EXPECT_EQ(quarter(8).value(), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "odd");
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
}

TEST(ErrorTest, MessageShowsTypeAndSubproblems) {
  Error e{.kind = ErrorKind::kAcme,
          .detail = "Error creating new order",
          .type = "urn:ietf:params:acme:error:rejectedIdentifier"};
  e.subproblems.push_back({.type = "urn:ietf:params:acme:error:rejectedIdentifier",
                           .detail = "blocked by policy",
                           .identifier_type = "dns",
                           .identifier_value = "bad.example"});
  EXPECT_EQ(e.short_type(), "rejectedIdentifier");
  EXPECT_TRUE(e.is_acme("rejectedIdentifier"));
  const std::string m = e.message();
  EXPECT_NE(m.find("bad.example: blocked by policy"), std::string::npos) << m;
  EXPECT_NE(m.find("[urn:ietf:params:acme:error:rejectedIdentifier]"), std::string::npos) << m;
}

}  // namespace
}  // namespace acmekit
