#include "client/install/apache_challenge.h"

#include <gtest/gtest.h>

#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {

TEST(ApacheChallengeTest, SnippetAndTokenFiles) {
  auto snippet = apache_http01_snippet("/var/lib/acmekit/apache-http01/tokens");
  ASSERT_TRUE(snippet);
  EXPECT_EQ(*snippet,
            "# acmekit's http-01 answers: included while a challenge is pending, removed after it.\n"
            "<IfModule mod_rewrite.c>\n"
            "\tRewriteEngine on\n"
            "\tRewriteRule ^/\\.well-known/acme-challenge/([A-Za-z0-9_-]+)$ /var/lib/acmekit/apache-http01/tokens/$1 [END]\n"
            "</IfModule>\n"
            "<IfModule mod_alias.c>\n"
            "\tAlias /.well-known/acme-challenge /var/lib/acmekit/apache-http01/tokens\n"
            "</IfModule>\n"
            "<Directory /var/lib/acmekit/apache-http01/tokens>\n"
            "\tRequire all granted\n"
            "\tForceType text/plain\n"
            "</Directory>\n");
  EXPECT_TRUE(parse_apache_config("snippet.conf", *snippet));
  EXPECT_FALSE(apache_http01_snippet("relative/tokens"));
  auto files = apache_http01_token_files("/d", {{.token = "tok-_1", .key_authorization = "tok-_1.thumb"}});
  ASSERT_TRUE(files);
  EXPECT_EQ(*files, (FileEdits{{"/d/tok-_1", "tok-_1.thumb"}}));
  EXPECT_FALSE(apache_http01_token_files("/d", {{.token = "../x", .key_authorization = "a.b"}}));
  EXPECT_FALSE(apache_http01_token_files("/d", {{.token = "a", .key_authorization = "a b"}}));
}

TEST(ApacheChallengeTest, IncludedInEveryMatchingHttpVhostAndOutAgain) {
  testing::TempTree t;
  t.write("apache2.conf", "Include sites-enabled/*.conf\n");
  const std::string a =
      "<VirtualHost *:80>\n  ServerName default.example\n</VirtualHost>\n"
      "<VirtualHost *:80>\n  ServerName example.com\n  RewriteEngine on\n</VirtualHost>\n"
      "<VirtualHost *:443>\n  ServerName example.com\n  SSLEngine on\n</VirtualHost>\n";
  const std::string b = "<IfModule x>\n\t<VirtualHost 127.0.0.1:80>\n\t\tServerAlias *.example.com\n\t</VirtualHost>\n</IfModule>\n";
  t.write("sites-enabled/a.conf", a);
  t.write("sites-enabled/b.conf", b);
  auto config = ApacheConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  // Include fails on a missing file: the snippet exists, as the driver
  // writes it before the includes.
  const std::string snippet = t.write("acmekit http01.conf", "# answers\n").string();
  const std::string included = "Include \"" + snippet + "\"";
  auto edits = add_challenge_includes(*config, {"example.com", "www.example.com", "EXAMPLE.com"}, snippet);
  ASSERT_TRUE(edits) << edits.error().message();
  const std::string pa = (t.root() / "sites-enabled/a.conf").string();
  const std::string pb = (t.root() / "sites-enabled/b.conf").string();
  EXPECT_EQ(*edits, (FileEdits{
                        {pa, "<VirtualHost *:80>\n  ServerName default.example\n</VirtualHost>\n"
                             "<VirtualHost *:80>\n  " + included + "\n  ServerName example.com\n"
                             "  RewriteEngine on\n</VirtualHost>\n"
                             "<VirtualHost *:443>\n  ServerName example.com\n  SSLEngine on\n</VirtualHost>\n"},
                        {pb, "<IfModule x>\n\t<VirtualHost 127.0.0.1:80>\n\t\t" + included + "\n"
                             "\t\tServerAlias *.example.com\n\t</VirtualHost>\n</IfModule>\n"},
                    }));
  for (const auto& [path, text] : *edits) t.write(std::filesystem::path(path).lexically_relative(t.root()).string(), text);
  auto with = ApacheConfig::load(t.root());
  ASSERT_TRUE(with) << with.error().message();
  auto removed = remove_challenge_includes(*with, snippet);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, (FileEdits{{pa, a}, {pb, b}}));

  // A name no vhost serves by name goes to the defaults of the address sets.
  auto defaults = add_challenge_includes(*config, {"unknown.example"}, snippet);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->size(), 2u);
  t.write("apache2.conf", "Listen 80\n");
  auto none = ApacheConfig::load(t.root());
  ASSERT_TRUE(none);
  auto unserved = add_challenge_includes(*none, {"example.com"}, snippet);
  ASSERT_FALSE(unserved);
  EXPECT_EQ(unserved.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(unserved.error().message().find("example.com"), std::string::npos);
}

}  // namespace
}  // namespace acmekit::client::install
