#include "client/install/nginx_includes.h"

#include <gtest/gtest.h>

#include "client/install/nginx_challenge.h"
#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {

using testing::TempTree;

std::vector<std::string> server_names(const NginxConfig& config) {
  std::vector<std::string> out;
  for (const auto& ref : config.http_servers()) {
    const auto names = ref.file->find(ref.node, "server_name");
    out.push_back(names.empty() ? "(none)" : names.front()->arg(0));
  }
  return out;
}

TEST(NginxIncludesTest, FollowsRelativeAbsoluteAndGlobIncludes) {
  TempTree t;
  t.write("nginx.conf",
          "include modules-enabled/*.conf;\n"
          "events {}\n"
          "http {\n"
          "    include mime.types;\n"
          "    include " + (t.root() / "conf.d").string() + "/*.conf;\n"
          "    include sites-enabled/*;\n"
          "    include nothing-matches/*.conf;\n"
          "}\n"
          "stream { server { listen 12345; } }\n");
  t.write("modules-enabled/50-x.conf", "# no modules\n");
  t.write("mime.types", "types { text/html html; }\n");
  t.write("conf.d/b.conf", "server { server_name b.example; }\n");
  t.write("conf.d/a.conf", "server { server_name a.example; }\nupstream u { server 127.0.0.1:1; }\n");
  t.write("conf.d/ignored.txt", "this is not } nginx\n");
  t.write("sites-enabled/default", "server {\n  server_name c.example;\n  include snippets/x.conf;\n}\n");
  t.write("snippets/x.conf", "location /x { }\n");

  auto config = NginxConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  std::vector<std::string> paths;
  for (const auto& f : config->files()) paths.push_back(f.path.substr(t.root().string().size() + 1));
  EXPECT_EQ(paths, (std::vector<std::string>{"nginx.conf", "modules-enabled/50-x.conf", "mime.types", "conf.d/a.conf",
                                             "conf.d/b.conf", "sites-enabled/default", "snippets/x.conf"}));
  // In nginx's order; stream's server and upstream's are not HTTP servers.
  EXPECT_EQ(server_names(*config), (std::vector<std::string>{"a.example", "b.example", "c.example"}));

  const ConfigFile& main = config->files()[0];
  const Node& http = *main.find(nullptr, "http")[0];
  const auto inc = config->included_by(main, *main.find(&http, "include")[1]);
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0]->path, (t.root() / "conf.d/a.conf").string());
  EXPECT_TRUE(config->included_by(main, *main.find(&http, "include")[3]).empty());
  EXPECT_NE(config->file((t.root() / "snippets/x.conf").string()), nullptr);
}

TEST(NginxIncludesTest, AFileIncludedTwiceIsReadOnceAndCyclesEnd) {
  TempTree t;
  t.write("nginx.conf", "http {\n include a.conf;\n include a.conf;\n}\n");
  t.write("a.conf", "server { server_name a; }\ninclude b.conf;\n");
  t.write("b.conf", "include a.conf;\n");
  auto config = NginxConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->files().size(), 3u);
  EXPECT_EQ(server_names(*config), (std::vector<std::string>{"a"}));
}

TEST(NginxIncludesTest, ErrorsNameTheIncludingLine) {
  TempTree t;
  t.write("nginx.conf", "events {}\nhttp {\n    include missing.conf;\n}\n");
  auto config = NginxConfig::load(t.root());
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().detail,
            (t.root() / "nginx.conf").string() + ":3: include: cannot open " + (t.root() / "missing.conf").string());

  t.write("nginx.conf", "http { include sites/*; }\n");
  t.write("sites/broken", "server {\n listen 80;\n");
  config = NginxConfig::load(t.root());
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().detail, (t.root() / "nginx.conf").string() + ":1: include: " +
                                       (t.root() / "sites/broken").string() +
                                       ":3: unexpected end of file, expecting \"}\"");
}

TEST(NginxIncludesTest, DebianLayout) {
  // Debian's nginx.conf and default site, with the absolute /etc/nginx
  // paths pointed at the copy.
  TempTree t;
  const std::string corpus = std::string(ACMEKIT_NGINX_CORPUS) + "/debian/";
  for (const std::string f : {"nginx.conf", "mime.types", "sites-available/default", "snippets/fastcgi-php.conf",
                              "snippets/snakeoil.conf", "fastcgi.conf", "modules-enabled/50-mod-http-echo.conf"}) {
    std::ifstream in(corpus + f, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    for (auto at = text.find("/etc/nginx/"); at != std::string::npos; at = text.find("/etc/nginx/", at)) {
      text.replace(at, 11, t.root().string() + "/");
    }
    t.write(f, text);
    if (f == "sites-available/default") t.write("sites-enabled/default", text);
  }
  auto config = NginxConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(server_names(*config), (std::vector<std::string>{"_"}));
  EXPECT_NE(config->file((t.root() / "mime.types").string()), nullptr);
}

TEST(NginxIncludesTest, ChallengeIncludesAcrossFilesAndBack) {
  TempTree t;
  t.write("nginx.conf", "events {}\nhttp {\n    include sites/*;\n}\n");
  const std::string a =
      "server {\n    listen 80;\n    server_name a.example;\n}\n"
      "server {\n    listen 443 ssl;\n    server_name a.example;\n}\n"
      "server {\n    listen 80;\n    server_name *.b.example;\n}\n";
  const std::string other = "server {\n\tlisten 80;\n\tserver_name other.example;\n}\n";
  t.write("sites/a", a);
  t.write("sites/other", other);
  // The snippet exists while it is included (the loader reads it too).
  const std::string snippet = t.write("acme.conf", "location = /.well-known/acme-challenge/t { return 200 \"t.k\"; }\n");
  auto config = NginxConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();

  auto added = add_challenge_includes(*config, {"a.example", "www.b.example", "x.b.example"}, snippet);
  ASSERT_TRUE(added) << added.error().message();
  ASSERT_EQ(added->size(), 1u);  // sites/other is not touched
  EXPECT_EQ(added->at((t.root() / "sites/a").string()),
            "server {\n    include " + snippet + ";\n    listen 80;\n    server_name a.example;\n}\n"
            "server {\n    listen 443 ssl;\n    server_name a.example;\n}\n"
            "server {\n    include " + snippet + ";\n    listen 80;\n    server_name *.b.example;\n}\n");

  for (const auto& [path, text] : *added) t.write(path.substr(t.root().string().size() + 1), text);
  auto with = NginxConfig::load(t.root());
  ASSERT_TRUE(with) << with.error().message();
  auto removed = remove_challenge_includes(*with, snippet);
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->at((t.root() / "sites/a").string()), a);

  auto unserved = add_challenge_includes(*config, {"a.example", "c.example", "d.example"}, snippet);
  ASSERT_FALSE(unserved);
  EXPECT_EQ(unserved.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(unserved.error().detail, "no nginx server block serves c.example, d.example over HTTP");
}

}  // namespace
}  // namespace acmekit::client::install
