// NginxServer and the install transaction against a real, running nginx
// (Debian's, on free loopback ports, its own prefix and pid file, stopped by
// PID): installed certificates are served over TLS, http-01 answers are
// served (also behind --redirect), and a configuration nginx refuses is put
// back byte for byte while nginx goes on serving. A missing nginx fails.
#include "client/install/nginx_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "client/challenge/web_server_http01.h"
#include "client/install/transaction.h"
#include "client/install/nginx_test_files.h"
#include "support/free_port.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

constexpr const char* kNginx = "/usr/sbin/nginx";

std::string run_capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

class NginxServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kNginx, X_OK), 0) << kNginx << " is missing: install Debian's nginx (scripts/install-deps)";
    const std::string p = t_.root().string();
    const std::string cert = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=a.example"
                             " -addext subjectAltName=DNS:a.example,DNS:b.example -days 2 -keyout " + p +
                             "/privkey.pem -out " + p + "/fullchain.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cert.c_str()), 0) << cert;
    paths_ = {.certificate = p + "/fullchain.pem", .key = p + "/privkey.pem"};
    // --nginx-ctl for a prefix of its own (the test's nginx is no system one).
    t_.write("nginx-ctl", "#!/bin/sh\nexec " + std::string(kNginx) + " -p " + p + "/ -e " + p + "/error.log \"$@\"\n");
    fs::permissions(t_.root() / "nginx-ctl", fs::perms::owner_all);
    t_.write("nginx.conf", "pid " + p + "/nginx.pid;\nerror_log " + p + "/error.log;\nevents {}\n"
             "http {\n    access_log off;\n    include sites/*.conf;\n}\n");
    const std::string port = std::to_string(http_port_);
    site_ = "server {\n"
            "    listen 127.0.0.1:" + port + ";\n"
            "    server_name a.example b.example;\n"
            "    location / {\n"
            "        return 200 \"site\\n\";\n"
            "    }\n"
            "}\n";
    other_ = "# not ours\nserver {\n\tlisten 127.0.0.1:" + port + ";\n\tserver_name other.example;\n"
             "\treturn 200 \"other\\n\";\n}\n";
    t_.write("sites/site.conf", site_);
    t_.write("sites/other.conf", other_);
    const std::string start = ctl() + " -c " + p + "/nginx.conf >" + p + "/start.log 2>&1";
    ASSERT_EQ(std::system(start.c_str()), 0) << t_.read("start.log");
    started_ = true;
    ASSERT_EQ(http("a.example", "/", "site\n"), "site\n");
    auto server = make_nginx_server({.server_root = t_.root(), .ctl = ctl()});
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
  }

  void TearDown() override {
    if (!started_) return;
    const std::string pid_text = t_.read("nginx.pid");
    const pid_t pid = static_cast<pid_t>(std::atoi(pid_text.c_str()));
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::string ctl() const { return (t_.root() / "nginx-ctl").string(); }
  std::string path(const std::string& rel) const { return (t_.root() / rel).string(); }

  // GET over HTTP (or HTTPS with the test certificate as the only trust)
  // for host on loopback; polls up to 5 s until the body is `want` (a
  // reload is a signal: the new workers take a moment).
  std::string get(const std::string& url_args, const std::string& want) {
    std::string body;
    for (int i = 0; i < 50; ++i) {
      body = run_capture("curl -s --max-time 2 " + url_args);
      if (body == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return body;
  }
  std::string http(const std::string& host, const std::string& path, const std::string& want) {
    const std::string port = std::to_string(http_port_);
    return get("--resolve " + host + ":" + port + ":127.0.0.1 http://" + host + ":" + port + path, want);
  }
  std::string https(const std::string& host, const std::string& want) {
    const std::string port = std::to_string(https_port_);
    return get("--cacert " + paths_.certificate + " --resolve " + host + ":" + port + ":127.0.0.1 https://" + host +
                   ":" + port + "/",
               want);
  }

  InstallRequest request(bool redirect) const {
    return {.names = {"a.example", "b.example"}, .paths = paths_, .redirect = redirect, .hsts = true,
            .https_port = https_port_};
  }

  testing::TempTree t_;
  CertificatePaths paths_;
  const int http_port_ = test_support::free_loopback_port();
  const int https_port_ = test_support::free_loopback_port();
  std::string site_, other_;
  bool started_ = false;
  std::unique_ptr<WebServer> server_;
};

TEST_F(NginxServerTest, InstallServesTheCertificateOverTls) {
  auto edits = server_->install_edits(request(true));
  ASSERT_TRUE(edits) << edits.error().message();
  ASSERT_EQ(edits->size(), 1u);
  ASSERT_TRUE(edits->contains(path("sites/site.conf")));
  auto applied = apply_edits(*server_, *edits, {.backup_root = t_.root() / "backups"});
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_TRUE(applied->reloaded);
  EXPECT_EQ(applied->changed, std::vector<std::string>{path("sites/site.conf")});
  EXPECT_TRUE(applied->created.empty());
  // The backup holds the old bytes; the other site's file is untouched.
  EXPECT_EQ(testing::TempTree::read_path(applied->backup.dir / fs::path(path("sites/site.conf")).relative_path()),
            site_);
  EXPECT_EQ(t_.read("sites/other.conf"), other_);

  // What a user checks: TLS with SNI verifies against the certificate, HTTP redirects.
  EXPECT_EQ(https("a.example", "site\n"), "site\n") << t_.read("sites/site.conf");
  EXPECT_EQ(https("b.example", "site\n"), "site\n");
  EXPECT_EQ(run_capture("curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve a.example:" +
                        std::to_string(http_port_) + ":127.0.0.1 http://a.example:" + std::to_string(http_port_) + "/x"),
            "301 https://a.example/x");
  EXPECT_EQ(http("other.example", "/", "other\n"), "other\n");

  // Installing again changes nothing.
  auto again = server_->install_edits(request(true));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->empty()) << again->begin()->second;
}

TEST_F(NginxServerTest, Http01AnswersBehindARedirectAndGoesAwayByteForByte) {
  auto installed = server_->install_edits(request(true));
  ASSERT_TRUE(installed) << installed.error().message();
  ASSERT_TRUE(apply_edits(*server_, *installed, {.backup_root = t_.root() / "backups"}));
  const std::string with_certificate = t_.read("sites/site.conf");

  auto edits = server_->challenge_edits({{.token = "tok-A_1", .key_authorization = "tok-A_1.thumb"}},
                                        {"a.example", "b.example"});
  ASSERT_TRUE(edits) << edits.error().message();
  auto applied = apply_edits(*server_, *edits, {.backup_root = t_.root() / "backups"});
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(applied->created, std::vector<std::string>{nginx_challenge_snippet_path({.server_root = t_.root()}).string()});
  // RFC 8555 §8.3: the key authorization at /.well-known/acme-challenge/TOKEN over plain HTTP.
  EXPECT_EQ(http("a.example", "/.well-known/acme-challenge/tok-A_1", "tok-A_1.thumb"), "tok-A_1.thumb")
      << t_.read("sites/site.conf");
  EXPECT_EQ(http("b.example", "/.well-known/acme-challenge/tok-A_1", "tok-A_1.thumb"), "tok-A_1.thumb");

  ASSERT_TRUE(revert_edits(*server_, applied->backup));
  EXPECT_EQ(t_.read("sites/site.conf"), with_certificate);
  EXPECT_FALSE(fs::exists(nginx_challenge_snippet_path({.server_root = t_.root()})));
  EXPECT_EQ(t_.read("sites/other.conf"), other_);
}

// The solver the certifier uses: every task in one edit + reload, the key
// authorizations answered right after present_all returns (the reload has
// taken effect), the files as they were after cleanup_all.
TEST_F(NginxServerTest, Http01SolverPresentsAndCleansUp) {
  auto server = make_nginx_server({.server_root = t_.root(), .ctl = ctl()});
  ASSERT_TRUE(server);
  challenge::WebServerHttp01Solver solver(std::shared_ptr<WebServer>(std::move(*server)), t_.root() / "backups");
  const std::vector<challenge::Task> tasks{{.identifier = "a.example", .token = "ta", .key_authorization = "ta.k"},
                                           {.identifier = "b.example", .token = "tb", .key_authorization = "tb.k"}};
  ASSERT_TRUE(solver.present_all(tasks));
  // No polling: present_all returns once the new workers answer.
  EXPECT_EQ(run_capture("curl -s --resolve a.example:" + std::to_string(http_port_) + ":127.0.0.1 http://a.example:" +
                        std::to_string(http_port_) + "/.well-known/acme-challenge/ta"),
            "ta.k");
  EXPECT_EQ(http("b.example", "/.well-known/acme-challenge/tb", "tb.k"), "tb.k");
  ASSERT_TRUE(solver.cleanup_all(tasks));
  EXPECT_EQ(t_.read("sites/site.conf"), site_);
  EXPECT_EQ(t_.read("sites/other.conf"), other_);
  EXPECT_FALSE(fs::exists(nginx_challenge_snippet_path({.server_root = t_.root()})));
  EXPECT_EQ(http("a.example", "/.well-known/acme-challenge/ta", "site\n"), "site\n");
}

TEST_F(NginxServerTest, RefusedConfigurationIsRestoredAndTheOldOneServed) {
  auto edits = server_->install_edits(request(false));
  ASSERT_TRUE(edits) << edits.error().message();
  // What a broken include would do after our change: nginx -t fails.
  (*edits)[path("sites/site.conf")] += "server {\n    listen 127.0.0.1:" + std::to_string(http_port_) +
                                       ";\n    server_name a.example;\n    ssl_bogus on;\n}\n";
  (*edits)[path("sites/new.conf")] = "# a new file\n";
  auto applied = apply_edits(*server_, *edits, {.backup_root = t_.root() / "backups"});
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(applied.error().detail.find("unknown directive \"ssl_bogus\""), std::string::npos) << applied.error().detail;
  EXPECT_NE(applied.error().detail.find("restored"), std::string::npos) << applied.error().detail;
  EXPECT_EQ(applied.error().detail.find('\n'), std::string::npos) << applied.error().detail;
  EXPECT_EQ(t_.read("sites/site.conf"), site_);
  EXPECT_EQ(t_.read("sites/other.conf"), other_);
  EXPECT_FALSE(fs::exists(t_.root() / "sites/new.conf"));
  EXPECT_TRUE(server_->config_test());
  EXPECT_EQ(http("a.example", "/", "site\n"), "site\n");
}

TEST_F(NginxServerTest, DryRunShowsTheDiffAndWritesNothing) {
  auto edits = server_->install_edits(request(true));
  ASSERT_TRUE(edits) << edits.error().message();
  auto applied = apply_edits(*server_, *edits, {.backup_root = t_.root() / "backups", .dry_run = true});
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_FALSE(applied->reloaded);
  EXPECT_NE(applied->diff.find("--- " + path("sites/site.conf") + "\n+++ " + path("sites/site.conf") + "\n@@ -"),
            std::string::npos)
      << applied->diff;
  EXPECT_NE(applied->diff.find("+    ssl_certificate " + paths_.certificate + ";\n"), std::string::npos)
      << applied->diff;
  EXPECT_NE(applied->diff.find("+    return 301 https://$host$request_uri;\n"), std::string::npos) << applied->diff;
  EXPECT_EQ(t_.read("sites/site.conf"), site_);
  EXPECT_FALSE(fs::exists(t_.root() / "backups"));
}

TEST_F(NginxServerTest, UnservedNameAndMissingToolAreClearErrors) {
  auto unserved = server_->install_edits({.names = {"a.example", "c.example"}, .paths = paths_});
  ASSERT_FALSE(unserved);
  EXPECT_EQ(unserved.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(unserved.error().detail.find("c.example"), std::string::npos);

  auto missing = make_nginx_server({.server_root = t_.root(), .ctl = path("no-such-nginx")});
  ASSERT_TRUE(missing);
  const Status tested = (*missing)->config_test();
  ASSERT_FALSE(tested);
  EXPECT_EQ(tested.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(make_nginx_server({.server_root = t_.root() / "nowhere"}));
}

}  // namespace
}  // namespace acmekit::client::install
