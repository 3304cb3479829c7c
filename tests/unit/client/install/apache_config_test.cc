#include "client/install/apache_config.h"

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

ApacheFile parse_ok(std::string text) {
  auto parsed = parse_apache_config("test.conf", std::move(text));
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? std::move(*parsed) : ApacheFile{};
}

std::string parse_error(std::string text) {
  auto parsed = parse_apache_config("/etc/apache2/bad.conf", std::move(text));
  EXPECT_FALSE(parsed);
  if (parsed) return "";
  EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidArgument);
  return parsed.error().detail;
}

std::vector<std::string> values(const ApacheNode& n) {
  std::vector<std::string> out;
  for (const auto& w : n.words) out.push_back(w.value);
  return out;
}

int round_trip_tree(const fs::path& root) {
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    // Configuration files only (apache2.conf, ports.conf, *.conf, *.load,
    // sites); envvars is a shell script, magic a data file.
    if (name == "envvars" || name == "magic" || name.ends_with(".dpkg-dist")) continue;
    const std::string text = read_all(e.path());
    auto parsed = load_apache_file(e.path().string());
    EXPECT_TRUE(parsed) << parsed.error().message();
    if (!parsed) continue;
    EXPECT_EQ(parsed->text, text) << e.path();
    EXPECT_EQ(serialize(*parsed), text) << e.path();
    ++files;
  }
  return files;
}

// Every file of the corpus (Debian's /etc/apache2 of apache2 2.4 as
// packaged, and hand-written ones) parses, and its tree serializes to its
// bytes.
TEST(ApacheConfigTest, CorpusRoundTripsByteForByte) {
  EXPECT_GE(round_trip_tree(ACMEKIT_APACHE_CORPUS), 150);
}

// The same over the installed package's files (apache2 is a test
// dependency: scripts/install-deps).
TEST(ApacheConfigTest, InstalledDebianConfigurationRoundTrips) {
  ASSERT_TRUE(fs::exists("/etc/apache2/apache2.conf")) << "install Debian's apache2 (scripts/install-deps)";
  EXPECT_GE(round_trip_tree("/etc/apache2"), 100);
}

TEST(ApacheConfigTest, DebianDefaultSiteTree) {
  auto parsed = load_apache_file(std::string(ACMEKIT_APACHE_CORPUS) + "/debian/sites-available/000-default.conf");
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->nodes.size(), 1u);
  const ApacheNode& v = parsed->nodes[0];
  EXPECT_TRUE(v.is_section);
  EXPECT_EQ(values(v), (std::vector<std::string>{"VirtualHost", "*:80"}));
  EXPECT_EQ(v.line, 1);
  EXPECT_TRUE(parsed->find(&v, "ServerName").empty());  // commented out
  ASSERT_EQ(parsed->find(&v, "DocumentRoot").size(), 1u);
  EXPECT_EQ(values(*parsed->find(&v, "customlog")[0]),
            (std::vector<std::string>{"CustomLog", "${APACHE_LOG_DIR}/access.log", "combined"}));
  EXPECT_EQ(parsed->text.substr(v.close, v.end - v.close), "</VirtualHost>");
}

TEST(ApacheConfigTest, WordsAsHttpdReadsThem) {
  const ApacheFile f = parse_ok(
      "LogFormat \"%h \\\"%r\\\" \\\\ \\n\" 'it\\'s' plain\\\\word a\\b\n"
      "  Alias   /x   \"/var/www/a b\"   \n"
      "Header set X \"a\"b\n"
      "ServerName \"unclosed value\n"
      "Options # not a comment\n");
  ASSERT_EQ(f.nodes.size(), 5u);
  EXPECT_EQ(values(f.nodes[0]),
            (std::vector<std::string>{"LogFormat", "%h \"%r\" \\ \\n", "it's", "plain\\word", "a\\b"}));
  EXPECT_TRUE(f.nodes[0].words[1].quoted);
  EXPECT_EQ(values(f.nodes[1]), (std::vector<std::string>{"Alias", "/x", "/var/www/a b"}));
  const ApacheWord& w = f.nodes[1].words[2];
  EXPECT_EQ(f.text.substr(w.begin, w.end - w.begin), "\"/var/www/a b\"");
  // The node ends at its last byte: trailing whitespace is the next prefix.
  EXPECT_EQ(f.text.substr(f.nodes[1].start, f.nodes[1].end - f.nodes[1].start), "Alias   /x   \"/var/www/a b\"");
  // A quoted word ends at its quote; what follows is the next word.
  EXPECT_EQ(values(f.nodes[2]), (std::vector<std::string>{"Header", "set", "X", "a", "b"}));
  // An unclosed quote runs to the end of the line (ap_getword_conf).
  EXPECT_EQ(values(f.nodes[3]), (std::vector<std::string>{"ServerName", "unclosed value"}));
  EXPECT_EQ(values(f.nodes[4]), (std::vector<std::string>{"Options", "#", "not", "a", "comment"}));
}

