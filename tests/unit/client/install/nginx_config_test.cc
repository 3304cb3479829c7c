#include "client/install/nginx_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ConfigFile parse_ok(std::string text) {
  auto parsed = parse_config("test.conf", std::move(text));
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? std::move(*parsed) : ConfigFile{};
}

std::string parse_error(std::string text) {
  auto parsed = parse_config("/etc/nginx/bad.conf", std::move(text));
  EXPECT_FALSE(parsed);
  if (parsed) return "";
  EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidArgument);
  return parsed.error().detail;
}

std::vector<std::string> values(const Node& n) {
  std::vector<std::string> out;
  for (const auto& w : n.words) out.push_back(w.value);
  return out;
}

// Every file of the corpus (Debian's /etc/nginx of nginx 1.22 as packaged,
// and hand-written ones) parses, and its tree serializes to its bytes.
TEST(NginxConfigTest, CorpusRoundTripsByteForByte) {
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(ACMEKIT_NGINX_CORPUS)) {
    if (!e.is_regular_file()) continue;
    const std::string text = read_all(e.path());
    auto parsed = load_config_file(e.path().string());
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->text, text) << e.path();
    EXPECT_EQ(serialize(*parsed), text) << e.path();
    ++files;
  }
  EXPECT_GE(files, 18);
}

TEST(NginxConfigTest, DebianDefaultSiteTree) {
  auto parsed = load_config_file(std::string(ACMEKIT_NGINX_CORPUS) + "/debian/sites-available/default");
  ASSERT_TRUE(parsed) << parsed.error().message();
  const auto servers = parsed->find(nullptr, "server");
  ASSERT_EQ(servers.size(), 1u);  // the example virtual host is commented out
  const Node& s = *servers[0];
  EXPECT_TRUE(s.is_block);
  EXPECT_EQ(s.line, 21);
  const auto listens = parsed->find(&s, "listen");
  ASSERT_EQ(listens.size(), 2u);
  EXPECT_EQ(values(*listens[1]), (std::vector<std::string>{"listen", "[::]:80", "default_server"}));
  EXPECT_EQ(values(*parsed->find(&s, "server_name")[0]), (std::vector<std::string>{"server_name", "_"}));
  const auto locations = parsed->find(&s, "location");
  ASSERT_EQ(locations.size(), 1u);
  EXPECT_EQ(values(*locations[0]), (std::vector<std::string>{"location", "/"}));
}

TEST(NginxConfigTest, WordsAsNginxReadsThem) {
  const ConfigFile f = parse_ok(
      "set $x \"a { b } c; # not a comment\";\n"
      "set $y 'single \\'quoted\\' {';\n"
      "set $z un\\;quoted\\ word;\n"
      "set $w a}b#c;\n"
      "log_format x \"${http_host}x\" \"tab\\there\" \"keep\\d\";\n"
      "location ~* \\.php$ { }\n"
      "if ($a = \"b\") { return 403; }\n");
  ASSERT_EQ(f.nodes.size(), 7u);
  EXPECT_EQ(values(f.nodes[0]), (std::vector<std::string>{"set", "$x", "a { b } c; # not a comment"}));
  EXPECT_TRUE(f.nodes[0].words[2].quoted);
  EXPECT_EQ(values(f.nodes[1]), (std::vector<std::string>{"set", "$y", "single 'quoted' {"}));
  // Only \" \' \\ \t \r \n lose their backslash; an escaped ; or space keeps it.
  EXPECT_EQ(values(f.nodes[2]), (std::vector<std::string>{"set", "$z", "un\\;quoted\\ word"}));
  EXPECT_EQ(values(f.nodes[3]), (std::vector<std::string>{"set", "$w", "a}b#c"}));
  EXPECT_EQ(values(f.nodes[4]), (std::vector<std::string>{"log_format", "x", "${http_host}x", "tab\there", "keep\\d"}));
  EXPECT_EQ(values(f.nodes[5]), (std::vector<std::string>{"location", "~*", "\\.php$"}));
  EXPECT_TRUE(f.nodes[5].is_block);
  EXPECT_EQ(values(f.nodes[6]), (std::vector<std::string>{"if", "($a", "=", "b", ")"}));
  ASSERT_EQ(f.nodes[6].children.size(), 1u);
  EXPECT_EQ(f.nodes[6].children[0].name(), "return");
  EXPECT_EQ(serialize(f), f.text);
}

