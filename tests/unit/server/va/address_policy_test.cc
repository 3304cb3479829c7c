// The validation address policy (issue 17): every reserved range and its
// edges, IPv4-mapped IPv6 judged as IPv4, CIDR parsing, the allow list, and
// the "connection" problem for a name whose addresses are all refused.
#include "server/va/address_policy.h"

#include <gtest/gtest.h>

namespace acmekit::server::va {
namespace {

// "" when allowed, else the refusal's text.
std::string refusal(const AddressPolicy& policy, const std::string& address) {
  return policy.refusal(address).value_or("");
}

bool refused(const AddressPolicy& policy, const std::string& address) { return policy.refusal(address).has_value(); }

TEST(AddressPolicyTest, TheTableParsesAndEveryRangeIsRefusedByDefault) {
  const AddressPolicy policy;
  for (const auto& r : reserved_ranges()) {
    auto cidr = parse_cidr(r.cidr);
    ASSERT_TRUE(cidr) << r.cidr << ": " << cidr.error().detail;
    // The block's first address is refused, under this range or a narrower one listed before it.
    const std::string first(r.cidr.substr(0, r.cidr.find('/')));
    EXPECT_TRUE(refused(policy, first)) << r.cidr;
  }
}

TEST(AddressPolicyTest, RefusesEachIpv4RangeAndNotItsNeighbours) {
  const AddressPolicy policy;
  struct Case {
    const char* inside_first;
    const char* inside_last;
    const char* before;  // nullptr: none, or also reserved
    const char* after;
    const char* range;   // as the refusal names it
  };
  for (const Case& k : {
           Case{"0.0.0.0", "0.255.255.255", nullptr, "1.0.0.0", "0.0.0.0/8"},
           Case{"10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0", "10.0.0.0/8: Private-Use, RFC 1918"},
           Case{"100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0", "100.64.0.0/10: Shared Address Space"},
           Case{"127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0", "127.0.0.0/8: Loopback"},
           Case{"169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0", "169.254.0.0/16: Link Local"},
           Case{"172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0", "172.16.0.0/12: Private-Use"},
           Case{"192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0", "192.0.0.0/24: IETF Protocol Assignments"},
           Case{"192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0", "192.0.2.0/24: Documentation (TEST-NET-1)"},
           Case{"192.31.196.0", "192.31.196.255", "192.31.195.255", "192.31.197.0", "192.31.196.0/24: AS112-v4"},
           Case{"192.52.193.0", "192.52.193.255", "192.52.192.255", "192.52.194.0", "192.52.193.0/24: AMT"},
           Case{"192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0", "192.88.99.0/24: Deprecated (6to4"},
           Case{"192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0", "192.168.0.0/16: Private-Use"},
           Case{"192.175.48.0", "192.175.48.255", "192.175.47.255", "192.175.49.0", "192.175.48.0/24: Direct Delegation"},
           Case{"198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0", "198.18.0.0/15: Benchmarking"},
           Case{"198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0", "198.51.100.0/24: Documentation"},
           Case{"203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0", "203.0.113.0/24: Documentation"},
           Case{"224.0.0.0", "239.255.255.255", "223.255.255.255", nullptr, "224.0.0.0/4: Multicast"},
           Case{"240.0.0.0", "255.255.255.254", nullptr, nullptr, "240.0.0.0/4: Reserved"},
           Case{"255.255.255.255", "255.255.255.255", nullptr, nullptr, "255.255.255.255/32: Limited Broadcast"},
       }) {
    for (const char* in : {k.inside_first, k.inside_last}) {
      EXPECT_NE(refusal(policy, in).find(std::string(in) + " is a reserved address (" + k.range), std::string::npos)
          << in << ": " << refusal(policy, in);
    }
    if (k.before != nullptr) {
      EXPECT_FALSE(refused(policy, k.before)) << k.before << ": " << refusal(policy, k.before);
    }
    if (k.after != nullptr) {
      EXPECT_FALSE(refused(policy, k.after)) << k.after << ": " << refusal(policy, k.after);
    }
  }
  EXPECT_NE(refusal(policy, "169.254.169.254").find("169.254.0.0/16"), std::string::npos);  // cloud metadata
  for (const char* ok : {"1.1.1.1", "8.8.8.8", "93.184.216.34", "223.255.255.255", "100.63.0.1", "172.15.0.1"}) {
    EXPECT_FALSE(refused(policy, ok)) << ok << ": " << refusal(policy, ok);
  }
}

TEST(AddressPolicyTest, RefusesEachIpv6RangeAndNotItsNeighbours) {
  const AddressPolicy policy;
  struct Case {
    const char* inside;
    const char* range;
  };
  for (const Case& k : {
           Case{"::", "::/128: Unspecified"},
           Case{"::1", "::1/128: Loopback"},
           Case{"::2", "::/96: IPv4-compatible"},
           Case{"::a00:1", "::/96: IPv4-compatible"},
           Case{"64:ff9b::", "64:ff9b::/96"},
           Case{"64:ff9b::ffff:ffff", "64:ff9b::/96"},
           Case{"64:ff9b:1::1", "64:ff9b:1::/48"},
           Case{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48"},
           Case{"100::", "100::/64: Discard-Only"},
           Case{"100::ffff:ffff:ffff:ffff", "100::/64"},
           Case{"2001::1", "2001::/32: TEREDO"},
           Case{"2001:2::1", "2001:2::/48: Benchmarking"},
           Case{"2001:10::1", "2001:10::/28"},
           Case{"2001:1::1", "2001::/23: IETF Protocol Assignments"},
           Case{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/23"},
           Case{"2001:db8::1", "2001:db8::/32: Documentation"},
           Case{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32"},
           Case{"2002::1", "2002::/16: 6to4"},
           Case{"2002:ffff::1", "2002::/16"},
           Case{"2620:4f:8000::1", "2620:4f:8000::/48"},
           Case{"3fff::1", "3fff::/20: Documentation"},
           Case{"3fff:fff:ffff::1", "3fff::/20"},
           Case{"5f00::1", "5f00::/16"},
           Case{"fc00::1", "fc00::/7: Unique-Local"},
           Case{"fd12:3456::1", "fc00::/7"},
           Case{"fe80::1", "fe80::/10: Link-Local"},
           Case{"febf:ffff::1", "fe80::/10"},
           Case{"fec0::1", "fec0::/10: Site-Local"},
           Case{"ff02::1", "ff00::/8: Multicast"},
           Case{"1::1", "::/3: not global unicast"},
           Case{"4000::1", "4000::/2: not global unicast"},
           Case{"8000::1", "8000::/1: not global unicast"},
           Case{"64:ff9b:2::1", "::/3: not global unicast"},
       }) {
    EXPECT_NE(refusal(policy, k.inside).find(std::string(k.inside) + " is a reserved address (" + k.range),
              std::string::npos)
        << k.inside << ": " << refusal(policy, k.inside);
  }
  for (const char* ok : {"2001:200::1", "2001:4860:4860::8888", "2606:4700::1111", "2001:db7:ffff::1",
                         "2001:db9::1", "2003::1", "2620:4f:7fff::1", "2620:4f:8001::1", "3fff:1000::1",
                         "3ffe::1", "2000::1"}) {
    EXPECT_FALSE(refused(policy, ok)) << ok << ": " << refusal(policy, ok);
  }
}

TEST(AddressPolicyTest, Ipv4MappedIpv6IsJudgedAsTheIpv4Address) {
  const AddressPolicy policy;
  EXPECT_NE(refusal(policy, "::ffff:127.0.0.1").find("127.0.0.0/8: Loopback"), std::string::npos)
      << refusal(policy, "::ffff:127.0.0.1");
  EXPECT_NE(refusal(policy, "::ffff:a00:1").find("10.0.0.0/8"), std::string::npos);
  EXPECT_NE(refusal(policy, "::ffff:169.254.169.254").find("169.254.0.0/16"), std::string::npos);
  EXPECT_FALSE(refused(policy, "::ffff:8.8.8.8"));  // a public address, whatever its form
  EXPECT_FALSE(refused(policy, "::ffff:93.184.216.34"));

  // An IPv4 block opens the mapped form too; an IPv6 block written in the
  // mapped form is that IPv4 block.
  const AddressPolicy v4 = AddressPolicy::allowing({"127.0.0.0/8"}).value();
  EXPECT_FALSE(refused(v4, "127.0.0.1"));
  EXPECT_FALSE(refused(v4, "::ffff:127.0.0.1"));
  EXPECT_TRUE(refused(v4, "::1"));
  const AddressPolicy mapped = AddressPolicy::allowing({"::ffff:10.0.0.0/104"}).value();
  EXPECT_FALSE(refused(mapped, "10.1.2.3"));
  EXPECT_FALSE(refused(mapped, "::ffff:10.1.2.3"));
  EXPECT_FALSE(refused(mapped, "11.0.0.1"));  // public: never refused
  EXPECT_TRUE(refused(mapped, "192.168.0.1"));
  // An IPv6 block is IPv6 only: ::/0 does not open IPv4 addresses.
  const AddressPolicy all_v6 = AddressPolicy::allowing({"::/0"}).value();
  EXPECT_FALSE(refused(all_v6, "::1"));
  EXPECT_FALSE(refused(all_v6, "fe80::1"));
  EXPECT_TRUE(refused(all_v6, "127.0.0.1"));
  EXPECT_TRUE(refused(all_v6, "::ffff:127.0.0.1"));
}

TEST(AddressPolicyTest, AllowListOpensOnlyItsBlocks) {
  const AddressPolicy policy = AddressPolicy::allowing({"127.0.0.0/8", "::1/128", "10.1.0.0/16", "fd00::/8"}).value();
  for (const char* ok : {"127.0.0.1", "127.255.255.255", "::1", "10.1.0.0", "10.1.255.255", "fd00::1",
                         "fdff:ffff::1", "8.8.8.8"}) {
    EXPECT_FALSE(refused(policy, ok)) << ok << ": " << refusal(policy, ok);
  }
  for (const char* no : {"10.0.255.255", "10.2.0.0", "fc00::1", "fe80::1", "169.254.169.254", "::", "0.0.0.0",
                         "192.168.1.1"}) {
    EXPECT_TRUE(refused(policy, no)) << no;
  }
  // Edges of a prefix that does not end on a byte.
  const AddressPolicy odd = AddressPolicy::allowing({"172.16.0.0/13", "fe80::/11"}).value();
  EXPECT_FALSE(refused(odd, "172.23.255.255"));
  EXPECT_TRUE(refused(odd, "172.24.0.0"));
  EXPECT_FALSE(refused(odd, "fe9f::1"));
  EXPECT_TRUE(refused(odd, "fea0::1"));
  // Host routes and everything.
  const AddressPolicy host = AddressPolicy::allowing({"127.0.0.2/32"}).value();
  EXPECT_FALSE(refused(host, "127.0.0.2"));
  EXPECT_TRUE(refused(host, "127.0.0.1"));
  EXPECT_TRUE(refused(host, "127.0.0.3"));
  const AddressPolicy everything = AddressPolicy::allowing({"0.0.0.0/0", "::/0"}).value();
  for (const char* a : {"0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::1", "ff02::1", "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(refused(everything, a)) << a;
  }
}

TEST(AddressPolicyTest, TextThatIsNotAnAddressIsRefused) {
  const AddressPolicy everything = AddressPolicy::allowing({"0.0.0.0/0", "::/0"}).value();
  for (const char* bad : {"", "x.test", "127.1", "0x7f000001", "fe80::1%eth0", "[::1]", "1.2.3.4 "}) {
    EXPECT_NE(refusal(everything, bad).find("is not an IP address"), std::string::npos) << bad;
  }
}

TEST(AddressPolicyTest, ParsesCidrBlocks) {
  auto v4 = parse_cidr("10.0.0.0/8").value();
  EXPECT_TRUE(v4.ipv4);
  EXPECT_EQ(v4.prefix, 96 + 8);
  EXPECT_EQ(v4.text, "10.0.0.0/8");
  auto v6 = parse_cidr("fc00::/7").value();
  EXPECT_FALSE(v6.ipv4);
  EXPECT_EQ(v6.prefix, 7);
  EXPECT_TRUE(parse_cidr("::ffff:10.0.0.0/104").value().ipv4);
  EXPECT_FALSE(parse_cidr("::/0").value().ipv4);
  for (const char* ok : {"0.0.0.0/0", "127.0.0.1/32", "::/0", "::1/128", "2001:DB8::/32", "::ffff:0:0/96"}) {
    EXPECT_TRUE(parse_cidr(ok)) << ok;
  }
  struct Bad {
    const char* text;
    const char* why;
  };
  for (const Bad& k : {Bad{"10.0.0.0", "no /PREFIX"}, Bad{"", "no /PREFIX"}, Bad{"10.0.0.0/", "0..32"},
                       Bad{"10.0.0.0/33", "0..32"}, Bad{"10.0.0.0/-1", "0..32"}, Bad{"10.0.0.0/8x", "0..32"},
                       Bad{"10.0.0.0/ 8", "0..32"}, Bad{"::/129", "0..128"}, Bad{"10.0.0.1/8", "after the prefix"},
                       Bad{"fe80::1/10", "after the prefix"}, Bad{"10.0.0/8", "not an IPv4 or IPv6 address"},
                       Bad{"localhost/8", "not an IPv4 or IPv6 address"}, Bad{"/8", "not an IPv4 or IPv6"},
                       Bad{"10.0.0.0/8/8", "0..32"}}) {
    auto c = parse_cidr(k.text);
    ASSERT_FALSE(c) << k.text;
    EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(c.error().detail.find(k.why), std::string::npos) << k.text << ": " << c.error().detail;
    EXPECT_NE(c.error().detail.find("is not a CIDR block"), std::string::npos) << c.error().detail;
  }
  auto list = AddressPolicy::allowing({"127.0.0.0/8", "10.0.0.1/8"});
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().detail.find("\"10.0.0.1/8\""), std::string::npos) << list.error().detail;
}

TEST(AddressPolicyTest, ConnectableAddressesKeepsTheAllowedOnesInOrder) {
  const AddressPolicy policy;
  auto some = connectable_addresses("x.test", {"10.0.0.1", "2606:4700::1111", "::1", "1.1.1.1"}, policy);
  ASSERT_TRUE(some) << some.error().detail;
  EXPECT_EQ(*some, (std::vector<std::string>{"2606:4700::1111", "1.1.1.1"}));

  auto none = connectable_addresses("x.test", {"10.0.0.1", "::1"}, policy);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().short_type(), "connection");
  EXPECT_EQ(none.error().detail,
            "x.test: 10.0.0.1 is a reserved address (10.0.0.0/8: Private-Use, RFC 1918), ::1 is a reserved address "
            "(::1/128: Loopback Address, RFC 4291); refusing to connect");

  auto literal = connectable_addresses("169.254.169.254", {"169.254.169.254"}, policy);
  ASSERT_FALSE(literal);
  EXPECT_EQ(literal.error().detail,
            "169.254.169.254 is a reserved address (169.254.0.0/16: Link Local, RFC 3927); refusing to connect");

  auto empty = connectable_addresses("x.test", {}, policy);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().short_type(), "connection");
}

}  // namespace
}  // namespace acmekit::server::va
