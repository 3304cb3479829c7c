// The one listen-address syntax and the one way to bind, used by every
// server in the code base.
#include "core/net/listener.h"

#include <gtest/gtest.h>

namespace acmekit::net {
namespace {

TEST(ListenAddressTest, ParsesHostAndPort) {
  auto v4 = parse_listen_address("127.0.0.1:8080", "test");
  ASSERT_TRUE(v4) << v4.error().message();
  EXPECT_EQ(endpoint_string(v4->endpoint), "127.0.0.1:8080");
  EXPECT_FALSE(v4->dual_stack);

  auto v6 = parse_listen_address("[::1]:443", "test");
  ASSERT_TRUE(v6) << v6.error().message();
  EXPECT_EQ(endpoint_string(v6->endpoint), "[::1]:443");

  auto any6 = parse_listen_address("[::]:0", "test");
  ASSERT_TRUE(any6);
  EXPECT_TRUE(any6->dual_stack);

  auto any4 = parse_listen_address(":80", "test");
  ASSERT_TRUE(any4);
  EXPECT_EQ(endpoint_string(any4->endpoint), "0.0.0.0:80");
}

TEST(ListenAddressTest, RefusesWhatIsNotHostColonPort) {
  // The daemon's old parser took "127.0.0.1:abc" for port 0.
  for (const char* bad : {"127.0.0.1:abc", "127.0.0.1:", "127.0.0.1", "127.0.0.1:70000", "127.0.0.1:-1",
                          "127.0.0.1:80x", "::1:443", "[::1]:x", "localhost:80", "999.1.1.1:80"}) {
    auto parsed = parse_listen_address(bad, "--metrics-listen");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidArgument) << bad;
    EXPECT_NE(parsed.error().detail.find(std::string("\"") + bad + "\" for --metrics-listen"), std::string::npos)
        << parsed.error().detail;
  }
}

TEST(ListenAddressTest, SolverAddressesAndPorts) {
  auto all4 = listen_address("", 80, "http-01");
  ASSERT_TRUE(all4);
  EXPECT_EQ(endpoint_string(all4->endpoint), "0.0.0.0:80");
  auto all = listen_address("::", 443, "tls-alpn-01");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->dual_stack);
  auto bracketed = listen_address("[::1]", 5002, "http-01");
  ASSERT_TRUE(bracketed);
  EXPECT_EQ(endpoint_string(bracketed->endpoint), "[::1]:5002");
  auto bad = listen_address("example.com", 80, "http-01");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);
}

TEST(AcceptorTest, BindsPortZeroAndNamesATakenPort) {
  boost::asio::io_context ioc;
  auto first = Acceptor::open(ioc, *listen_address("127.0.0.1", 0, "first"), "first");
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_NE((*first)->port(), 0);
  EXPECT_EQ((*first)->where(), "127.0.0.1:" + std::to_string((*first)->port()));

  auto second = Acceptor::open(ioc, *listen_address("127.0.0.1", (*first)->port(), "http-01"), "http-01");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::kIo);
  EXPECT_EQ(second.error().detail, "cannot listen on 127.0.0.1:" + std::to_string((*first)->port()) +
                                       " for http-01: Address already in use");
}

}  // namespace
}  // namespace acmekit::net
