#include "client/challenge/http01_standalone.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "core/http/curl_client.h"

namespace acmekit::client::challenge {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const Task kTask{.identifier = "example.com",
                 .challenge_type = wire::ChallengeType::kHttp01,
                 .token = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
                 .key_authorization =
                     "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"};

std::unique_ptr<Http01Standalone> start_server() {
  auto s = Http01Standalone::start("127.0.0.1", 0);
  EXPECT_TRUE(s.has_value()) << s.error().detail;
  return s ? std::move(*s) : nullptr;
}

std::string url(const Http01Standalone& s, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(s.port()) + std::string(path);
}

std::string challenge_url(const Http01Standalone& s, std::string_view token) {
  return url(s, "/.well-known/acme-challenge/" + std::string(token));
}

Result<http::Response> get(const std::string& u, std::string method = "GET") {
  http::CurlClient client({.connect_timeout = 5s, .total_timeout = 10s});
  return client.send({.method = std::move(method), .url = u});
}

TEST(Http01StandaloneTest, ServesExactKeyAuthorization) {
  auto server = start_server();
  ASSERT_TRUE(server);
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(server->type(), wire::ChallengeType::kHttp01);
  ASSERT_TRUE(server->present(kTask).has_value());

  auto res = get(challenge_url(*server, kTask.token));
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, kTask.key_authorization);
  EXPECT_EQ(res->headers.get("content-type"), "text/plain");
}

TEST(Http01StandaloneTest, UnknownTokenAndAfterCleanupIs404) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(kTask).has_value());

  auto unknown = get(challenge_url(*server, "someOtherToken_123"));
  ASSERT_TRUE(unknown.has_value()) << unknown.error().detail;
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body, kTask.key_authorization);

  for (const char* path : {"/", "/.well-known/acme-challenge/", "/.well-known/acme-challenge",
                           "/.well-known/acme-challenge/../acme-challenge/x",
                           "/other/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"}) {
    auto r = get(url(*server, path));
    ASSERT_TRUE(r.has_value()) << r.error().detail;
    EXPECT_EQ(r->status, 404) << path;
  }

  ASSERT_TRUE(server->cleanup(kTask).has_value());
  auto after = get(challenge_url(*server, kTask.token));
  ASSERT_TRUE(after.has_value()) << after.error().detail;
  EXPECT_EQ(after->status, 404);
  // Cleaning up twice is fine.
  EXPECT_TRUE(server->cleanup(kTask).has_value());
}

TEST(Http01StandaloneTest, PostIsNotServed) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(kTask).has_value());
  http::CurlClient client({});
  auto res = client.send({.method = "POST", .url = challenge_url(*server, kTask.token)});
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 404);
}

TEST(Http01StandaloneTest, HeadWorks) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(kTask).has_value());
  auto res = get(challenge_url(*server, kTask.token), "HEAD");
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(res->headers.get("content-length"), std::to_string(kTask.key_authorization.size()));
}

TEST(Http01StandaloneTest, PortAlreadyTakenFailsClearly) {
  auto first = start_server();
  ASSERT_TRUE(first);
  auto second = Http01Standalone::start("127.0.0.1", first->port());
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, ErrorKind::kIo);
  EXPECT_EQ(second.error().detail, "cannot listen on 127.0.0.1:" +
                                       std::to_string(first->port()) +
                                       " for http-01: Address already in use");
}

TEST(Http01StandaloneTest, InvalidAddressAndTokenRejected) {
  auto bad = Http01Standalone::start("not-an-address", 0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidArgument);

  auto server = start_server();
  ASSERT_TRUE(server);
  Task t = kTask;
  t.token = "../etc/passwd";
  auto st = server->present(t);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument);
}

TEST(Http01StandaloneTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(kTask).has_value());
  asio::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get,
                                          "/.well-known/acme-challenge/" + kTask.token, 11);
    req.set(bhttp::field::host, "example.com");
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), kTask.key_authorization);
    EXPECT_TRUE(res.keep_alive());
  }
}

// The listener refuses it by itself (RFC 9110 §15.5.20: 431), closes the
// connection and goes on serving; no token is ever given out for it.
TEST(Http01StandaloneTest, OversizedRequestIsRefusedAndServerKeepsServing) {
  auto server = start_server();
  ASSERT_TRUE(server);
  ASSERT_TRUE(server->present(kTask).has_value());
  {
    asio::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    std::string raw = "GET /.well-known/acme-challenge/" + kTask.token +
                      " HTTP/1.1\r\nHost: example.com\r\n";
    for (int i = 0; i < 16; ++i) raw += "X-Junk-" + std::to_string(i) + ": " + std::string(4000, 'a') + "\r\n";
    raw += "\r\n";
    beast::error_code ec;
    asio::write(sock, asio::buffer(raw), ec);  // may fail half-way when the server closes
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res, ec);
    if (!ec) {
      EXPECT_EQ(res.result_int(), 431);
      EXPECT_FALSE(res.keep_alive());
      EXPECT_EQ(res.body().find(kTask.key_authorization), std::string::npos);
    }
  }
  auto ok = get(challenge_url(*server, kTask.token));
  ASSERT_TRUE(ok.has_value()) << ok.error().detail;
  EXPECT_EQ(ok->status, 200);
}

TEST(Http01StandaloneTest, ManyConcurrentClients) {
  auto server = start_server();
  ASSERT_TRUE(server);
  constexpr int kThreads = 16;
  constexpr int kRequests = 20;
  std::vector<Task> tasks;
  for (int i = 0; i < kThreads; ++i) {
    Task t = kTask;
    t.token = "token_" + std::to_string(i);
    t.key_authorization = t.token + ".thumbprint-" + std::to_string(i);
    ASSERT_TRUE(server->present(t).has_value());
    tasks.push_back(t);
  }
  // Also hold idle connections open while the others are served.
  asio::io_context ioc;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 32; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  }
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      http::CurlClient client({.connect_timeout = 5s, .total_timeout = 10s});
      for (int j = 0; j < kRequests; ++j) {
        auto res = client.send({.url = challenge_url(*server, tasks[i].token)});
        if (res && res->status == 200 && res->body == tasks[i].key_authorization) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good, kThreads * kRequests);
}

TEST(Http01StandaloneTest, DestructorReturnsPromptlyWithOpenConnections) {
  auto server = start_server();
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  asio::io_context ioc;
  tcp::socket idle(ioc);
  idle.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::this_thread::sleep_for(50ms);  // let the server accept it
  const auto t0 = std::chrono::steady_clock::now();
  server.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  // The port is free again and the idle connection was closed.
  char c;
  beast::error_code ec;
  idle.read_some(asio::buffer(&c, 1), ec);
  EXPECT_TRUE(ec);
  auto again = Http01Standalone::start("127.0.0.1", port);
  EXPECT_TRUE(again.has_value()) << again.error().detail;
}

}  // namespace
}  // namespace acmekit::client::challenge
