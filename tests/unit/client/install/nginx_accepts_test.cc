// The edited configurations are accepted by the real nginx (`nginx -t`,
// which also binds the listens: free ports, HTTP on loopback), run as an
// unprivileged user on a prefix of its own. Debian's nginx is a
// test dependency: a missing binary fails the test, never skips it.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "client/install/nginx_challenge.h"
#include "client/install/nginx_edit.h"
#include "client/install/nginx_includes.h"
#include "client/install/nginx_servers.h"
#include "client/install/nginx_test_files.h"
#include "support/free_port.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

class NginxAcceptsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kNginx, X_OK), 0) << kNginx << " is missing: install Debian's nginx (scripts/install-deps)";
    ASSERT_EQ(std::system("command -v openssl >/dev/null 2>&1"), 0) << "openssl binary not found";
    const std::string p = t_.root().string();
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=example.com"
                            " -days 2 -keyout " + p + "/privkey.pem -out " + p + "/fullchain.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    paths_ = {.certificate = p + "/fullchain.pem", .key = p + "/privkey.pem"};
    std::string temp_paths;
    for (const std::string kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
      temp_paths += "    " + kind + "_temp_path " + p + "/temp/" + kind + ";\n";
    }
    t_.write("nginx.conf",
             "events {}\n"
             "http {\n" + temp_paths +
             "    access_log off;\n"
             "    include mime.types;\n"
             "    include sites-enabled/*;\n"
             "}\n");
    std::ifstream mime(std::string(ACMEKIT_NGINX_CORPUS) + "/debian/mime.types", std::ios::binary);
    std::ostringstream s;
    s << mime.rdbuf();
    t_.write("mime.types", s.str());
    fs::create_directories(t_.root() / "temp");
  }

  // nginx -t on the prefix as nobody (when we are root): the exit status,
  // its output in output_.
  int nginx_test(const std::string& conf = "nginx.conf") {
    const std::string p = t_.root().string();
    if (::geteuid() == 0) {
      for (const auto& e : fs::recursive_directory_iterator(t_.root())) {
        EXPECT_EQ(::lchown(e.path().c_str(), kNobody, kNogroup), 0) << e.path();
      }
      EXPECT_EQ(::chown(p.c_str(), kNobody, kNogroup), 0);
    }
    const std::string log = p + "/../" + t_.root().filename().string() + ".nginx-t.log";
    const std::vector<std::string> argv{kNginx, "-t", "-p", p + "/", "-c", p + "/" + conf, "-e", "stderr",
                                        "-g", "pid " + p + "/nginx.pid; error_log stderr;"};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    const bool drop = ::geteuid() == 0;
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(126);
      if (drop && (::setgroups(0, nullptr) != 0 || ::setresgid(kNogroup, kNogroup, kNogroup) != 0 ||
                   ::setresuid(kNobody, kNobody, kNobody) != 0)) {
        ::_exit(126);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fd);
    int status = -1;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    output_ = testing::TempTree::read_path(log);
    fs::remove(log);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }

  // Loads the configuration, hands the named file and the first server
  // block nginx picks for example.com to `edit`, and writes the result.
  template <typename Edit>
  void edit(Scheme scheme, Edit&& e) {
    auto config = NginxConfig::load(t_.root());
    ASSERT_TRUE(config) << config.error().message();
    const auto servers = describe_servers(*config);
    const auto best = best_servers(servers, "example.com", scheme);
    ASSERT_FALSE(best.empty());
    auto text = e(*best.front().server->file, *best.front().server->node);
    ASSERT_TRUE(text) << text.error().message();
    std::ofstream(best.front().server->file->path, std::ios::binary | std::ios::trunc) << *text;
  }

  // The test's site: HTTP on loopback (v4 and v6) at http_port_.
  std::string site() const {
    const std::string port = std::to_string(http_port_);
    return "server {\n"
           "\tlisten 127.0.0.1:" + port + " default_server;\n"
           "\tlisten [::1]:" + port + " default_server;\n"
           "\tserver_name example.com www.example.com;\n"
           "\troot /var/www/html;\n"
           "\tlocation / {\n"
           "\t\ttry_files $uri $uri/ =404;\n"
           "\t}\n"
           "}\n"
           "server {\n"
           "\tlisten 127.0.0.1:" + port + ";\n"
           "\tserver_name other.example;\n"
           "}\n";
  }

  testing::TempTree t_;
  CertificatePaths paths_;
  const int http_port_ = test_support::free_loopback_port();
  const int https_port_ = test_support::free_loopback_port();
  std::string output_;
};

