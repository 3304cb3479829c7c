// The Apache WebServer against a REAL Debian apache2: started by the test
// from a server root of its own (a minimal Debian layout in a temp dir:
// apache2.conf, envvars pointing the pid file, run, lock and log dirs into
// it, mods-available copied from the installed package, mods-enabled
// symlinks as a2enmod makes them) on free loopback ports, through
// apache2ctl with APACHE_CONFDIR (apache_server.h), and stopped by the PID
// of its pid file. apache2 is a test dependency (scripts/install-deps): a
// missing one fails the test, never skips it.
#include "client/install/apache_server.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "client/install/apache_challenge.h"
#include "client/install/apache_includes.h"
#include "client/install/nginx_test_files.h"
#include "support/free_port.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A command's stdout (and its exit status).
std::string run(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = ::pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

class ApacheServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access("/usr/sbin/apache2", X_OK), 0) << "install Debian's apache2 (scripts/install-deps)";
    ASSERT_EQ(::access("/usr/sbin/apache2ctl", X_OK), 0);
    ASSERT_EQ(std::system("command -v openssl >/dev/null && command -v curl >/dev/null"), 0);
    root_ = t_.root();
    // httpd's children run as APACHE_RUN_USER when started by root: the
    // tree must be readable by it.
    fs::permissions(root_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    std::string user = "www-data";
    if (::geteuid() != 0) user = ::getpwuid(::geteuid())->pw_name;
    const std::string r = root_.string();
    t_.write("envvars",
             "export APACHE_RUN_USER=" + user + "\nexport APACHE_RUN_GROUP=" + (::geteuid() == 0 ? "www-data" : user) +
                 "\nexport APACHE_PID_FILE=" + r + "/run/apache2.pid\nexport APACHE_RUN_DIR=" + r +
                 "/run\nexport APACHE_LOCK_DIR=" + r + "/lock\nexport APACHE_LOG_DIR=" + r + "/log\n");
    t_.write("apache2.conf",
             "# A minimal Debian-style apache2.conf\n"
             "DefaultRuntimeDir ${APACHE_RUN_DIR}\n"
             "PidFile ${APACHE_PID_FILE}\n"
             "Mutex file:${APACHE_LOCK_DIR} default\n"
             "User ${APACHE_RUN_USER}\n"
             "Group ${APACHE_RUN_GROUP}\n"
             "ErrorLog ${APACHE_LOG_DIR}/error.log\n"
             "LogLevel warn\n"
             "IncludeOptional mods-enabled/*.load\n"
             "IncludeOptional mods-enabled/*.conf\n"
             "Include ports.conf\n"
             "<Directory />\n\tAllowOverride None\n\tRequire all denied\n</Directory>\n"
             "<Directory " + r + "/www>\n\tRequire all granted\n</Directory>\n"
             "IncludeOptional sites-enabled/*.conf\n");
    t_.write("ports.conf", "Listen 127.0.0.1:" + std::to_string(http_port_) + "\n");
    fs::copy("/etc/apache2/mods-available", root_ / "mods-available");
    fs::create_directories(root_ / "mods-enabled");
    for (const std::string m : {"mpm_event.load", "mpm_event.conf", "authz_core.load", "authz_host.load",
                                "alias.load", "mime.load", "mime.conf", "dir.load", "rewrite.load"}) {
      fs::create_symlink("../mods-available/" + m, root_ / "mods-enabled" / m);
    }
    for (const std::string d : {"run", "lock", "log", "www", "http01"}) fs::create_directories(root_ / d);
    t_.write("www/index.html", "the site\n");
    site_ = "<VirtualHost 127.0.0.1:" + std::to_string(http_port_) + ">\n"
            "\tServerName example.com\n"
            "\tDocumentRoot " + r + "/www\n"
            "\t# the site's own redirect, which the challenge must get past\n"
            "\tRewriteEngine on\n"
            "\tRewriteRule ^ https://example.com%{REQUEST_URI} [R=301,L]\n"
            "</VirtualHost>\n";
    t_.write("sites-available/example.conf", site_);
    fs::create_directories(root_ / "sites-enabled");
    fs::create_symlink("../sites-available/example.conf", root_ / "sites-enabled/example.conf");
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=example.com"
                            " -addext subjectAltName=DNS:example.com -days 2 -keyout " + r + "/privkey.pem -out " + r +
                            "/fullchain.pem >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    options_ = {.server_root = root_, .ctl = "/usr/sbin/apache2ctl", .challenge_dir = root_ / "http01"};
    auto server = make_apache_server(options_);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
  }

  void TearDown() override {
    // Stopped by the PID in its pid file, never by name.
    std::ifstream in(root_ / "run/apache2.pid");
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) return;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && alive(pid); ++i) std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(alive(pid)) << "apache2 " << pid << " did not stop";
  }

  static bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string word, state;
    stat >> word >> word >> state;
    return state != "Z";  // a zombie nobody reaped is gone
  }

  // What a driver does with FileEdits: write each file (directories made).
  void write(const FileEdits& edits) {
    for (const auto& [path, text] : edits) {
      fs::create_directories(fs::path(path).parent_path());
      std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }
  }

  std::string ctl(const std::string& verb) {
    return run("APACHE_CONFDIR=" + root_.string() + " /usr/sbin/apache2ctl " + verb + " 2>&1");
  }

  // curl's output for `args`, retried until `want` is in it (a graceful
  // restart takes effect a moment after apache2ctl returns).
  std::string fetch_until(const std::string& args, const std::string& want) {
    std::string out;
    for (int i = 0; i < 50; ++i) {
      out = run("curl -s --max-time 5 " + args + " 2>&1");
      if (out.find(want) != std::string::npos) break;
      std::this_thread::sleep_for(100ms);
    }
    return out;
  }

  std::string http_url(const std::string& path) const {
    return "-H 'Host: example.com' http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  testing::TempTree t_;
  fs::path root_;
  const int http_port_ = test_support::free_loopback_port();
  const int https_port_ = test_support::free_loopback_port();
  std::string site_;
  ApacheOptions options_;
  std::unique_ptr<WebServer> server_;
};

