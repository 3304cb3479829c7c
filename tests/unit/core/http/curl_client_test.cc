#include "core/http/curl_client.h"

#include "../../tls_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace acmekit::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

using BeastRequest = bhttp::request<bhttp::string_body>;

// A tiny loopback HTTP/1.1 server for the tests. The handler returns the raw
// bytes of the response, so tests control every header. Keep-alive is
// honoured; connections are counted.
class TestServer {
 public:
  using Handler = std::function<std::string(const BeastRequest&)>;

  explicit TestServer(Handler handler) : handler_(std::move(handler)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~TestServer() {
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  int connections() const { return connections_; }

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(tcp::socket s, TestServer* server) : socket(std::move(s)), server(server) {}
    void read() {
      req = {};
      bhttp::async_read(socket, buffer, req,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return;
                          self->out = self->server->handler_(self->req);
                          asio::async_write(self->socket, asio::buffer(self->out),
                                            [self](beast::error_code ec, size_t) {
                                              if (!ec) self->read();
                                            });
                        });
    }
    tcp::socket socket;
    TestServer* server;
    beast::flat_buffer buffer;
    BeastRequest req;
    std::string out;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      ++connections_;
      std::make_shared<Conn>(std::move(s), this)->read();
      accept();
    });
  }

  Handler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  std::thread thread_;
  std::atomic<int> connections_{0};
};

std::string response(int status, std::string_view reason,
                     std::vector<std::pair<std::string, std::string>> headers,
                     std::string_view body, bool head = false) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head) r += body;
  return r;
}

uint16_t free_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

TEST(CurlClientTest, GetCollectsStatusHeadersInOrderAndBody) {
  TestServer server([](const BeastRequest&) {
    return response(201, "Created",
                    {{"Link", "<https://a/1>;rel=\"up\""},
                     {"Replay-Nonce", "abc"},
                     {"LINK", "<https://a/2>;rel=\"alternate\""},
                     {"Link", "<https://a/3>;rel=\"alternate\""}},
                    "hello");
  });
  CurlClient client({});
  auto res = client.send({.method = "GET", .url = server.url("/x")});
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(res->headers.get("replay-nonce"), "abc");
  EXPECT_EQ(res->headers.get_all("Link"),
            (std::vector<std::string>{"<https://a/1>;rel=\"up\"", "<https://a/2>;rel=\"alternate\"",
                                      "<https://a/3>;rel=\"alternate\""}));
  for (const auto& [name, value] : res->headers.items) {
    for (char c : name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << name;
  }
}

TEST(CurlClientTest, OnlyFinalResponseHeadersRemain) {
  // A 1xx interim response with its own headers, then the real one.
  TestServer server([](const BeastRequest&) {
    return "HTTP/1.1 103 Early Hints\r\nLink: <https://early>\r\nX-Early: 1\r\n\r\n" +
           response(200, "OK", {{"Link", "<https://final>"}}, "ok");
  });
  CurlClient client({});
  auto res = client.send({.url = server.url("/")});
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->headers.get_all("link"), std::vector<std::string>{"<https://final>"});
  EXPECT_FALSE(res->headers.get("x-early").has_value());
}

TEST(CurlClientTest, PostSendsBodyHeadersAndUserAgent) {
  BeastRequest seen;
  TestServer server([&](const BeastRequest& req) {
    seen = req;
    return response(200, "OK", {}, "");
  });
  CurlClient client({.user_agent = "acmekit-test/9"});
  Request req{.method = "POST", .url = server.url("/new-order"), .body = "{\"a\":1}"};
  req.headers.add("Content-Type", "application/jose+json");
  auto res = client.send(req);
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(seen.method(), bhttp::verb::post);
  EXPECT_EQ(seen.target(), "/new-order");
  EXPECT_EQ(seen.body(), "{\"a\":1}");
  EXPECT_EQ(seen[bhttp::field::content_type], "application/jose+json");
  EXPECT_EQ(seen[bhttp::field::user_agent], "acmekit-test/9");
  EXPECT_EQ(seen.count(bhttp::field::expect), 0u);
}

TEST(CurlClientTest, HeadReturnsHeadersWithoutBody) {
  bhttp::verb method{};
  TestServer server([&](const BeastRequest& req) {
    method = req.method();
    return response(200, "OK", {{"Replay-Nonce", "n1"}}, "12345", /*head=*/true);
  });
  CurlClient client({});
  auto res = client.send({.method = "HEAD", .url = server.url("/new-nonce")});
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(method, bhttp::verb::head);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(res->headers.get("content-length"), "5");
  EXPECT_EQ(res->headers.get("replay-nonce"), "n1");
}

TEST(CurlClientTest, RedirectsAreNotFollowed) {
  std::atomic<int> requests{0};
  TestServer server([&](const BeastRequest&) {
    ++requests;
    return response(302, "Found", {{"Location", "/elsewhere"}}, "");
  });
  CurlClient client({});
  auto res = client.send({.url = server.url("/start")});
  ASSERT_TRUE(res.has_value()) << res.error().detail;
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->headers.get("location"), "/elsewhere");
  EXPECT_EQ(requests, 1);
}

