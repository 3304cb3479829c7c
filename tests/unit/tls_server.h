// Test-only: `openssl s_server -www` on a free loopback port with a fresh
// self-signed certificate made in a temp dir. Shared by the CurlClient and
// TLS probe tests. A server that cannot start is a test failure, not a skip.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "support/free_port.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace acmekit::test_support {


inline bool loopback_accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

class TlsServer {
 public:
  struct Options {
    std::string subject_cn = "acmekit-test";
    std::string san = "IP:127.0.0.1";  // openssl's subjectAltName syntax
    int days = 2;
  };

  // Call with ASSERT_NO_FATAL_FAILURE(tls.start()), then ASSERT_TRUE(tls.ready()).
  void start() { start(Options{}); }
  void start(const Options& o) {
    ASSERT_EQ(std::system("command -v openssl >/dev/null 2>&1"), 0) << "openssl binary not found";
    char tmpl[] = "/tmp/acmekit-tls-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days " +
                            std::to_string(o.days) + " -subj '/CN=" + o.subject_cn +
                            "' -addext 'subjectAltName=" + o.san + "' -keyout " + key().string() +
                            " -out " + cert().string() + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    port_ = free_loopback_port();
    ASSERT_NE(port_, 0);
    const std::string accept = "127.0.0.1:" + std::to_string(port_);
    const std::string cert_path = cert().string(), key_path = key().string();
    std::vector<const char*> argv = {"openssl", "s_server", "-quiet", "-accept", accept.c_str(),
                                     "-cert", cert_path.c_str(), "-key", key_path.c_str(),
                                     "-www", nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "openssl", &actions, nullptr,
                                const_cast<char* const*>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0);
    for (int i = 0; i < 100 && !ready_; ++i) {
      ready_ = loopback_accepts(port_);
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~TlsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  std::filesystem::path cert() const { return dir_ / "cert.pem"; }
  std::filesystem::path key() const { return dir_ / "key.pem"; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace acmekit::test_support
