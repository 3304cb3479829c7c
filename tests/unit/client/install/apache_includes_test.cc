#include "client/install/apache_includes.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> relative_paths(const ApacheConfig& c) {
  std::vector<std::string> out;
  for (const auto& f : c.files()) out.push_back(fs::path(f.path).lexically_relative(c.server_root()).string());
  return out;
}

// Debian's layout as packaged: apache2.conf includes the enabled modules,
// ports.conf, the enabled confs and sites, in httpd's order.
TEST(ApacheIncludesTest, DebianLayout) {
  const fs::path root = std::string(ACMEKIT_APACHE_CORPUS) + "/debian";
  auto config = ApacheConfig::load(root);
  ASSERT_TRUE(config) << config.error().message();
  const auto paths = relative_paths(*config);
  ASSERT_GE(paths.size(), 30u);
  EXPECT_EQ(paths[0], "apache2.conf");
  EXPECT_EQ(paths[1], "mods-enabled/access_compat.load");  // IncludeOptional mods-enabled/*.load, sorted
  EXPECT_EQ(paths.back(), "sites-enabled/000-default.conf");
  EXPECT_NE(std::find(paths.begin(), paths.end(), "ports.conf"), paths.end());
  EXPECT_NE(std::find(paths.begin(), paths.end(), "conf-enabled/security.conf"), paths.end());
  // sites-available is not enabled, so not read.
  EXPECT_EQ(std::find(paths.begin(), paths.end(), "sites-available/default-ssl.conf"), paths.end());
  // envvars' APACHE_* variables, for the default root.
  EXPECT_EQ(config->expand("${APACHE_LOG_DIR}/error.log"), "/var/log/apache2/error.log");
  EXPECT_EQ(config->expand("${UNKNOWN}/x"), "${UNKNOWN}/x");
  const auto vhosts = config->collect("VirtualHost");
  ASSERT_EQ(vhosts.size(), 1u);
  EXPECT_EQ(vhosts[0].node->arg(0), "*:80");
  const auto listens = config->collect("listen");
  ASSERT_EQ(listens.size(), 3u);  // 80, and 443 in two IfModules
  EXPECT_EQ(listens[0].node->arg(0), "80");
}

TEST(ApacheIncludesTest, WildcardsDirectoriesDefinesAndOptional) {
  testing::TempTree t;
  t.write("apache2.conf",
          "Define SITES sites\n"
          "Include conf.d\n"                      // a directory: every file under it, sorted
          "IncludeOptional nothing/*.conf\n"      // may match nothing
          "IncludeOptional missing.conf\n"
          "Include ${SITES}/*/site.conf\n"        // wildcards in a directory part
          "<IfModule x>\n  Include " + (t.root() / "abs.conf").string() + "\n</IfModule>\n"
          "Include conf.d/b.conf\n");             // read once
  t.write("conf.d/b.conf", "Listen 2\n");
  t.write("conf.d/a.conf", "Listen 1\n");
  t.write("conf.d/sub/c.conf", "Listen 3\n");
  t.write("sites/one/site.conf", "<VirtualHost *:80>\nServerName one\n</VirtualHost>\n");
  t.write("sites/two/site.conf", "<VirtualHost *:80>\nServerName two\nInclude conf.d/a.conf\n</VirtualHost>\n");
  t.write("abs.conf", "Listen 4\n");
  t.write("envvars", "export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n");
  auto config = ApacheConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(relative_paths(*config),
            (std::vector<std::string>{"apache2.conf", "conf.d/a.conf", "conf.d/b.conf", "conf.d/sub/c.conf",
                                      "sites/one/site.conf", "sites/two/site.conf", "abs.conf"}));
  std::vector<std::string> ports;
  for (const auto& r : config->collect("Listen")) ports.push_back(r.node->arg(0));
  // Listen 1 inside the vhost's include is not a global one.
  EXPECT_EQ(ports, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ(config->collect("VirtualHost").size(), 2u);
  EXPECT_EQ(config->expand("${APACHE_LOG_DIR}"), "/var/log/apache2");
  EXPECT_EQ(config->expand("a${SITES}b"), "asitesb");
}

TEST(ApacheIncludesTest, EnvvarsExports) {
  testing::TempTree t;
  t.write("envvars", "unset HOME\nexport APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid\nexport LANG\n"
                     "  export APACHE_RUN_USER='www-data'\n#export APACHE_LYNX='www-browser -dump'\n");
  const auto vars = read_envvars(t.root());
  EXPECT_EQ(vars, (std::map<std::string, std::string>{{"APACHE_PID_FILE", "/var/run/apache2/apache2.pid"},
                                                      {"APACHE_RUN_USER", "www-data"}}));
  EXPECT_TRUE(read_envvars(t.root() / "nowhere").empty());
}

TEST(ApacheIncludesTest, MissingIncludesAreErrorsWithTheirLine) {
  testing::TempTree t;
  t.write("apache2.conf", "Listen 80\nInclude missing.conf\n");
  auto config = ApacheConfig::load(t.root());
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(config.error().message().find("apache2.conf:2"), std::string::npos) << config.error().message();
  t.write("apache2.conf", "Include nowhere/*.conf\n");
  config = ApacheConfig::load(t.root());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("No matches for the wildcard"), std::string::npos);
  t.write("apache2.conf", "Include bad.conf\n");
  t.write("bad.conf", "<VirtualHost *:80>\n");
  config = ApacheConfig::load(t.root());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message().find("bad.conf:1: <VirtualHost> was not closed."), std::string::npos)
      << config.error().message();
}

TEST(ApacheIncludesTest, IncludeCyclesAreReadOnce) {
  testing::TempTree t;
  t.write("apache2.conf", "Include a.conf\n");
  t.write("a.conf", "Listen 1\nInclude apache2.conf\n");
  auto config = ApacheConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->files().size(), 2u);
  EXPECT_EQ(config->collect("Listen").size(), 1u);
}

}  // namespace
}  // namespace acmekit::client::install