TEST_F(ApacheServerTest, ChallengeThenCertificateThroughARealApache) {
  // Not running yet: reload says so instead of starting it.
  const Status not_running = server_->reload();
  ASSERT_FALSE(not_running);
  EXPECT_EQ(not_running.error().kind, ErrorKind::kUnavailable);

  ASSERT_TRUE(server_->config_test()) << ctl("configtest");
  const std::string started = ctl("start");
  ASSERT_NE(fetch_until("-o /dev/null -w '%{http_code}' " + http_url("/"), "301").find("301"), std::string::npos)
      << "apache2 did not start: " << started << t_.read("log/error.log");

  // http-01: the key authorization at the token's URL, past the site's
  // own redirect.
  auto edits = server_->challenge_edits({{.token = "tok_en-1", .key_authorization = "tok_en-1.thumbprint"}},
                                        {"example.com"});
  ASSERT_TRUE(edits) << edits.error().message();
  // The site is edited through its sites-available file: the link stays.
  EXPECT_TRUE(edits->contains((root_ / "sites-available/example.conf").string()));
  write(*edits);
  EXPECT_TRUE(fs::is_symlink(root_ / "sites-enabled/example.conf"));
  const Status tested = server_->config_test();
  ASSERT_TRUE(tested) << tested.error().message();
  const Status reloaded = server_->reload();
  ASSERT_TRUE(reloaded) << reloaded.error().message();
  EXPECT_EQ(fetch_until(http_url("/.well-known/acme-challenge/tok_en-1"), "tok_en-1.thumbprint"),
            "tok_en-1.thumbprint");
  EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' " + http_url("/other")), "301");

  // The include out again: the site byte for byte as it was.
  auto config = ApacheConfig::load(root_);
  ASSERT_TRUE(config) << config.error().message();
  auto removed = remove_challenge_includes(*config, (root_ / "http01/acmekit-http01.conf").string());
  ASSERT_TRUE(removed) << removed.error().message();
  write(*removed);
  EXPECT_EQ(t_.read("sites-available/example.conf"), site_);

  // The certificate: an HTTPS twin on a new port, mod_ssl enabled, HSTS.
  InstallRequest request{.names = {"example.com"},
                         .paths = {.certificate = (root_ / "fullchain.pem").string(),
                                   .key = (root_ / "privkey.pem").string()},
                         .redirect = true,
                         .hsts = true,
                         .https_port = https_port_};
  auto install = server_->install_edits(request);
  ASSERT_TRUE(install) << install.error().message();
  EXPECT_TRUE(install->contains((root_ / "sites-enabled/example-le-ssl.conf").string()));
  EXPECT_TRUE(install->contains((root_ / "mods-enabled/ssl.load").string()));
  EXPECT_TRUE(install->contains((root_ / "mods-enabled/headers.load").string()));
  // The site already redirects to https: no second redirect.
  EXPECT_FALSE(install->contains((root_ / "sites-available/example.conf").string()));
  write(*install);
  const Status tested2 = server_->config_test();
  ASSERT_TRUE(tested2) << tested2.error().message();
  const Status reloaded2 = server_->reload();
  ASSERT_TRUE(reloaded2) << reloaded2.error().message();
  const std::string r = root_.string();
  const std::string want = run("openssl x509 -in " + r + "/fullchain.pem -noout -fingerprint -sha256");
  ASSERT_NE(want.find("Fingerprint"), std::string::npos);
  std::string served;
  for (int i = 0; i < 50 && served != want; ++i) {
    served = run("openssl s_client -connect 127.0.0.1:" + std::to_string(https_port_) +
                 " -servername example.com </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null");
    if (served != want) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(served, want);
  const std::string headers = run("curl -sk -D - -o /dev/null --resolve example.com:" + std::to_string(https_port_) +
                                  ":127.0.0.1 https://example.com:" + std::to_string(https_port_) + "/index.html");
  EXPECT_NE(headers.find("200"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Strict-Transport-Security: max-age=31536000"), std::string::npos) << headers;

  // Installing again changes nothing.
  auto again = server_->install_edits(request);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->empty()) << again->begin()->first;

  // A broken edit: apache2ctl configtest's own error line.
  t_.write("sites-enabled/broken.conf", "<VirtualHost 127.0.0.1:" + std::to_string(http_port_) +
                                            ">\n\tServerName broken.example\n\tNoSuchDirective on\n</VirtualHost>\n");
  const Status broken = server_->config_test();
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(broken.error().message().find("Invalid command 'NoSuchDirective'"), std::string::npos)
      << broken.error().message();
  EXPECT_NE(broken.error().message().find("broken.conf"), std::string::npos) << broken.error().message();
  // One line (acmekit's error is one line), without apache2ctl's notes.
  EXPECT_EQ(broken.error().message().find('\n'), std::string::npos) << broken.error().message();
  EXPECT_EQ(broken.error().message().find("Action 'configtest' failed"), std::string::npos)
      << broken.error().message();
  fs::remove(root_ / "sites-enabled/broken.conf");
}

// apache2ctl configtest's output as Debian's apache2ctl writes it (the
// error on stderr, its notes on stdout).
TEST(ApacheErrorLineTest, TheErrorAndItsMessageOnOneLine) {
  EXPECT_EQ(apache_error_line("AH00526: Syntax error on line 2 of /etc/apache2/x.conf:\n"
                              "common.conf is included twice\n"
                              "AH00558: apache2: Could not reliably determine the server's fully qualified domain "
                              "name, using 127.0.0.1. Set the 'ServerName' directive globally to suppress this message\n"
                              "Action 'configtest' failed.\n"
                              "The Apache error log may have more information.\n"),
            "AH00526: Syntax error on line 2 of /etc/apache2/x.conf: common.conf is included twice");
  EXPECT_EQ(apache_error_line("Action 'configtest' failed.\r\nThe Apache error log may have more information.\n"),
            "The Apache error log may have more information.");
  EXPECT_EQ(apache_error_line("first\n\nsecond\n"), "first; second");
  EXPECT_EQ(apache_error_line(""), "");
}

}  // namespace
}  // namespace acmekit::client::install
