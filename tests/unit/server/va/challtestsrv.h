// Test-only: pebble-challtestsrv as a real DNS server on free 127.0.0.1
// ports (DNS on UDP+TCP, management API over HTTP), stopped by PID. Records
// are added through its management API. Not starting is a test failure.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/http/curl_client.h"
#include "core/dns/resolver.h"
#include "../../tls_server.h"

extern char** environ;

namespace acmekit::test_support {

class ChallTestSrv {
 public:
  // Call with ASSERT_NO_FATAL_FAILURE(srv.start()). A free port can be
  // taken by another process between our probe and the server's bind (the
  // server then exits, and the other process answers on "its" port): such
  // an attempt is detected (the server gone, or its API not answering as
  // challtestsrv) and made again on other ports.
  void start() {
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
      if (attempt > 0) stop();
      ASSERT_NO_FATAL_FAILURE(try_start());
    }
    ASSERT_TRUE(ready_) << "pebble-challtestsrv did not answer on " << dns_server();
  }

  void try_start() {
    dns_port_ = free_loopback_port();
    management_port_ = free_loopback_port();
    ASSERT_NE(dns_port_, 0);
    ASSERT_NE(management_port_, 0);
    const std::string dns = "127.0.0.1:" + std::to_string(dns_port_);
    const std::string management = "127.0.0.1:" + std::to_string(management_port_);
    // No default AAAA answer: names resolve to 127.0.0.1 only unless set.
    std::vector<const char*> argv = {"pebble-challtestsrv", "-dns01", dns.c_str(), "-http01", "",
                                     "-https01", "", "-tlsalpn01", "", "-management", management.c_str(),
                                     "-defaultIPv6", "", nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "pebble-challtestsrv", &actions, nullptr,
                                const_cast<char* const*>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot start pebble-challtestsrv";
    // Ready when DNS answers (any A query gets the default 127.0.0.1) and
    // the management API answers as challtestsrv's (setting the default
    // IPv4 answer to what it is), while the server still runs.
    dns::Resolver probe({dns_server()}, std::chrono::milliseconds(200));
    for (int i = 0; i < 100 && !ready_; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {  // gone: a port was taken
        pid_ = -1;
        return;
      }
      ready_ = loopback_accepts(management_port_) && probe.lookup_a("ready.test").has_value() &&
               management_answers();
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  ~ChallTestSrv() { stop(); }

  bool ready() const { return ready_; }
  std::string dns_server() const { return "127.0.0.1:" + std::to_string(dns_port_); }

  // POST {json} to the management API, e.g. ("set-txt",
  // R"({"host":"_acme-challenge.x.test.","value":"..."})").
  void post(const std::string& endpoint, const std::string& json) {
    http::CurlClient client(http::ClientOptions{});
    http::Request request{.method = "POST",
                          .url = "http://127.0.0.1:" + std::to_string(management_port_) + "/" + endpoint,
                          .body = json};
    auto response = client.send(request);
    ASSERT_TRUE(response.has_value()) << response.error().message();
    ASSERT_EQ(response->status, 200) << endpoint << " " << json << ": " << response->body;
  }

 private:
  bool management_answers() const {
    http::CurlClient client(http::ClientOptions{});
    auto response = client.send({.method = "POST",
                                 .url = "http://127.0.0.1:" + std::to_string(management_port_) + "/set-default-ipv4",
                                 .body = R"({"ip":"127.0.0.1"})"});
    return response && response->status == 200;
  }

  pid_t pid_ = -1;
  bool ready_ = false;
  uint16_t dns_port_ = 0, management_port_ = 0;
};

// A test suite sharing one pebble-challtestsrv, started before its first
// test and stopped after its last; a server that cannot start fails every
// test of the suite.
class ChallTestSrvTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    srv_ = new ChallTestSrv;
    srv_->start();
  }
  static void TearDownTestSuite() {
    delete srv_;
    srv_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(srv_->ready()) << "pebble-challtestsrv did not start"; }
  static inline ChallTestSrv* srv_ = nullptr;
};

}  // namespace acmekit::test_support
