#include "client/install/nginx_servers.h"

#include <gtest/gtest.h>

namespace acmekit::client::install {
namespace {

class NginxServersTest : public ::testing::Test {
 protected:
  void load(std::string text) {
    auto parsed = parse_config("sites.conf", std::move(text));
    ASSERT_TRUE(parsed) << parsed.error().message();
    file_ = std::move(*parsed);
    servers_.clear();
    for (const Node* n : file_.find(nullptr, "server")) servers_.push_back(describe_server(file_, *n));
  }
  // The matches as "LINE:KIND" (kinds: exact, head, tail, regex, default).
  std::vector<std::string> best(std::string_view host, Scheme scheme) const {
    std::vector<std::string> out;
    for (const auto& m : best_servers(servers_, host, scheme)) {
      static const char* kKinds[] = {"exact", "head", "tail", "regex", "default"};
      out.push_back(std::to_string(m.server->node->line) + ":" + kKinds[static_cast<int>(m.kind)]);
    }
    return out;
  }
  using V = std::vector<std::string>;

  ConfigFile file_;
  std::vector<ServerBlock> servers_;
};

TEST_F(NginxServersTest, ListensAndSchemes) {
  load(
      "server { listen 80 default_server; listen [::]:80 default_server; }\n"
      "server { listen 127.0.0.1:8443 ssl http2; }\n"
      "server { }\n"
      "server { listen 443; ssl on; }\n"
      "server { listen 80; listen [::]:443 ssl ipv6only=on; }\n"
      "server { listen unix:/run/nginx.sock; listen localhost; }\n");
  ASSERT_EQ(servers_.size(), 6u);
  const auto& l0 = servers_[0].listens;
  ASSERT_EQ(l0.size(), 2u);
  EXPECT_EQ(l0[0].host, "*");
  EXPECT_EQ(l0[0].port, 80);
  EXPECT_TRUE(l0[0].default_server);
  EXPECT_TRUE(l0[1].ipv6);
  EXPECT_EQ(l0[1].host, "[::]");
  EXPECT_TRUE(servers_[0].serves_http());
  EXPECT_FALSE(servers_[0].serves_https());
  EXPECT_TRUE(servers_[0].listens_ipv6());

  EXPECT_EQ(servers_[1].listens[0].host, "127.0.0.1");
  EXPECT_EQ(servers_[1].listens[0].port, 8443);
  EXPECT_FALSE(servers_[1].serves_http());
  EXPECT_TRUE(servers_[1].serves_https());

  ASSERT_EQ(servers_[2].listens.size(), 1u);  // the implicit *:80
  EXPECT_EQ(servers_[2].listens[0].port, 80);
  EXPECT_TRUE(servers_[2].serves_http());

  EXPECT_TRUE(servers_[3].ssl_on);
  EXPECT_FALSE(servers_[3].serves_http());
  EXPECT_TRUE(servers_[3].serves_https());

  EXPECT_TRUE(servers_[4].serves_http());
  EXPECT_TRUE(servers_[4].serves_https());
  EXPECT_EQ(servers_[4].listens[1].port, 443);

  EXPECT_EQ(servers_[5].listens[0].port, 0);
  EXPECT_EQ(servers_[5].listens[1].host, "localhost");
  EXPECT_EQ(servers_[5].listens[1].port, 80);
}

TEST_F(NginxServersTest, NameKinds) {
  EXPECT_EQ(match_name("Example.COM", "example.com")->kind, MatchKind::kExact);
  EXPECT_EQ(match_name("*.example.com", "a.b.example.com")->kind, MatchKind::kLeadingWildcard);
  EXPECT_FALSE(match_name("*.example.com", "example.com"));
  EXPECT_FALSE(match_name("*.example.com", "badexample.com"));
  EXPECT_EQ(match_name(".example.com", "example.com")->kind, MatchKind::kExact);
  EXPECT_EQ(match_name(".example.com", "www.example.com")->kind, MatchKind::kLeadingWildcard);
  EXPECT_EQ(match_name("www.example.*", "www.example.org")->kind, MatchKind::kTrailingWildcard);
  EXPECT_FALSE(match_name("www.example.*", "www.example."));
  EXPECT_FALSE(match_name("www.example.*", "mail.example.org"));
  EXPECT_EQ(match_name("~^www\\d+\\.example\\.net$", "www12.example.net")->kind, MatchKind::kRegex);
  EXPECT_FALSE(match_name("~^www\\d+\\.example\\.net$", "www.example.net"));
  EXPECT_EQ(match_name("~^(?<user>.+)\\.example\\.net$", "joe.example.net")->kind, MatchKind::kRegex);
  EXPECT_EQ(match_name("~^(?P<user>.+)\\.EXAMPLE\\.net$", "joe.example.net")->kind, MatchKind::kRegex);
  EXPECT_FALSE(match_name("~^(unbalanced", "unbalanced"));
  EXPECT_FALSE(match_name("_", "example.com"));
  EXPECT_FALSE(match_name("", "example.com"));
}

TEST_F(NginxServersTest, NginxOrderExactThenHeadThenTailThenRegex) {
  load(
      "server { listen 80; server_name ~^www\\.example\\.(com|org)$; }\n"
      "server { listen 80; server_name www.example.*; }\n"
      "server { listen 80; server_name *.example.com; }\n"
      "server { listen 80; server_name *.www.example.com; }\n"
      "server { listen 80; server_name www.example.com example.com; }\n"
      "server { listen 80 default_server; server_name _; }\n"
      "server { listen 443 ssl; server_name www.example.com; }\n"
      "server { listen 80; server_name ~^(?<sub>\\w+)\\.example\\.net$; }\n"
      "server { listen 80; server_name ~^.*\\.example\\.net$; }\n");
  EXPECT_EQ(best("www.example.com", Scheme::kHttp), V{"5:exact"});
  EXPECT_EQ(best("WWW.Example.Com", Scheme::kHttp), V{"5:exact"});
  EXPECT_EQ(best("www.example.com", Scheme::kHttps), V{"7:exact"});
  EXPECT_EQ(best("a.www.example.com", Scheme::kHttp), V{"4:head"});  // the longest leading wildcard
  EXPECT_EQ(best("mail.example.com", Scheme::kHttp), V{"3:head"});
  EXPECT_EQ(best("www.example.org", Scheme::kHttp), V{"2:tail"});   // tail before regex
  EXPECT_EQ(best("joe.example.net", Scheme::kHttp), (V{"8:regex", "9:regex"}));
  EXPECT_EQ(best("unknown.test", Scheme::kHttp), V{"6:default"});
  EXPECT_EQ(best("unknown.test", Scheme::kHttps), V{});
}

TEST_F(NginxServersTest, SameNameOnSeveralBlocks) {
  load(
      "server { listen 127.0.0.1:80; server_name a.example; }\n"
      "server { listen 10.0.0.1:80; server_name b.example a.example; }\n"
      "server { listen 80; server_name .a.example; }\n"
      "server { listen 443 ssl; listen 80; server_name a.example; }\n");
  EXPECT_EQ(best("a.example", Scheme::kHttp), (V{"1:exact", "2:exact", "3:exact", "4:exact"}));
  EXPECT_EQ(best("a.example", Scheme::kHttps), V{"4:exact"});
  EXPECT_EQ(best("x.a.example", Scheme::kHttp), V{"3:head"});
}

TEST_F(NginxServersTest, DefaultServerPerScheme) {
  load(
      "server { listen 80; server_name a.example; }\n"
      "server { listen 443 ssl default_server; server_name b.example; }\n"
      "server { listen 443 default_server; ssl on; }\n");
  EXPECT_EQ(best("c.example", Scheme::kHttp), V{});  // no default_server on 80
  EXPECT_EQ(best("c.example", Scheme::kHttps), (V{"2:default", "3:default"}));
}

}  // namespace
}  // namespace acmekit::client::install