TEST(CurlClientTest, ReusesTheConnection) {
  TestServer server([](const BeastRequest&) { return response(200, "OK", {}, "x"); });
  CurlClient client({});
  for (int i = 0; i < 3; ++i) {
    auto res = client.send({.url = server.url("/")});
    ASSERT_TRUE(res.has_value()) << res.error().detail;
    // Headers from the previous request must not leak into this one.
    EXPECT_EQ(res->headers.get_all("content-length").size(), 1u);
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(CurlClientTest, UnreachablePortIsNetworkError) {
  const std::string url = "http://127.0.0.1:" + std::to_string(free_port()) + "/dir";
  CurlClient client({.connect_timeout = 2s});
  auto res = client.send({.url = url});
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(res.error().detail.find(url), std::string::npos) << res.error().detail;
  EXPECT_EQ(res.error().detail.find('\n'), std::string::npos);
}

TEST(CurlClientTest, SilentServerTimesOut) {
  // Listens (the kernel completes the handshake) but never answers.
  asio::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/";
  CurlClient client({.total_timeout = 300ms});
  const auto t0 = std::chrono::steady_clock::now();
  auto res = client.send({.url = url});
  ASSERT_FALSE(res.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(res.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(res.error().detail.find("timed out"), std::string::npos) << res.error().detail;
}

TEST(CurlClientTest, MissingCaBundleIsInvalidArgumentNamingTheFile) {
  const std::string path = "/nonexistent/acmekit-test-ca.pem";
  auto created = CurlClient::create({.ca_bundle = path});
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(created.error().detail.find(path), std::string::npos);

  CurlClient client({.ca_bundle = path});
  auto res = client.send({.url = "https://127.0.0.1:1/"});
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(res.error().detail.find(path), std::string::npos);
}

TEST(CurlClientTest, UnsupportedMethodRejected) {
  CurlClient client({});
  auto res = client.send({.method = "BREW", .url = "http://127.0.0.1:1/"});
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error().kind, ErrorKind::kInvalidArgument);
}

TEST(CurlClientTest, UntrustedCertificateFailsThenCaBundleMakesItTrusted) {
  // scripts/install-deps installs openssl; a missing one is a failure, not a skip.
  test_support::TlsServer tls;
  ASSERT_NO_FATAL_FAILURE(tls.start());
  ASSERT_TRUE(tls.ready()) << "openssl s_server did not start";

  {
    CurlClient client({.connect_timeout = 5s, .total_timeout = 10s});
    auto res = client.send({.url = tls.url()});
    ASSERT_FALSE(res.has_value());
    EXPECT_EQ(res.error().kind, ErrorKind::kUnavailable);
    const std::string& d = res.error().detail;
    EXPECT_NE(d.find("TLS certificate of " + tls.url() + " is not trusted"), std::string::npos)
        << d;
    EXPECT_NE(d.find("--ca-bundle"), std::string::npos) << d;
    EXPECT_EQ(d.find('\n'), std::string::npos) << d;
  }
  {
    auto client = CurlClient::create(
        {.ca_bundle = tls.cert().string(), .connect_timeout = 5s, .total_timeout = 10s});
    ASSERT_TRUE(client.has_value()) << client.error().detail;
    auto res = (*client)->send({.url = tls.url()});
    ASSERT_TRUE(res.has_value()) << res.error().detail;
    EXPECT_EQ(res->status, 200);
    EXPECT_FALSE(res->body.empty());
  }
}

// The system store is read through its hashed directory (ClientOptions::
// system_store_dir): a certificate linked there by `openssl rehash` is
// trusted without --ca-bundle; a directory with no hash links is not used,
// and curl's default bundle file (which does not hold it) decides.
TEST(CurlClientTest, TheSystemStoreIsReadFromItsHashedDirectory) {
  test_support::TlsServer tls;
  ASSERT_NO_FATAL_FAILURE(tls.start());
  ASSERT_TRUE(tls.ready()) << "openssl s_server did not start";
  const std::filesystem::path base = std::filesystem::path(::testing::TempDir()) /
                                     ("acmekit-store-" + std::to_string(::getpid()));
  const std::filesystem::path hashed = base / "hashed", plain = base / "plain";
  std::filesystem::create_directories(hashed);
  std::filesystem::create_directories(plain);
  std::filesystem::copy_file(tls.cert(), hashed / "test-ca.pem");
  std::filesystem::copy_file(tls.cert(), plain / "test-ca.pem");
  const std::string rehash = "openssl rehash " + hashed.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(rehash.c_str()), 0) << rehash;
  {
    CurlClient client({.system_store_dir = hashed.string(), .connect_timeout = 5s, .total_timeout = 10s});
    auto res = client.send({.url = tls.url()});
    ASSERT_TRUE(res.has_value()) << res.error().detail;
    EXPECT_EQ(res->status, 200);
  }
  {
    CurlClient client({.system_store_dir = plain.string(), .connect_timeout = 5s, .total_timeout = 10s});
    auto res = client.send({.url = tls.url()});
    ASSERT_FALSE(res.has_value());
    EXPECT_NE(res.error().detail.find("is not trusted"), std::string::npos) << res.error().detail;
  }
  {
    // ca_bundle_only: the hashed directory is not the system store's to use.
    const std::string other = (base / "other.pem").string();
    ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null "
                           "-subj /CN=other -days 1 -out " + other + " >/dev/null 2>&1").c_str()), 0);
    CurlClient client({.ca_bundle = other, .ca_bundle_only = true, .system_store_dir = hashed.string(),
                       .connect_timeout = 5s, .total_timeout = 10s});
    auto res = client.send({.url = tls.url()});
    ASSERT_FALSE(res.has_value());
    EXPECT_NE(res.error().detail.find("is not trusted"), std::string::npos) << res.error().detail;
  }
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace acmekit::http
