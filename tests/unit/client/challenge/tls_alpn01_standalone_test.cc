#include "client/challenge/tls_alpn01_standalone.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/digest.h"
#include "core/crypto/tls_alpn_probe.h"

namespace acmekit::client::challenge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kThumbprint[] = "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

Task task_for(const std::string& identifier, const std::string& token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA") {
  return Task{.identifier = identifier,
              .challenge_type = wire::ChallengeType::kTlsAlpn01,
              .token = token,
              .key_authorization = token + "." + kThumbprint};
}

std::unique_ptr<TlsAlpn01Standalone> start_server(const std::string& address = "127.0.0.1",
                                                  std::chrono::milliseconds timeout = TlsAlpn01Standalone::kHandshakeTimeout) {
  auto s = TlsAlpn01Standalone::start(address, 0, timeout);
  EXPECT_TRUE(s.has_value()) << s.error().detail;
  return s ? std::move(*s) : nullptr;
}

Result<crypto::AlpnProbeResult> probe(const TlsAlpn01Standalone& s, const std::string& sni,
                                      const std::string& address = "127.0.0.1") {
  return crypto::probe_tls_alpn(address, s.port(), sni, 5s);
}

// What RFC 8737 §3 (RFC 8738 §6 for IPs) has a validator check.
void expect_challenge_certificate(const Result<crypto::AlpnProbeResult>& r, const Task& task) {
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->alpn, "acme-tls/1");
  EXPECT_EQ(r->subject_alt_name_count, 1u);
  if (task.identifier.find_first_not_of("0123456789.:abcdef") == std::string::npos) {
    EXPECT_EQ(r->leaf.ip_addresses, std::vector<std::string>{task.identifier});
    EXPECT_TRUE(r->leaf.dns_names.empty());
  } else {
    EXPECT_EQ(r->leaf.dns_names, std::vector<std::string>{task.identifier});
    EXPECT_TRUE(r->leaf.ip_addresses.empty());
  }
  EXPECT_TRUE(r->acme_identifier_present);
  EXPECT_TRUE(r->acme_identifier_critical);
  EXPECT_EQ(r->acme_identifier, crypto::sha256(task.key_authorization));
}

// `openssl s_client` as an independent validator: its whole output, the
// served certificate's `openssl x509 -text` dump appended.
struct SClient {
  int status = -1;
  std::string output;
  std::string cert_text;
};

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

SClient s_client(uint16_t port, const std::string& sni, const std::string& alpn) {
  SClient r;
  std::string cmd = "openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -servername " + sni;
  if (!alpn.empty()) cmd += " -alpn " + alpn;
  r.output = run(cmd + " </dev/null 2>&1", &r.status);
  const auto begin = r.output.find("-----BEGIN CERTIFICATE-----");
  const auto end = r.output.find("-----END CERTIFICATE-----");
  if (begin == std::string::npos || end == std::string::npos) return r;
  const auto path = std::filesystem::temp_directory_path() /
                    ("tls-alpn-test-" + std::to_string(::getpid()) + "-" + std::to_string(port) + ".pem");
  std::ofstream(path) << r.output.substr(begin, end + 25 - begin) << "\n";
  r.cert_text = run("openssl x509 -noout -text -certopt ext_dump -in " + path.string() + " 2>&1", nullptr);
  std::filesystem::remove(path);
  return r;
}

// The hex of the DER OCTET STRING holding SHA-256(key authorization), the
// acmeIdentifier extnValue (RFC 8737 §3).
std::string expected_extn_value_hex(const std::string& key_authorization) {
  const std::string der = std::string("\x04\x20", 2) + crypto::sha256(key_authorization);
  std::string hex;
  char two[3];
  for (unsigned char c : der) {
    std::snprintf(two, sizeof two, "%02x", c);
    hex += two;
  }
  return hex;
}

