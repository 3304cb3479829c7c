// Registered domains (server/ra/public_suffix.h): the publicsuffix.org
// algorithm on a small list (normal, wildcard and exception rules, as in the
// list's own test cases), and Debian's installed list.
#include <gtest/gtest.h>

#include "server/ra/public_suffix.h"

namespace acmekit::server::ra {
namespace {

const char* kList = R"(// a comment
com
uk
co.uk
// wildcard and exception rules
*.ck
!www.ck
jp
ac.jp
*.kawasaki.jp
!city.kawasaki.jp
  github.io   trailing words are ignored
)";

TEST(PublicSuffix, RegisteredDomainIsTheSuffixPlusOneLabel) {
  const auto parsed = PublicSuffixList::parse(kList);
  ASSERT_TRUE(parsed) << parsed.error().message();
  const auto& psl = *parsed;
  EXPECT_EQ(psl.registered_domain("example.com"), "example.com");
  EXPECT_EQ(psl.registered_domain("b.example.com"), "example.com");
  EXPECT_EQ(psl.registered_domain("a.b.example.com"), "example.com");
  EXPECT_EQ(psl.registered_domain("www.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.registered_domain("*.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.registered_domain("test.ac.jp"), "test.ac.jp");
  EXPECT_EQ(psl.registered_domain("www.test.ac.jp"), "test.ac.jp");
  EXPECT_EQ(psl.registered_domain("me.github.io"), "me.github.io");
  EXPECT_EQ(psl.registered_domain("www.me.github.io"), "me.github.io");
}

TEST(PublicSuffix, WildcardAndExceptionRules) {
  const auto psl = *PublicSuffixList::parse(kList);
  // *.ck: every second-level name is a public suffix ...
  EXPECT_EQ(psl.registered_domain("b.test.ck"), "b.test.ck");
  EXPECT_EQ(psl.registered_domain("a.b.test.ck"), "b.test.ck");
  // ... except www.ck (!www.ck), whose public suffix is ck.
  EXPECT_EQ(psl.registered_domain("www.ck"), "www.ck");
  EXPECT_EQ(psl.registered_domain("www.www.ck"), "www.ck");
  EXPECT_EQ(psl.registered_domain("a.b.kawasaki.jp"), "a.b.kawasaki.jp");
  EXPECT_EQ(psl.registered_domain("city.kawasaki.jp"), "city.kawasaki.jp");
  EXPECT_EQ(psl.registered_domain("www.city.kawasaki.jp"), "city.kawasaki.jp");
}

TEST(PublicSuffix, UnlistedTldsAndPublicSuffixesThemselves) {
  const auto psl = *PublicSuffixList::parse(kList);
  // The default rule "*": one label is the suffix (.internal, .test, .corp).
  EXPECT_EQ(psl.registered_domain("host.example.internal"), "example.internal");
  EXPECT_EQ(psl.registered_domain("example.internal"), "example.internal");
  // A public suffix has no registered domain; it is its own key.
  EXPECT_EQ(psl.registered_domain("co.uk"), "co.uk");
  EXPECT_EQ(psl.registered_domain("test.ck"), "test.ck");
  EXPECT_EQ(psl.registered_domain("internal"), "internal");
}

TEST(PublicSuffix, LastTwoLabelsWithoutAList) {
  EXPECT_EQ(last_two_labels("a.b.example.internal"), "example.internal");
  EXPECT_EQ(last_two_labels("*.example.com"), "example.com");
  EXPECT_EQ(last_two_labels("www.example.co.uk"), "co.uk");
  EXPECT_EQ(last_two_labels("localhost"), "localhost");
  EXPECT_FALSE(PublicSuffixList::parse("// no rules\n"));
}

TEST(PublicSuffix, DebiansInstalledList) {
  // Debian's publicsuffix package (scripts/install-deps installs it).
  auto psl = PublicSuffixList::load(std::string(kDefaultPublicSuffixList));
  ASSERT_TRUE(psl) << psl.error().message();
  EXPECT_EQ(psl->registered_domain("new.blog.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl->registered_domain("www.example.com"), "example.com");
  EXPECT_EQ(psl->registered_domain("someone.github.io"), "someone.github.io");  // private section
  EXPECT_EQ(psl->registered_domain("host.ca.test"), "ca.test");
  // What a wildcard must not sit on: listed suffixes, IDN ones in their
  // A-label form too (公司.cn); an unlisted TLD or a registered domain is not one.
  EXPECT_TRUE(psl->is_public_suffix("co.uk"));
  EXPECT_TRUE(psl->is_public_suffix("com"));
  EXPECT_TRUE(psl->is_public_suffix("github.io"));
  EXPECT_TRUE(psl->is_public_suffix("xn--55qx5d.cn"));
  EXPECT_FALSE(psl->is_public_suffix("example.co.uk"));
  EXPECT_FALSE(psl->is_public_suffix("internal"));
  EXPECT_FALSE(psl->is_public_suffix("example.internal"));
}

TEST(PublicSuffix, AMissingFileIsAnIoError) {
  auto psl = PublicSuffixList::load("/nonexistent/public_suffix_list.dat");
  ASSERT_FALSE(psl);
  EXPECT_EQ(psl.error().kind, ErrorKind::kIo);
  EXPECT_NE(psl.error().detail.find("/nonexistent/public_suffix_list.dat"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::server::ra