TEST_F(NginxAcceptsTest, EveryEditPassesNginxT) {
  t_.write("sites-enabled/example", site());
  ASSERT_EQ(nginx_test(), 0) << output_;

  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node& s) { return add_https_server(f, s, paths_, https_port_); });
  ASSERT_EQ(nginx_test(), 0) << output_ << t_.read("sites-enabled/example");
  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node& s) { return add_redirect(f, s); });
  edit(Scheme::kHttps, [&](const ConfigFile& f, const Node& s) { return add_hsts(f, s); });
  edit(Scheme::kHttps, [&](const ConfigFile& f, const Node& s) {
    return set_certificate(f, s, paths_);  // the same paths again
  });
  ASSERT_EQ(nginx_test(), 0) << output_ << t_.read("sites-enabled/example");
  const std::string installed = t_.read("sites-enabled/example");
  EXPECT_NE(installed.find("listen " + std::to_string(https_port_) + " ssl;"), std::string::npos);
  EXPECT_NE(installed.find("return 301 https://$host$request_uri;"), std::string::npos);

  // The http-01 snippet in the HTTP block, then out again.
  auto snippet = http01_snippet({{.token = "tok", .key_authorization = "tok.thumb"}});
  ASSERT_TRUE(snippet);
  const std::string snippet_path = (t_.root() / "acme-http01.conf").string();
  t_.write("acme-http01.conf", *snippet);
  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node& s) { return add_include(f, s, snippet_path); });
  ASSERT_EQ(nginx_test(), 0) << output_ << t_.read("sites-enabled/example");
  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node&) { return remove_include(f, snippet_path); });
  EXPECT_EQ(t_.read("sites-enabled/example"), installed);
  ASSERT_EQ(nginx_test(), 0) << output_;
}

TEST_F(NginxAcceptsTest, DebianDefaultSiteWithCertificate) {
  std::ifstream in(std::string(ACMEKIT_NGINX_CORPUS) + "/debian/sites-available/default", std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  std::string site = s.str();
  site.replace(site.find("server_name _;"), 14, "server_name example.com;");
  const std::string port = std::to_string(http_port_);
  site.replace(site.find("listen 80 default_server;"), 25, "listen 127.0.0.1:" + port + " default_server;");
  site.replace(site.find("listen [::]:80 default_server;"), 30, "listen [::1]:" + port + " default_server;");
  t_.write("sites-enabled/default", site);
  ASSERT_EQ(nginx_test(), 0) << output_;
  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node& srv) { return add_https_server(f, srv, paths_, https_port_); });
  ASSERT_EQ(nginx_test(), 0) << output_ << t_.read("sites-enabled/default");
  auto webroot = http01_webroot_snippet((t_.root() / "webroot").string());
  ASSERT_TRUE(webroot);
  t_.write("webroot.conf", *webroot);
  edit(Scheme::kHttps, [&](const ConfigFile& f, const Node& srv) {
    return add_include(f, srv, (t_.root() / "webroot.conf").string());
  });
  ASSERT_EQ(nginx_test(), 0) << output_ << t_.read("sites-enabled/default");
}

// Our syntax errors are nginx's, on the same line (nginx words them
// "MESSAGE in FILE:LINE"). The one we word differently, a quoted string
// never closed, nginx reports at the end of the file.
TEST_F(NginxAcceptsTest, SyntaxErrorsOnNginxsLines) {
  const std::vector<std::string> cases{
      "events {}\n}\n",
      "events {}\nhttp {\n server {\n",
      "events {}\nhttp {\n  listen 80\n}\n",
      "events {}\nhttp { set $a \"b\"c; }",
      "events {}\n\n;\n",
      "events {}\n{}\n",
      "events {}\nhttp {\n add_header \"a\n\nb\" x }",
      "events {}\nhttp {\n add_header 'a\\'\n}' x }\n}",
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "bad" + std::to_string(i) + ".conf";
    const auto path = t_.write(name, cases[i]);
    auto ours = parse_config(path.string(), cases[i]);
    ASSERT_FALSE(ours) << cases[i];
    const std::string& detail = ours.error().detail;
    // "PATH:LINE: MESSAGE" -> "MESSAGE in PATH:LINE"
    const auto colon = detail.find(": ", path.string().size());
    const std::string as_nginx = detail.substr(colon + 2) + " in " + detail.substr(0, colon);
    EXPECT_NE(nginx_test(name), 0) << cases[i];
    EXPECT_NE(output_.find(as_nginx), std::string::npos) << as_nginx << "\n" << output_;
  }
}

// The harness itself: a configuration nginx refuses is seen as refused.
TEST_F(NginxAcceptsTest, ARefusedConfigurationFails) {
  t_.write("sites-enabled/example", site());
  edit(Scheme::kHttp, [&](const ConfigFile& f, const Node& s) {
    return add_https_server(f, s, {.certificate = "/nonexistent/cert.pem", .key = "/nonexistent/key.pem"},
                            https_port_);
  });
  EXPECT_NE(nginx_test(), 0);
  EXPECT_NE(output_.find("/nonexistent/cert.pem"), std::string::npos) << output_;
}

}  // namespace
}  // namespace acmekit::client::install