TEST(NginxConfigTest, SpansCoverCommentsAndBlankLines) {
  const ConfigFile f = parse_ok("# head\n\nserver {\n  # inner\n  listen 80; # tail\n\n  # before close\n}\n# end\n");
  ASSERT_EQ(f.nodes.size(), 1u);
  const Node& s = f.nodes[0];
  EXPECT_EQ(f.text.substr(s.prefix_begin, s.start - s.prefix_begin), "# head\n\n");
  EXPECT_EQ(s.line, 3);
  ASSERT_EQ(s.children.size(), 1u);
  const Node& l = s.children[0];
  EXPECT_EQ(f.text.substr(l.prefix_begin, l.start - l.prefix_begin), "\n  # inner\n  ");
  EXPECT_EQ(f.text.substr(l.start, l.end - l.start), "listen 80;");
  EXPECT_EQ(l.line, 5);
  EXPECT_EQ(f.text.substr(s.close_prefix_begin(), s.close - s.close_prefix_begin()), " # tail\n\n  # before close\n");
  EXPECT_EQ(f.text.substr(f.tail_begin), "\n# end\n");
  EXPECT_EQ(serialize(f), f.text);
}

TEST(NginxConfigTest, MultiLineDirectivesAndCrLf) {
  const ConfigFile f = parse_ok("add_header\r\n\tX-A\r\n\t\"v\r\nw\"\r\n\talways;\r\nnext 1;");
  ASSERT_EQ(f.nodes.size(), 2u);
  EXPECT_EQ(values(f.nodes[0]), (std::vector<std::string>{"add_header", "X-A", "v\r\nw", "always"}));
  EXPECT_EQ(f.nodes[1].line, 6);
  EXPECT_EQ(serialize(f), f.text);
}

TEST(NginxConfigTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(parse_error("events {}\n}\n"), "/etc/nginx/bad.conf:2: unexpected \"}\"");
  EXPECT_EQ(parse_error("http {\n  server {\n    listen 80;\n  }\n"),
            "/etc/nginx/bad.conf:5: unexpected end of file, expecting \"}\"");
  EXPECT_EQ(parse_error("a;\nreturn 200 \"never\n closed;\n}\n"), "/etc/nginx/bad.conf:2: unterminated quoted string");
  EXPECT_EQ(parse_error("a 'x\\'"), "/etc/nginx/bad.conf:1: unterminated quoted string");
  EXPECT_EQ(parse_error("listen 80"), "/etc/nginx/bad.conf:1: unexpected end of file, expecting \";\" or \"}\"");
  EXPECT_EQ(parse_error("server {\n listen 80\n}\n"), "/etc/nginx/bad.conf:3: unexpected \"}\"");
  EXPECT_EQ(parse_error("\n\n;"), "/etc/nginx/bad.conf:3: unexpected \";\"");
  EXPECT_EQ(parse_error("{ }"), "/etc/nginx/bad.conf:1: unexpected \"{\"");
  EXPECT_EQ(parse_error("set $a \"b\"c;"), "/etc/nginx/bad.conf:1: unexpected \"c\"");
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "a {";
  EXPECT_EQ(parse_error(deep), "/etc/nginx/bad.conf:1: blocks nested too deeply");
}

TEST(NginxConfigTest, LoadReportsAMissingFile) {
  auto parsed = load_config_file("/nonexistent/nginx.conf");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().kind, ErrorKind::kIo);
}

TEST(NginxConfigTest, WordQuotingRoundTrips) {
  EXPECT_EQ(*nginx_word("/etc/letsencrypt/live/a.example/fullchain.pem"),
            "/etc/letsencrypt/live/a.example/fullchain.pem");
  EXPECT_EQ(*nginx_word("/srv/my certs/\"x\";{}"), "\"/srv/my certs/\\\"x\\\";{}\"");
  EXPECT_FALSE(nginx_word("/srv/$host/cert.pem"));
  for (const std::string v : {"a b", "q\"uo'te", "back\\slash", "#hash", "semi;colon", ""}) {
    auto w = nginx_word(v);
    ASSERT_TRUE(w);
    const ConfigFile f = parse_ok("x " + *w + ";");
    EXPECT_EQ(f.nodes[0].arg(0), v);
  }
}

}  // namespace
}  // namespace acmekit::client::install