TEST(ApacheConfigTest, ContinuationLines) {
  const ApacheFile f = parse_ok(
      "RewriteRule ^/old \\\n"
      "    /new [R=301,\\\n"
      "L]\n"
      "# a comment \\\n"
      "Listen 9999\n"
      "Alias /a C:\\\\\n"
      "Listen 1\r\n"
      "Header set \\\r\n"
      "  X y\r\n");
  ASSERT_EQ(f.nodes.size(), 4u);
  EXPECT_EQ(values(f.nodes[0]), (std::vector<std::string>{"RewriteRule", "^/old", "/new", "[R=301,L]"}));
  EXPECT_EQ(f.nodes[0].line, 1);
  // The word broken by the continuation spans the backslash and line break.
  const ApacheWord& w = f.nodes[0].words[3];
  EXPECT_EQ(f.text.substr(w.begin, w.end - w.begin), "[R=301,\\\nL]");
  // "Listen 9999" continues the comment: it is no directive.
  // An escaped backslash at the end of a line does not continue it.
  EXPECT_EQ(values(f.nodes[1]), (std::vector<std::string>{"Alias", "/a", "C:\\"}));
  EXPECT_EQ(f.nodes[1].line, 6);
  EXPECT_EQ(values(f.nodes[2]), (std::vector<std::string>{"Listen", "1"}));
  EXPECT_EQ(values(f.nodes[3]), (std::vector<std::string>{"Header", "set", "X", "y"}));
  EXPECT_EQ(f.nodes[3].line, 8);
  EXPECT_EQ(serialize(f), f.text);
}

// A logical line may begin with a continuation (and whitespace after it):
// httpd trims the whole line, so the section still opens with its `<`.
TEST(ApacheConfigTest, LeadingContinuationStartsAtTheFirstCharacter) {
  const ApacheFile f = parse_ok(
      "\\\n"
      "<VirtualHost *:80>\n"
      "ServerName a\n"
      "<\\\n"
      "/VirtualHost>\n"
      "\\\n"
      "   Listen 81\n");
  ASSERT_EQ(f.nodes.size(), 2u);
  ASSERT_TRUE(f.nodes[0].is_section);
  EXPECT_EQ(f.text[f.nodes[0].start], '<');
  EXPECT_EQ(f.nodes[0].prefix_begin, 0u);
  EXPECT_EQ(f.text[f.nodes[0].close], '<');
  EXPECT_EQ(values(f.nodes[0].children[0]), (std::vector<std::string>{"ServerName", "a"}));
  EXPECT_EQ(values(f.nodes[1]), (std::vector<std::string>{"Listen", "81"}));
  EXPECT_EQ(f.text.substr(f.nodes[1].start, 6), "Listen");
  EXPECT_EQ(serialize(f), f.text);
}