// The acmeIdentifier extnValue as `openssl x509 -certopt ext_dump` prints
// it: rows "0000 - 04 20 94 23 ...-... 69   <ascii>", 13 bytes each, the hex
// part 39 columns wide.
std::string dumped_acme_identifier_hex(const std::string& cert_text) {
  const auto at = cert_text.find("1.3.6.1.5.5.7.1.31: critical\n");
  if (at == std::string::npos) return {};
  std::string hex;
  size_t line = cert_text.find('\n', at) + 1;
  while (line < cert_text.size()) {
    const size_t end = cert_text.find('\n', line);
    const std::string row = cert_text.substr(line, end - line);
    const auto dash = row.find(" - ");
    if (dash == std::string::npos) break;
    for (char c : row.substr(dash + 3, 39)) {
      if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    }
    if (end == std::string::npos) break;
    line = end + 1;
  }
  return hex;
}

// A raw TCP connection to 127.0.0.1:port (or -1).
int tcp_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    fd = -1;
  }
  return fd;
}

// True once the server closed fd (read sees EOF or a reset) within timeout.
bool closed_by_server(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  char buf[512];
  while (Clock::now() < deadline) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return true;  // EOF or reset; data (an alert) -> keep reading
  }
  return false;
}

TEST(TlsAlpn01StandaloneTest, ServesTheRfc8737CertificateForADnsName) {
  auto server = start_server();
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->type(), wire::ChallengeType::kTlsAlpn01);
  const Task task = task_for("example.test");
  ASSERT_TRUE(server->present(task).has_value());
  expect_challenge_certificate(probe(*server, "example.test"), task);
  // SNI is compared without regard to case (RFC 4343).
  expect_challenge_certificate(probe(*server, "Example.TEST"), task);
}

TEST(TlsAlpn01StandaloneTest, OpensslSClientSeesAcmeTlsAndTheCertificate) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const Task dns = task_for("example.test");
  const Task ip = task_for("127.0.0.1", "ip-token_0123456789abcdefghijklmnopqrstu");
  ASSERT_TRUE(server->present(dns).has_value());
  ASSERT_TRUE(server->present(ip).has_value());

  auto r = s_client(server->port(), "example.test", "acme-tls/1");
  EXPECT_NE(r.output.find("ALPN protocol: acme-tls/1"), std::string::npos) << r.output;
  EXPECT_NE(r.cert_text.find("X509v3 Subject Alternative Name: critical\n                DNS:example.test\n"),
            std::string::npos)
      << r.cert_text;
  EXPECT_NE(r.cert_text.find("1.3.6.1.5.5.7.1.31: critical"), std::string::npos) << r.cert_text;
  EXPECT_EQ(dumped_acme_identifier_hex(r.cert_text), expected_extn_value_hex(dns.key_authorization)) << r.cert_text;
  EXPECT_NE(r.cert_text.find("Public Key Algorithm: id-ecPublicKey"), std::string::npos);
  EXPECT_NE(r.cert_text.find("NIST CURVE: P-256"), std::string::npos);

  auto v4 = s_client(server->port(), "1.0.0.127.in-addr.arpa", "acme-tls/1");
  EXPECT_NE(v4.output.find("ALPN protocol: acme-tls/1"), std::string::npos) << v4.output;
  EXPECT_NE(v4.cert_text.find("X509v3 Subject Alternative Name: critical\n                IP Address:127.0.0.1\n"),
            std::string::npos)
      << v4.cert_text;
  EXPECT_EQ(dumped_acme_identifier_hex(v4.cert_text), expected_extn_value_hex(ip.key_authorization))
      << v4.cert_text;
}

TEST(TlsAlpn01StandaloneTest, Ipv4IdentifierAnswersItsReverseName) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const Task task = task_for("127.0.0.1");
  ASSERT_TRUE(server->present(task).has_value());
  expect_challenge_certificate(probe(*server, "1.0.0.127.in-addr.arpa"), task);
  // RFC 8738 §6: the address itself is no SNI.
  auto literal = probe(*server, "127.0.0.1");
  ASSERT_FALSE(literal.has_value());
  EXPECT_EQ(literal.error().kind, ErrorKind::kProtocol);
}

