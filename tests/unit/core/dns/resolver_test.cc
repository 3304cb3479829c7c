#include "core/dns/resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "../../server/va/challtestsrv.h"

namespace acmekit::dns {
namespace {

using std::chrono::milliseconds;

class DnsResolverTest : public test_support::ChallTestSrvTest {
 protected:
  Resolver resolver() const { return Resolver({srv_->dns_server()}, milliseconds(2000)); }
};

// A UDP socket on 127.0.0.1 that never answers.
struct SilentServer {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::string address;
  SilentServer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~SilentServer() { ::close(fd); }
};

// A scripted DNS server on one 127.0.0.1 port: over UDP it answers every
// query with NXDOMAIN, or with an empty truncated (TC) answer; over TCP with
// one TXT record "via-tcp" (RFC 1035 §4.1 messages built by hand).
class ScriptedDns {
 public:
  enum class Udp { kNxDomain, kTruncated };
  explicit ScriptedDns(Udp mode) : mode_(mode) {
    udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(udp_, reinterpret_cast<sockaddr*>(&a), len);
    ::getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
    ok_ = ::bind(tcp_, reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(tcp_, 4) == 0;
    address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedDns() {
    stop_ = true;
    thread_.join();
    ::close(udp_);
    ::close(tcp_);
  }
  bool ok() const { return ok_; }
  const std::string& address() const { return address_; }
  int tcp_queries() const { return tcp_queries_; }

 private:
  // Header (ID of the query, QR RD + rcode/TC, QDCOUNT 1, ANCOUNT) + question.
  static std::string reply(const std::string& query, uint8_t flags2, bool tc, bool with_txt) {
    std::string out = query.substr(0, 2);
    out.push_back(static_cast<char>(0x81 | (tc ? 0x02 : 0)));  // QR, RD, TC
    out.push_back(static_cast<char>(flags2));
    out += std::string("\0\1\0", 3) + static_cast<char>(with_txt ? 1 : 0) + std::string(4, '\0');
    out += query.substr(12);
    if (with_txt) {  // name = pointer to the question, TXT IN, TTL 0, "via-tcp"
      out += std::string("\xc0\x0c\0\x10\0\x01\0\0\0\0\0\x08\x07via-tcp", 20);
    }
    return out;
  }
  void serve() {
    while (!stop_) {
      pollfd p[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (::poll(p, 2, 20) <= 0) continue;
      char buf[1024];
      if (p[0].revents & POLLIN) {
        sockaddr_in from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(udp_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 12) continue;
        const std::string out = mode_ == Udp::kNxDomain ? reply(std::string(buf, n), 3, false, false)
                                                        : reply(std::string(buf, n), 0, true, false);
        ::sendto(udp_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
      if (p[1].revents & POLLIN) {
        const int c = ::accept(tcp_, nullptr, nullptr);
        unsigned char length[2] = {};
        ssize_t n = ::recv(c, length, 2, MSG_WAITALL);
        if (n == 2) n = ::recv(c, buf, std::min<std::size_t>(sizeof buf, length[0] << 8 | length[1]), MSG_WAITALL);
        if (n > 12) {
          ++tcp_queries_;
          const std::string out = reply(std::string(buf, n), 0, false, true);
          const std::string framed = std::string{static_cast<char>(out.size() >> 8), static_cast<char>(out.size())} + out;
          ::send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    }
  }
  Udp mode_;
  int udp_ = -1, tcp_ = -1;
  bool ok_ = false;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::atomic<int> tcp_queries_{0};
  std::thread thread_;
};

TEST_F(DnsResolverTest, TxtReturnsEveryRecordFollowingCname) {
  srv_->post("set-cname", R"({"host":"alias.txt.test.","target":"real.txt.test."})");
  srv_->post("set-txt", R"({"host":"real.txt.test.","value":"first"})");
  srv_->post("set-txt", R"({"host":"real.txt.test.","value":"second"})");
  auto answer = resolver().lookup_txt("alias.txt.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  auto values = answer->values;
  std::ranges::sort(values);
  EXPECT_EQ(values, (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE(answer->nxdomain);
  EXPECT_EQ(answer->server, srv_->dns_server());
  EXPECT_EQ(answer->name, "real.txt.test");  // where the CNAME chain ends
}

TEST_F(DnsResolverTest, AAndAaaaLookups) {
  srv_->post("add-a", R"({"host":"addr.test.","addresses":["10.1.2.3","10.1.2.4"]})");
  srv_->post("add-aaaa", R"({"host":"addr.test.","addresses":["2001:db8::1"]})");
  auto a = resolver().lookup_a("addr.test");
  ASSERT_TRUE(a.has_value()) << a.error().message();
  auto v4 = a->values;
  std::ranges::sort(v4);
  EXPECT_EQ(v4, (std::vector<std::string>{"10.1.2.3", "10.1.2.4"}));
  auto aaaa = resolver().lookup_aaaa("addr.test");
  ASSERT_TRUE(aaaa.has_value()) << aaaa.error().message();
  EXPECT_EQ(aaaa->values, (std::vector<std::string>{"2001:db8::1"}));
}

TEST_F(DnsResolverTest, NoRecordsIsAnEmptyAnswer) {
  auto answer = resolver().lookup_txt("nothing.here.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_TRUE(answer->values.empty());
  EXPECT_FALSE(answer->nxdomain);
}

TEST_F(DnsResolverTest, ServfailIsANetworkErrorNamingTheServer) {
  srv_->post("set-servfail", R"({"host":"broken.test."})");
  auto answer = resolver().lookup_txt("broken.test");
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(answer.error().detail.find("SERVFAIL"), std::string::npos) << answer.error().detail;
  EXPECT_NE(answer.error().detail.find(srv_->dns_server()), std::string::npos) << answer.error().detail;
  EXPECT_NE(answer.error().detail.find("broken.test"), std::string::npos) << answer.error().detail;
}

TEST_F(DnsResolverTest, SilentServerTimesOutAndTheNextServerAnswers) {
  SilentServer silent;
  Resolver alone({silent.address}, milliseconds(200));
  auto timed_out = alone.lookup_a("addr.test");
  ASSERT_FALSE(timed_out.has_value());
  EXPECT_EQ(timed_out.error().kind, ErrorKind::kTimeout);
  EXPECT_NE(timed_out.error().detail.find(silent.address), std::string::npos) << timed_out.error().detail;

  Resolver both({silent.address, srv_->dns_server()}, milliseconds(200));
  srv_->post("add-a", R"({"host":"second.test.","addresses":["10.9.9.9"]})");
  auto answer = both.lookup_a("second.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_EQ(answer->values, (std::vector<std::string>{"10.9.9.9"}));
  EXPECT_EQ(answer->server, srv_->dns_server());
}

TEST(DnsResolverScriptedTest, NxdomainIsAnAnswer) {
  ScriptedDns dns(ScriptedDns::Udp::kNxDomain);
  ASSERT_TRUE(dns.ok());
  auto answer = Resolver({dns.address()}, milliseconds(2000)).lookup_a("gone.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_TRUE(answer->nxdomain);
  EXPECT_TRUE(answer->values.empty());
  EXPECT_EQ(answer->server, dns.address());
}

TEST(DnsResolverScriptedTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  ScriptedDns dns(ScriptedDns::Udp::kTruncated);
  ASSERT_TRUE(dns.ok());
  auto answer = Resolver({dns.address()}, milliseconds(2000)).lookup_txt("big.test");
  ASSERT_TRUE(answer.has_value()) << answer.error().message();
  EXPECT_EQ(answer->values, (std::vector<std::string>{"via-tcp"}));
  EXPECT_EQ(dns.tcp_queries(), 1);
}

TEST(DnsResolverScriptedTest, ClosedPortIsANetworkError) {
  const std::string closed = "127.0.0.1:" + std::to_string(test_support::free_loopback_port());
  auto answer = Resolver({closed}, milliseconds(2000)).lookup_a("x.test");
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kUnavailable) << answer.error().detail;
  EXPECT_NE(answer.error().detail.find(closed), std::string::npos) << answer.error().detail;
}

TEST(DnsResolverScriptedTest, ServerMustBeAnIpAddress) {
  auto answer = Resolver({"dns.example:53"}, milliseconds(200)).lookup_a("x.test");
  ASSERT_FALSE(answer.has_value());
  EXPECT_EQ(answer.error().kind, ErrorKind::kInvalidArgument);
  auto bad_port = Resolver({"127.0.0.1:99999"}, milliseconds(200)).lookup_a("x.test");
  ASSERT_FALSE(bad_port.has_value());
  EXPECT_EQ(bad_port.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace acmekit::dns
