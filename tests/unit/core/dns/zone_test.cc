// Zone apex and authoritative servers, found through a Resolver pointed at a
// real BIND.
#include "core/dns/zone.h"

#include <gtest/gtest.h>

#include "bind_server.h"

namespace acmekit::dns {
namespace {

using test_support::BindServer;

class DnsZoneTest : public test_support::SharedBindTest<DnsZoneTest> {
 public:
  static BindServer::Options bind_options() {
    BindServer::Options o;
    o.zones = {
        BindServer::Zone{.name = "example.test",
                         .name_servers = {{"ns1.example.test", "127.0.0.1"}, {"ns2.example.test", "127.0.0.2"}},
                         .records = "www IN A 127.0.0.1\nns9 IN A 127.0.0.9\nns9 IN AAAA ::9\n"},
        // Its server's name is in another zone: no glue, an A lookup finds it.
        BindServer::Zone{.name = "other.test", .name_servers = {{"ns9.example.test", ""}}, .records = ""},
    };
    return o;
  }

 protected:
  Resolver resolver() const { return Resolver({bind_->endpoint()}, std::chrono::milliseconds(2000)); }
};

TEST_F(DnsZoneTest, ApexOfTheApexASubNameAndANameThatDoesNotExist) {
  EXPECT_EQ(find_zone_apex(resolver(), "example.test").value(), "example.test");
  EXPECT_EQ(find_zone_apex(resolver(), "www.example.test").value(), "example.test");  // NODATA
  EXPECT_EQ(find_zone_apex(resolver(), "_acme-challenge.a.b.example.test").value(), "example.test");  // NXDOMAIN
  EXPECT_EQ(find_zone_apex(resolver(), "_acme-challenge.OTHER.test.").value(), "other.test");
}

TEST_F(DnsZoneTest, ANameNoServerKnowsIsTheResolversError) {
  auto r = find_zone_apex(resolver(), "elsewhere.invalid");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(r.error().detail.find("REFUSED"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find(bind_->endpoint()), std::string::npos) << r.error().detail;
}

TEST_F(DnsZoneTest, NameServersWithGlue) {
  auto servers = authoritative_servers(resolver(), "example.test");
  ASSERT_TRUE(servers) << servers.error().detail;
  ASSERT_EQ(servers->size(), 2u);
  std::sort(servers->begin(), servers->end(), [](auto& a, auto& b) { return a.name < b.name; });
  EXPECT_EQ((*servers)[0].name, "ns1.example.test");
  EXPECT_EQ((*servers)[0].addresses, (std::vector<std::string>{"127.0.0.1"}));
  EXPECT_EQ((*servers)[1].name, "ns2.example.test");
  EXPECT_EQ((*servers)[1].addresses, (std::vector<std::string>{"127.0.0.2"}));
}

TEST_F(DnsZoneTest, NameServerOutsideTheZoneGetsItsAddressesIpv4First) {
  auto servers = authoritative_servers(resolver(), "other.test");
  ASSERT_TRUE(servers) << servers.error().detail;
  ASSERT_EQ(servers->size(), 1u);
  EXPECT_EQ((*servers)[0].name, "ns9.example.test");
  EXPECT_EQ((*servers)[0].addresses, (std::vector<std::string>{"127.0.0.9", "::9"}));
}

TEST_F(DnsZoneTest, NoNsRecordsAtANonApex) {
  auto r = authoritative_servers(resolver(), "www.example.test");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  EXPECT_NE(r.error().detail.find("no NS records for www.example.test"), std::string::npos) << r.error().detail;
}

}  // namespace
}  // namespace acmekit::dns