TEST(TlsAlpn01StandaloneTest, Ipv6IdentifierOnIpv6Listener) {
  auto server = start_server("::1");
  ASSERT_TRUE(server);
  const Task task = task_for("::1");
  ASSERT_TRUE(server->present(task).has_value());
  std::string sni = "1.";
  for (int i = 0; i < 31; ++i) sni += "0.";
  sni += "ip6.arpa";
  expect_challenge_certificate(probe(*server, sni, "::1"), task);
}

TEST(TlsAlpn01StandaloneTest, AllAddressesListenerServesIpv4AndIpv6) {
  auto server = start_server("::");
  ASSERT_TRUE(server);
  const Task v4 = task_for("127.0.0.1");
  const Task v6 = task_for("::1", "v6-token_0123456789abcdefghijklmnopqrstuv");
  ASSERT_TRUE(server->present(v4).has_value());
  ASSERT_TRUE(server->present(v6).has_value());
  expect_challenge_certificate(probe(*server, "1.0.0.127.in-addr.arpa", "127.0.0.1"), v4);
  expect_challenge_certificate(
      probe(*server, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa", "::1"), v6);
}

TEST(TlsAlpn01StandaloneTest, UnknownSniFailsTheHandshake) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(task_for("example.test")).has_value());
  auto r = probe(*server, "other.example.test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  EXPECT_NE(r.error().detail.find("unrecognized name"), std::string::npos) << r.error().detail;

  auto s = s_client(server->port(), "other.example.test", "acme-tls/1");
  EXPECT_NE(s.status, 0);
  EXPECT_EQ(s.cert_text, "") << s.output;
}

TEST(TlsAlpn01StandaloneTest, NoAlpnOrAnotherProtocolFails) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(task_for("example.test")).has_value());
  for (const char* alpn : {"", "h2", "http/1.1"}) {
    SCOPED_TRACE(alpn);
    auto s = s_client(server->port(), "example.test", alpn);
    EXPECT_NE(s.status, 0) << s.output;
    EXPECT_EQ(s.cert_text, "") << s.output;
    EXPECT_NE(s.output.find("no application protocol"), std::string::npos) << s.output;
  }
  // acme-tls/1 among others is fine.
  auto s = s_client(server->port(), "example.test", "h2,acme-tls/1");
  EXPECT_NE(s.output.find("ALPN protocol: acme-tls/1"), std::string::npos) << s.output;
}

TEST(TlsAlpn01StandaloneTest, AfterCleanupTheHandshakeFails) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const Task task = task_for("example.test");
  ASSERT_TRUE(server->present(task).has_value());
  expect_challenge_certificate(probe(*server, "example.test"), task);
  ASSERT_TRUE(server->cleanup(task).has_value());
  auto r = probe(*server, "example.test");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kProtocol);
  // Cleaning up twice, or what was never presented, is fine.
  EXPECT_TRUE(server->cleanup(task).has_value());
  EXPECT_TRUE(server->cleanup(task_for("never.example.test")).has_value());
}

TEST(TlsAlpn01StandaloneTest, PortAlreadyTakenFailsClearly) {
  auto first = start_server();
  ASSERT_TRUE(first);
  auto second = TlsAlpn01Standalone::start("127.0.0.1", first->port());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, ErrorKind::kIo);
  EXPECT_EQ(second.error().detail,
            "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + " for tls-alpn-01: Address already in use");
}

