// The RA's identifier policy and the validation address policy (issue 17):
// an IP identifier (RFC 8738) in a reserved range is rejectedIdentifier at
// newOrder, naming the address, unless the allow list opens it.
#include <gtest/gtest.h>

#include "server/ra/policy.h"

namespace acmekit::server::ra {
namespace {

wire::Identifier ip(const std::string& value) { return {"ip", value}; }

TEST(PolicyAddressTest, ReservedIpIdentifiersAreRejectedByDefault) {
  const PolicyOptions policy;
  struct Case {
    const char* value;
    const char* says;
  };
  for (const Case& k : {Case{"127.0.0.1", "127.0.0.1 is a reserved address (127.0.0.0/8: Loopback"},
                        Case{"10.0.0.1", "10.0.0.1 is a reserved address (10.0.0.0/8: Private-Use, RFC 1918)"},
                        Case{"169.254.169.254", "169.254.169.254 is a reserved address (169.254.0.0/16"},
                        Case{"::1", "::1 is a reserved address (::1/128"},
                        Case{"::ffff:192.168.1.1", "::ffff:192.168.1.1 is a reserved address (192.168.0.0/16"},
                        Case{"FE80::1", "fe80::1 is a reserved address (fe80::/10"},  // canonical form (RFC 5952)
                        Case{"2001:db8::1", "2001:db8::1 is a reserved address (2001:db8::/32"}}) {
    auto checked = check_identifier(ip(k.value), policy);
    ASSERT_FALSE(checked) << k.value;
    EXPECT_EQ(checked.error().short_type(), "rejectedIdentifier") << k.value;
    EXPECT_NE(checked.error().detail.find(k.says), std::string::npos) << checked.error().detail;
  }
  for (const char* ok : {"8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    auto checked = check_identifier(ip(ok), policy);
    EXPECT_TRUE(checked) << ok << ": " << checked.error().detail;
  }
}

TEST(PolicyAddressTest, TheAllowListOpensReservedIpIdentifiers) {
  PolicyOptions policy;
  policy.address_policy = va::AddressPolicy::allowing({"127.0.0.0/8", "::1/128"}).value();
  EXPECT_EQ(check_identifier(ip("127.0.0.1"), policy).value().value, "127.0.0.1");
  EXPECT_EQ(check_identifier(ip("0:0::1"), policy).value().value, "::1");
  EXPECT_FALSE(check_identifier(ip("10.0.0.1"), policy));
}

TEST(PolicyAddressTest, AnOrderWithReservedAddressesNamesEach) {
  const PolicyOptions policy;
  auto one = check_order_identifiers({{"dns", "ok.example.org"}, ip("127.0.0.1")}, policy);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().short_type(), "rejectedIdentifier");
  EXPECT_NE(one.error().detail.find("127.0.0.1 is a reserved address"), std::string::npos) << one.error().detail;

  auto two = check_order_identifiers({ip("127.0.0.1"), ip("10.0.0.1")}, policy);
  ASSERT_FALSE(two);
  ASSERT_EQ(two.error().subproblems.size(), 2u);
  EXPECT_EQ(two.error().subproblems[1].identifier_value, "10.0.0.1");
  EXPECT_NE(two.error().subproblems[1].detail.find("10.0.0.0/8"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::server::ra
