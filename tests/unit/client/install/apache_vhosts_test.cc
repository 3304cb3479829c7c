#include "client/install/apache_vhosts.h"

#include <gtest/gtest.h>

#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {

class ApacheVhostsTest : public ::testing::Test {
 protected:
  void load(const std::string& sites) {
    t_.write("apache2.conf", "Include sites/*.conf\n");
    t_.write("sites/all.conf", sites);
    auto c = ApacheConfig::load(t_.root());
    ASSERT_TRUE(c) << c.error().message();
    config_.emplace(std::move(*c));
    vhosts_ = describe_vhosts(*config_);
  }
  std::vector<std::string> picked(std::string_view host, bool ssl) {
    std::vector<std::string> out;
    for (const auto& p : pick_vhosts(vhosts_, host, ssl)) {
      out.push_back(p.vhost->server_name + (p.match == VhostMatch::kDefault ? " (default)" : ""));
    }
    return out;
  }
  testing::TempTree t_;
  std::optional<ApacheConfig> config_;
  std::vector<VirtualHost> vhosts_;
};

TEST_F(ApacheVhostsTest, Describe) {
  load("Define D example.net\n"
       "<VirtualHost *:80 [::1]:8080 192.0.2.1 _default_:*>\n"
       "  ServerName HTTP://Example.COM:80\n"
       "  ServerAlias www.example.com *.Dev.example.com\n"
       "  <IfModule mod_alias.c>\n    ServerAlias ${D}\n  </IfModule>\n"
       "  <Directory />\n    ServerAlias not-here\n  </Directory>\n"
       "</VirtualHost>\n"
       "<IfModule mod_ssl.c>\n<VirtualHost *:443>\n  SSLEngine off\n  SSLEngine On\n</VirtualHost>\n</IfModule>\n");
  ASSERT_EQ(vhosts_.size(), 2u);
  const VirtualHost& v = vhosts_[0];
  EXPECT_EQ(v.addresses, (std::vector<VhostAddress>{{"*", 80}, {"[::1]", 8080}, {"192.0.2.1", 0}, {"_default_", 0}}));
  EXPECT_EQ(v.server_name, "example.com");
  EXPECT_EQ(v.aliases, (std::vector<std::string>{"www.example.com", "*.dev.example.com", "example.net"}));
  EXPECT_FALSE(v.ssl);
  EXPECT_TRUE(v.on_port(80));
  EXPECT_TRUE(v.on_port(1234));  // 192.0.2.1 without a port
  EXPECT_TRUE(vhosts_[1].ssl);
  EXPECT_EQ(vhosts_[1].ports(), std::vector<int>{443});
  EXPECT_FALSE(vhosts_[1].on_port(80));
}

TEST_F(ApacheVhostsTest, NameBasedMatching) {
  load("<VirtualHost *:80>\n  ServerName first.example\n</VirtualHost>\n"
       "<VirtualHost *:80>\n  ServerName example.com\n  ServerAlias www.example.com\n</VirtualHost>\n"
       "<VirtualHost *:80>\n  ServerName wild.example\n  ServerAlias *.example.com\n</VirtualHost>\n"
       "<VirtualHost *:80>\n  ServerName again.example\n  ServerAlias example.com\n</VirtualHost>\n"
       "<VirtualHost *:443>\n  ServerName secure.example\n  SSLEngine on\n</VirtualHost>\n"
       "<VirtualHost *:443>\n  ServerName example.com\n  SSLEngine on\n</VirtualHost>\n");
  // The first vhost of the set whose name matches: a later one with the
  // same name never serves it.
  EXPECT_EQ(picked("example.com", false), std::vector<std::string>{"example.com"});
  EXPECT_EQ(picked("www.example.com", false), std::vector<std::string>{"example.com"});
  EXPECT_EQ(picked("a.example.com", false), std::vector<std::string>{"wild.example"});
  EXPECT_EQ(picked("b.a.example.com", false), std::vector<std::string>{"wild.example"});  // fnmatch's * crosses dots
  EXPECT_EQ(picked("*.example.com", false), std::vector<std::string>{"wild.example"});  // a wildcard certificate name
  // No name matches: the set's first vhost, its default.
  EXPECT_EQ(picked("unknown.example", false), std::vector<std::string>{"first.example (default)"});
  EXPECT_EQ(picked("unknown.example", true), std::vector<std::string>{"secure.example (default)"});
  EXPECT_EQ(picked("example.com", true), std::vector<std::string>{"example.com"});
  const auto m = match_vhost_name(vhosts_[2], "x.example.com");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, VhostMatch::kWildcardAlias);
}

// Vhosts on different address:port sets are each their set's pick.
TEST_F(ApacheVhostsTest, OnePickPerAddressSet) {
  load("<VirtualHost 127.0.0.1:80>\n  ServerName a.example\n</VirtualHost>\n"
       "<VirtualHost [::1]:80>\n  ServerName other.example\n</VirtualHost>\n"
       "<VirtualHost [::1]:80>\n  ServerName a.example\n</VirtualHost>\n"
       "<VirtualHost *:8080>\n  ServerName b.example\n</VirtualHost>\n");
  EXPECT_EQ(picked("a.example", false), (std::vector<std::string>{"a.example", "a.example"}));
  EXPECT_EQ(picked("zzz", false),
            (std::vector<std::string>{"a.example (default)", "other.example (default)", "b.example (default)"}));
}

}  // namespace
}  // namespace acmekit::client::install
