// Test-only: Debian's BIND (`named -g`, foreground, one worker thread) as a
// real authoritative server on a free port of a loopback address, serving
// zones from files in its own temp dir (writable: dynamic updates write a
// .jnl), updates allowed for TSIG keys (update-policy ... zonesub TXT), no
// rndc channel, no recursion. Stopped by PID. A named that cannot start is a
// test failure, never a skip.
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

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/dns/message.h"
#include "core/dns/tsig.h"

extern char** environ;

namespace acmekit::test_support {

// Standard base64 (RFC 4648 §4), for made-up TSIG secrets.
inline std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63]} + "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63]} + "=";
  }
  return out;
}

inline std::string random_secret_base64(std::size_t bytes = 32) {
  std::random_device rd;
  std::string raw;
  for (std::size_t i = 0; i < bytes; ++i) raw.push_back(static_cast<char>(rd() & 0xff));
  return base64(raw);
}

// A port free for both UDP and TCP on every one of addresses (IPv4 or IPv6
// literals): the same port on 127.0.0.1 and ::1 lets two servers of one zone
// share the propagation check's port knob. (named listens only on addresses
// an interface has; in the host's namespace that is 127.0.0.1 and ::1.)
// In 10000-19999: below the end-to-end tests' 20000-32767 (lib.sh
// free_port), whose ports may be free for a moment while their test runs
// beside this one, and below Linux's ephemeral range.
inline uint16_t free_dns_port(const std::vector<std::string>& addresses) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<uint16_t>(10000 + rng() % 10000);
    bool free = true;
    for (const auto& address : addresses) {
      for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
        sockaddr_storage ss{};
        socklen_t len = 0;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
        if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
          v4->sin_family = AF_INET;
          v4->sin_port = htons(port);
          len = sizeof *v4;
        } else {
          ::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr);
          v6->sin6_family = AF_INET6;
          v6->sin6_port = htons(port);
          len = sizeof *v6;
        }
        const int fd = ::socket(ss.ss_family, type, 0);
        free = free && fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
        if (fd >= 0) ::close(fd);
      }
    }
    if (free) return port;
  }
  return 0;
}

class BindServer {
 public:
  struct Key {
    std::string name = "acme-update";
    std::string algorithm = "hmac-sha256";  // BIND's spelling
    std::string secret;                     // base64; empty: a random one
  };
  struct Zone {
    std::string name = "example.test";
    // NS names and their glue addresses; empty: ns1.<zone> at the server's address.
    std::vector<std::pair<std::string, std::string>> name_servers;
    std::string records;  // more zone file lines (relative names are below the zone)
  };
  struct Options {
    std::string address = "127.0.0.1";  // or "::1"
    uint16_t port = 0;  // 0: a free one
    std::vector<Zone> zones{Zone{}};
    std::vector<Key> keys{Key{}};  // each may update TXT records in every zone
  };

  BindServer() = default;
  BindServer(const BindServer&) = delete;
  BindServer& operator=(const BindServer&) = delete;
  ~BindServer() { stop(); }

