// Our syntax errors are httpd's: the real apache2 -t (Debian's, a test
// dependency) refuses each broken file with the same message on the same
// line ("apache2: Syntax error on line N of PATH: MESSAGE"), and what we
// parse as continuation lines, quotes and comments it accepts (a file whose
// only problem is then the missing MPM, reported after parsing).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "client/install/apache_config.h"
#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {

// apache2 -t over `path` as the main file: its output (stdout and stderr).
std::string httpd_test(const std::string& root, const std::string& path) {
  std::string out;
  const std::string cmd = "/usr/sbin/apache2 -t -d " + root + " -f " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(ApacheAcceptsTest, SyntaxErrorsOnHttpdsLines) {
  ASSERT_EQ(::access("/usr/sbin/apache2", X_OK), 0) << "install Debian's apache2 (scripts/install-deps)";
  testing::TempTree t;
  const std::vector<std::string> cases{
      "<VirtualHost *:80>\n</Directory>\n",
      "# c\n<VirtualHost *:80>\n  ServerName a\n",
      "ServerName a\n\n</VirtualHost>\n",
      "<IfModule mod_ssl.c\n</IfModule>\n",
      // (An unclosed <IfModule> of a module not loaded httpd words
      // "Expected </IfModule> before end of configuration": it skips the
      // body unread. Sections it reads, as here, are "not closed".)
      "<VirtualHost *:80>\n<Directory />\n</Directory>\n",
      "ServerName \\\n  a\n<IfModule x>\n</IfModule>\n</IfModule>\n",
      "<VirtualHost *:80>\n</VirtualHost junk>\n",
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string path = t.write("bad" + std::to_string(i) + ".conf", cases[i]).string();
    auto ours = parse_apache_config(path, cases[i]);
    ASSERT_FALSE(ours) << cases[i];
    const std::string& detail = ours.error().detail;  // "PATH:LINE: MESSAGE"
    const auto colon = detail.find(": ", path.size());
    const std::string line = detail.substr(path.size() + 1, colon - path.size() - 1);
    const std::string message = detail.substr(colon + 2);
    const std::string output = httpd_test(t.root().string(), path);
    EXPECT_NE(output.find(message), std::string::npos) << message << "\n" << output;
    // httpd names the line the error surfaced on (an unclosed section: its
    // last line; the message itself then names the opening one, as ours).
    if (message.ends_with("was not closed.")) {
      EXPECT_NE(output.find(detail), std::string::npos) << detail << "\n" << output;
    } else {
      EXPECT_NE(output.find("Syntax error on line " + line + " of " + path), std::string::npos)
          << detail << "\n" << output;
    }
  }
}

TEST(ApacheAcceptsTest, WhatWeParseHttpdParses) {
  ASSERT_EQ(::access("/usr/sbin/apache2", X_OK), 0) << "install Debian's apache2 (scripts/install-deps)";
  testing::TempTree t;
  const std::string text =
      "# a comment \\\n"
      "NotADirectiveBecauseContinuedComment\n"
      "ServerName \\\n"
      "   example.com\n"
      "<IfDefine !NOPE>\n"
      "  <IfModule nonexistent_module>\n"
      "    AnythingGoes here\n"
      "  </IfModule>\n"
      "  Define X \"a b\"\n"
      "</IfDefine>\n";
  const std::string path = t.write("ok.conf", text).string();
  auto ours = parse_apache_config(path, text);
  ASSERT_TRUE(ours) << ours.error().message();
  EXPECT_EQ(ours->nodes.size(), 2u);
  const std::string output = httpd_test(t.root().string(), path);
  EXPECT_EQ(output.find("Syntax error"), std::string::npos) << output;
  EXPECT_NE(output.find("No MPM loaded"), std::string::npos) << output;
}

}  // namespace
}  // namespace acmekit::client::install