TEST(ApacheConfigTest, NestedSections) {
  const ApacheFile f = parse_ok(
      "<IfModule mod_ssl.c>\n"
      "\t<IfModule mod_headers.c>\n"
      "\t\t<VirtualHost *:443 [::1]:8443>\n"
      "\t\t\tServerName example.com\n"
      "\t\t\t<Directory \"/var/www/html\">\n"
      "\t\t\t\tRequire all granted\n"
      "\t\t\t</directory>\n"
      "\t\t</VirtualHost>\n"
      "\t</IfModule>\n"
      "</IfModule>\n"
      "<Else>\n"
      "</Else>\n"
      "<VirtualHost *:80 >\n"
      "</VirtualHost>\n");
  ASSERT_EQ(f.nodes.size(), 3u);
  const ApacheNode& outer = f.nodes[0];
  EXPECT_EQ(values(outer), (std::vector<std::string>{"IfModule", "mod_ssl.c"}));
  const ApacheNode& vhost = outer.children.at(0).children.at(0);
  EXPECT_EQ(values(vhost), (std::vector<std::string>{"VirtualHost", "*:443", "[::1]:8443"}));
  EXPECT_EQ(vhost.line, 3);
  ASSERT_EQ(vhost.children.size(), 2u);
  EXPECT_EQ(values(vhost.children[1]), (std::vector<std::string>{"Directory", "/var/www/html"}));
  EXPECT_EQ(f.text.substr(vhost.start, vhost.open_end - vhost.start), "<VirtualHost *:443 [::1]:8443>");
  EXPECT_EQ(f.text.substr(vhost.close, vhost.end - vhost.close), "</VirtualHost>");
  EXPECT_EQ(values(f.nodes[1]), (std::vector<std::string>{"Else"}));
  EXPECT_EQ(values(f.nodes[2]), (std::vector<std::string>{"VirtualHost", "*:80"}));
  EXPECT_TRUE(f.nodes[1].children.empty());
  EXPECT_EQ(serialize(f), f.text);
}

// httpd's own words (checked against apache2 -t), on the line it names.
TEST(ApacheConfigTest, ErrorsNamePathAndLine) {
  EXPECT_EQ(parse_error("<VirtualHost *:80>\n</Directory>\n"),
            "/etc/apache2/bad.conf:2: Expected </VirtualHost> but saw </Directory>");
  EXPECT_EQ(parse_error("# c\n<VirtualHost *:80>\n  ServerName a\n"),
            "/etc/apache2/bad.conf:2: <VirtualHost> was not closed.");
  EXPECT_EQ(parse_error("Listen 80\n\n</VirtualHost>\n"),
            "/etc/apache2/bad.conf:3: </VirtualHost> without matching <VirtualHost> section");
  EXPECT_EQ(parse_error("<IfModule mod_ssl.c\n</IfModule>\n"),
            "/etc/apache2/bad.conf:1: <IfModule> directive missing closing '>'");
  EXPECT_EQ(parse_error("<VirtualHost *:80>\n</VirtualHost junk>\n"),
            "/etc/apache2/bad.conf:2: </VirtualHost> directive missing closing '>'");
  EXPECT_EQ(parse_error("<A>\n<B>\n</A>\n</B>\n"), "/etc/apache2/bad.conf:3: Expected </B> but saw </A>");
}

TEST(ApacheConfigTest, DeepNestingIsRefusedNotACrash) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "<IfModule x>\n";
  EXPECT_NE(parse_error(text).find("nested too deeply"), std::string::npos);
}

TEST(ApacheConfigTest, ApacheWordQuotesOnlyWhenNeeded) {
  EXPECT_EQ(apache_word("/etc/acmekit/live/a/fullchain.pem").value(), "/etc/acmekit/live/a/fullchain.pem");
  EXPECT_EQ(apache_word("/a b/\"c\"\\d").value(), "\"/a b/\\\"c\\\"\\\\d\"");
  EXPECT_EQ(apache_word("").value(), "\"\"");
  EXPECT_EQ(apache_word("#x").value(), "\"#x\"");
  EXPECT_FALSE(apache_word("${APACHE_LOG_DIR}/x"));
  EXPECT_FALSE(apache_word("a\nb"));
  // What apache_word writes reads back as the value.
  for (const std::string v : {"/a b/\"c\"\\d", "#x", "it's", "a>b"}) {
    const ApacheFile f = parse_ok("X " + apache_word(v).value() + "\n");
    ASSERT_EQ(f.nodes.size(), 1u);
    EXPECT_EQ(f.nodes[0].arg(0), v);
  }
}

}  // namespace
}  // namespace acmekit::client::install