  // Call as ASSERT_NO_FATAL_FAILURE(server.start(options)).
  void start(Options options) {
    ASSERT_EQ(std::system("command -v named >/dev/null 2>&1"), 0) << "named (Debian package bind9) not found";
    options_ = std::move(options);
    if (options_.port == 0) options_.port = free_dns_port({options_.address});
    ASSERT_NE(options_.port, 0) << "no free port on " << options_.address;
    for (auto& key : options_.keys) {
      if (key.secret.empty()) key.secret = random_secret_base64();
    }
    char tmpl[] = "/tmp/acmekit-named-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    write_config();
    const std::string conf = (dir_ / "named.conf").string();
    const std::string log = (dir_ / "named.log").string();
    // -g: foreground, log to stderr; -n 1: one worker (the machine is shared).
    std::vector<const char*> argv = {"named", "-g", "-n", "1", "-c", conf.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawnp(&pid_, "named", &actions, nullptr, const_cast<char* const*>(argv.data()), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot start named";
    // Ready when it answers the first zone's SOA authoritatively.
    dns::QueryOptions q;
    q.recursion_desired = false;
    q.timeout = std::chrono::milliseconds(200);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "named exited at startup; its log:\n" << log_text();
      }
      auto reply = dns::query(endpoint_struct(), options_.zones.front().name, dns::rr_type::kSoa, q);
      if (reply && reply->rcode == dns::rcode::kNoError && reply->authoritative) {
        ready_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "named did not answer on " << endpoint() << " within 10 s; its log:\n" << log_text();
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      bool gone = false;
      for (int i = 0; i < 100 && !gone; ++i) {
        gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (!gone) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
    ready_ = false;
  }

  bool ready() const { return ready_; }
  uint16_t port() const { return options_.port; }
  const std::string& address() const { return options_.address; }
  std::string endpoint() const { return endpoint_struct().label(); }  // "127.0.0.1:PORT", "[::1]:PORT"
  dns::Endpoint endpoint_struct() const { return dns::Endpoint{address(), port()}; }
  const Key& key(std::size_t i = 0) const { return options_.keys.at(i); }
  // The key as core/dns takes it.
  dns::TsigKey tsig_key(std::size_t i = 0) const {
    return dns::TsigKey{.name = key(i).name,
                        .algorithm = dns::parse_tsig_algorithm(key(i).algorithm).value(),
                        .secret = dns::decode_tsig_secret(key(i).secret).value()};
  }
  std::string log_text() const {
    std::ifstream in(dir_ / "named.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The TXT values named serves at name, asked with RD=0 (sorted).
  std::vector<std::string> txt(const std::string& name) const {
    dns::QueryOptions q;
    q.recursion_desired = false;
    q.timeout = std::chrono::milliseconds(2000);
    auto reply = dns::query(endpoint_struct(), name, dns::rr_type::kTxt, q);
    std::vector<std::string> values;
    if (!reply) {
      ADD_FAILURE() << "TXT query for " << name << " at " << endpoint() << ": " << reply.error().detail;
      return values;
    }
    for (const auto* r : reply->records(reply->answer, name, dns::rr_type::kTxt)) values.push_back(r->value);
    std::sort(values.begin(), values.end());
    return values;
  }

 private:
  void write_config() {
    std::ofstream conf(dir_ / "named.conf");
    const std::string d = dir_.string();
    for (const auto& key : options_.keys) {
      conf << "key \"" << key.name << "\" { algorithm " << key.algorithm << "; secret \"" << key.secret << "\"; };\n";
    }
    conf << "options {\n"
         << "  directory \"" << d << "\";\n"
         << "  pid-file \"" << d << "/named.pid\";\n"
         << "  session-keyfile \"" << d << "/session.key\";\n"
         << "  managed-keys-directory \"" << d << "\";\n"
         << (v6() ? "  listen-on { none; };\n  listen-on-v6 port " : "  listen-on port ") << options_.port << " { "
         << options_.address << "; };\n"
         << (v6() ? "" : "  listen-on-v6 { none; };\n")
         << "  recursion no;\n"
         << "  notify no;\n"
         << "  dnssec-validation no;\n"
         << "};\n"
         << "controls { };\n";  // no rndc channel (the default one would take port 953)
    for (const auto& zone : options_.zones) {
      const std::string file = d + "/" + zone.name + ".zone";
      conf << "zone \"" << zone.name << "\" {\n  type primary;\n  file \"" << file << "\";\n"
           << "  update-policy {\n";
      for (const auto& key : options_.keys) conf << "    grant " << key.name << " zonesub TXT;\n";
      conf << "  };\n};\n";
      std::ofstream z(file);
      auto ns = zone.name_servers;
      if (ns.empty()) ns.emplace_back("ns1." + zone.name, options_.address);
      z << "$TTL 300\n"
        << "@ IN SOA " << ns.front().first << ". hostmaster." << zone.name << ". 1 3600 600 86400 60\n";
      for (const auto& [name, address] : ns) z << "@ IN NS " << name << ".\n";
      for (const auto& [name, address] : ns) {
        if (!address.empty() && (name == zone.name || name.ends_with("." + zone.name))) {
          z << name << ". IN " << (address.find(':') != std::string::npos ? "AAAA " : "A ") << address << "\n";  // glue
        }
      }
      z << zone.records << "\n";
    }
  }

  bool v6() const { return options_.address.find(':') != std::string::npos; }

  Options options_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// A test suite sharing one named, started by the suite's first test with
// Derived::bind_options() (so a named that cannot start fails every test,
// none is skipped) and stopped after its last.
template <typename Derived>
class SharedBindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!started_) {
      started_ = true;
      bind_ = new BindServer;
      ASSERT_NO_FATAL_FAILURE(bind_->start(Derived::bind_options()));
    }
    ASSERT_TRUE(bind_ != nullptr && bind_->ready()) << "named did not start (see the first test)";
  }
  static void TearDownTestSuite() {
    delete bind_;
    bind_ = nullptr;
    started_ = false;
  }
  static inline BindServer* bind_ = nullptr;
  static inline bool started_ = false;
};

}  // namespace acmekit::test_support
