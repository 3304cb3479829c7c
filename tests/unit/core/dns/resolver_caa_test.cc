// Resolver::lookup_caa against a real BIND: the RFC 8659 §4.1 RDATA (flags,
// tag, value) as the server sends it, CNAMEs followed, no data, NXDOMAIN.
#include <gtest/gtest.h>

#include <algorithm>

#include "bind_server.h"
#include "core/dns/resolver.h"

namespace acmekit::dns {
namespace {

using test_support::BindServer;

class DnsCaaTest : public test_support::SharedBindTest<DnsCaaTest> {
 public:
  static BindServer::Options bind_options() {
    BindServer::Options o;
    o.zones = {BindServer::Zone{.name = "caa.test",
                                .name_servers = {},
                                .records = "@ IN CAA 0 issue \"ca.example; accounturi=https://ca.example/acct/1\"\n"
                                           "@ IN CAA 128 TBS \"Unknown\"\n"
                                           "@ IN CAA 0 iodef \"mailto:security@caa.test\"\n"
                                           "empty IN CAA 0 issue \";\"\n"
                                           "quoted IN CAA 0 issuewild \"a\\\"b\\\\c\"\n"
                                           "alias IN CNAME empty\n"
                                           "www IN A 127.0.0.1\n"}};
    return o;
  }

 protected:
  Resolver resolver() const { return Resolver({bind_->endpoint()}, std::chrono::milliseconds(2000)); }
};

bool by_tag(const CaaRecord& a, const CaaRecord& b) { return a.tag < b.tag; }

TEST_F(DnsCaaTest, FlagsTagAndValueOfEveryRecord) {
  auto answer = resolver().lookup_caa("caa.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  auto caa = answer->caa;
  ASSERT_EQ(caa.size(), 3u);
  ASSERT_EQ(answer->values.size(), 3u);
  std::ranges::sort(caa, by_tag);
  EXPECT_EQ(caa[0].flags, 128);
  EXPECT_EQ(caa[0].tag, "TBS");  // the case as sent
  EXPECT_EQ(caa[0].value, "Unknown");
  EXPECT_EQ(caa[1].flags, 0);
  EXPECT_EQ(caa[1].tag, "iodef");
  EXPECT_EQ(caa[1].value, "mailto:security@caa.test");
  EXPECT_EQ(caa[2].tag, "issue");
  EXPECT_EQ(caa[2].value, "ca.example; accounturi=https://ca.example/acct/1");
  EXPECT_EQ(caa[2].text(), "0 issue \"ca.example; accounturi=https://ca.example/acct/1\"");
  EXPECT_EQ(answer->name, "caa.test");
}

TEST_F(DnsCaaTest, EscapedValueAndEmptyIssue) {
  auto quoted = resolver().lookup_caa("quoted.caa.test");
  ASSERT_TRUE(quoted.has_value()) << quoted.error().message();
  ASSERT_EQ(quoted->caa.size(), 1u);
  EXPECT_EQ(quoted->caa[0].value, "a\"b\\c");
  EXPECT_EQ(quoted->caa[0].text(), "0 issuewild \"a\\\"b\\\\c\"");
  auto empty = resolver().lookup_caa("empty.caa.test");
  ASSERT_TRUE(empty.has_value()) << empty.error().message();
  ASSERT_EQ(empty->caa.size(), 1u);
  EXPECT_EQ(empty->caa[0].value, ";");
}

TEST_F(DnsCaaTest, CnameIsFollowed) {
  auto answer = resolver().lookup_caa("alias.caa.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  ASSERT_EQ(answer->caa.size(), 1u);
  EXPECT_EQ(answer->caa[0].tag, "issue");
  EXPECT_EQ(answer->name, "empty.caa.test");
}

TEST_F(DnsCaaTest, NoDataAndNxdomainAreEmptyAnswers) {
  auto nodata = resolver().lookup_caa("www.caa.test");
  ASSERT_TRUE(nodata.has_value()) << nodata.error().message();
  EXPECT_TRUE(nodata->caa.empty());
  EXPECT_FALSE(nodata->nxdomain);
  auto nx = resolver().lookup_caa("nothing.caa.test");
  ASSERT_TRUE(nx.has_value()) << nx.error().message();
  EXPECT_TRUE(nx->caa.empty());
  EXPECT_TRUE(nx->nxdomain);
}

}  // namespace
}  // namespace acmekit::dns