TEST(TlsAlpn01StandaloneTest, InvalidAddressAndIdentifierRejected) {
  auto bad = TlsAlpn01Standalone::start("not-an-address", 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(bad.error().detail, "invalid listen address \"not-an-address\" for tls-alpn-01: the host must be an IP address");

  auto server = start_server();
  ASSERT_TRUE(server);
  auto r = server->present(task_for("bad name"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_TRUE(r.error().detail.starts_with("tls-alpn-01 for bad name: ")) << r.error().detail;
  EXPECT_FALSE(server->present(task_for("")).has_value());
}

TEST(TlsAlpn01StandaloneTest, TwoNamesAtOnce) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const Task a = task_for("a.example.test", "token-a_0123456789abcdefghijklmnopqrstuvw");
  const Task b = task_for("b.example.test", "token-b_0123456789abcdefghijklmnopqrstuvw");
  ASSERT_TRUE(server->present(a).has_value());
  ASSERT_TRUE(server->present(b).has_value());
  expect_challenge_certificate(probe(*server, "a.example.test"), a);
  expect_challenge_certificate(probe(*server, "b.example.test"), b);
  ASSERT_TRUE(server->cleanup(a).has_value());
  EXPECT_FALSE(probe(*server, "a.example.test").has_value());
  expect_challenge_certificate(probe(*server, "b.example.test"), b);
}

TEST(TlsAlpn01StandaloneTest, ConcurrentPresentsProbesAndCleanups) {
  auto server = start_server();
  ASSERT_TRUE(server);
  constexpr int kThreads = 8, kNames = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kNames; ++n) {
        const std::string id = "n" + std::to_string(n) + ".t" + std::to_string(t) + ".example.test";
        const Task task = task_for(id, "tok" + std::to_string(t) + "x" + std::to_string(n) + "_abcdefghijklmnopqrstuvwxyz");
        if (!server->present(task)) ++failures;
        auto r = probe(*server, id);
        if (!r || r->acme_identifier != crypto::sha256(task.key_authorization) || r->leaf.dns_names.size() != 1 ||
            r->leaf.dns_names[0] != id) {
          ++failures;
        }
        if (n % 2 == 1) {
          if (!server->cleanup(task) || probe(*server, id).has_value()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // What was not cleaned up is still served.
  const Task kept = task_for("n0.t3.example.test", "tok3x0_abcdefghijklmnopqrstuvwxyz");
  expect_challenge_certificate(probe(*server, "n0.t3.example.test"), kept);
}

TEST(TlsAlpn01StandaloneTest, SilentAndGarbageClientsDoNotBlockOthers) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const Task task = task_for("example.test");
  ASSERT_TRUE(server->present(task).has_value());

  const int silent = tcp_connect(server->port());
  ASSERT_GE(silent, 0);
  const int garbage = tcp_connect(server->port());
  ASSERT_GE(garbage, 0);
  const std::string junk = "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n";
  ASSERT_EQ(::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL), static_cast<ssize_t>(junk.size()));
  // A TLS record header announcing more than ever comes.
  const int partial = tcp_connect(server->port());
  ASSERT_GE(partial, 0);
  const char header[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
  ASSERT_EQ(::send(partial, header, sizeof header, MSG_NOSIGNAL), static_cast<ssize_t>(sizeof header));

  const auto begin = Clock::now();
  auto r = crypto::probe_tls_alpn("127.0.0.1", server->port(), "example.test", 2s);
  expect_challenge_certificate(r, task);
  EXPECT_LT(Clock::now() - begin, 1s);
  // Garbage is refused at once; the silent ones are still waiting.
  EXPECT_TRUE(closed_by_server(garbage, 2s));
  ::close(garbage);
  ::close(silent);
  ::close(partial);
}

TEST(TlsAlpn01StandaloneTest, HandshakeDeadlineClosesSilentClients) {
  auto server = start_server("127.0.0.1", 200ms);
  ASSERT_TRUE(server);
  const int silent = tcp_connect(server->port());
  ASSERT_GE(silent, 0);
  const auto begin = Clock::now();
  EXPECT_TRUE(closed_by_server(silent, 3s));
  const auto took = Clock::now() - begin;
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
  ::close(silent);
}

TEST(TlsAlpn01StandaloneTest, StopsCleanlyWithOpenConnections) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  const int silent = tcp_connect(port);
  ASSERT_GE(silent, 0);
  ASSERT_TRUE(server->present(task_for("example.test")).has_value());
  const auto begin = Clock::now();
  server.reset();
  EXPECT_LT(Clock::now() - begin, 1s);
  EXPECT_TRUE(closed_by_server(silent, 1s));
  ::close(silent);
  // The port is free again.
  auto again = TlsAlpn01Standalone::start("127.0.0.1", port);
  EXPECT_TRUE(again.has_value()) << again.error().detail;
}

}  // namespace
}  // namespace acmekit::client::challenge
