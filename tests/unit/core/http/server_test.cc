// The CA's HTTP(S) listener over real loopback sockets: CurlClient (TLS
// verified against a throw-away certificate made with openssl) and raw
// sockets for clients that misbehave.
#include "core/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/http/curl_client.h"

namespace acmekit::http {
namespace {

using acmekit::http::CurlClient;
using acmekit::http::Request;
using acmekit::http::Response;
using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A self-signed P-256 certificate for 127.0.0.1, made by the openssl tool in
// a temp dir; it is the server's chain and the client's trust anchor.
class TestCertificate {
 public:
  TestCertificate() {
    char tmpl[] = "/tmp/acmekit-http-test-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return;
    dir_ = tmpl;
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        "-subj /CN=acmekit-http-test -addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + cert_path() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return;
    chain_pem_ = read_file(cert_path());
    key_pem_ = read_file(dir_ / "key.pem");
  }
  ~TestCertificate() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return !chain_pem_.empty() && !key_pem_.empty(); }
  std::string cert_path() const { return (dir_ / "cert.pem").string(); }
  const std::string& chain_pem() const { return chain_pem_; }
  const std::string& key_pem() const { return key_pem_; }

 private:
  std::filesystem::path dir_;
  std::string chain_pem_, key_pem_;
};

// A plain TCP client for what curl will not do: half requests, garbage.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool send(std::string_view data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Everything the server sends until it closes, or nullopt if it has not
  // closed within `timeout`.
  std::optional<std::string> read_until_closed(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;  // closed (0) or reset (-1)
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // True when the server has neither sent anything nor closed.
  bool still_open_and_quiet() {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }
  // Close with an RST instead of a FIN.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cert_.ok()) << "openssl could not make a test certificate"; }

  ServerOptions tls_options() const {
    ServerOptions o;
    o.tls_chain_pem = cert_.chain_pem();
    o.tls_key_pem = cert_.key_pem();
    return o;
  }
  std::unique_ptr<CurlClient> client() const {
    acmekit::http::ClientOptions o;
    o.ca_bundle = cert_.cert_path();
    o.total_timeout = 60s;
    o.connect_timeout = 60s;
    return std::make_unique<CurlClient>(o);
  }
  static std::string https(const Server& s, std::string_view path) {
    return "https://127.0.0.1:" + std::to_string(s.port()) + std::string(path);
  }
  static std::string plain(const Server& s, std::string_view path) {
    return "http://127.0.0.1:" + std::to_string(s.port()) + std::string(path);
  }
  static Request get(std::string url) { return Request{.method = "GET", .url = std::move(url)}; }

  TestCertificate cert_;
};

TEST_F(HttpServerTest, TlsRoundTripOfGetPostAndHead) {
  auto server = Server::start(tls_options(), [](const ServerRequest& r) {
    Response res = text(r.method == "POST" ? 201 : 200,
                        r.method + " " + r.target + " x-test=" + r.headers.get("X-Test").value_or("-") +
                            " body=" + r.body);
    res.headers.add("Replay-Nonce", "nonce-1");
    res.headers.add("Link", "<https://a/1>;rel=\"up\"");
    res.headers.add("Link", "<https://a/2>;rel=\"alternate\"");
    res.headers.add("Content-Length", "99999");  // the listener owns framing
    return res;
  });
  ASSERT_TRUE(server) << server.error().message();
  ASSERT_NE((*server)->port(), 0);
  auto c = client();

  Request g = get(https(**server, "/acme/order/abc?x=1"));
  g.headers.add("X-Test", "hello");
  auto got = c->send(g);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "GET /acme/order/abc?x=1 x-test=hello body=");
  EXPECT_EQ(got->headers.get("replay-nonce"), "nonce-1");
  EXPECT_EQ(got->headers.get_all("link").size(), 2u);
  EXPECT_EQ(got->headers.get("content-length"), std::to_string(got->body.size()));

  Request p{.method = "POST", .url = https(**server, "/acme/new-order"), .body = R"({"a":1})"};
  p.headers.add("Content-Type", "application/jose+json");
  auto posted = c->send(p);
  ASSERT_TRUE(posted) << posted.error().message();
  EXPECT_EQ(posted->status, 201);
  EXPECT_EQ(posted->body, R"(POST /acme/new-order x-test=- body={"a":1})");

  auto head = c->send(Request{.method = "HEAD", .url = https(**server, "/acme/order/abc?x=1")});
  ASSERT_TRUE(head) << head.error().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->headers.get("content-length"),
            std::to_string(std::string("HEAD /acme/order/abc?x=1 x-test=- body=").size()));
  EXPECT_EQ(head->headers.get("replay-nonce"), "nonce-1");
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  std::mutex mu;
  std::set<std::string> remotes;
  auto server = Server::start(tls_options(), [&](const ServerRequest& r) {
    std::lock_guard lock(mu);
    remotes.insert(r.remote);
    return text(200, r.remote);
  });
  ASSERT_TRUE(server) << server.error().message();
  auto c = client();
  for (int i = 0; i < 20; ++i) {
    auto res = c->send(get(https(**server, "/n")));
    ASSERT_TRUE(res) << res.error().message();
    ASSERT_EQ(res->status, 200);
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(remotes.size(), 1u);
  EXPECT_TRUE(remotes.begin()->starts_with("127.0.0.1:"));
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413AndTheServerGoesOn) {
  auto options = tls_options();
  options.body_limit = 1024;
  // The listener's own refusals are written by its error_response (the CA
  // passes its WFE's problem documents).
  options.error_response = [](int status, std::string_view detail) {
    Response r;
    r.status = status;
    r.headers.add("content-type", "application/x-refusal");
    r.body = "refused: " + std::string(detail);
    return r;
  };
  std::atomic<int> calls = 0;
  auto server = Server::start(options, [&](const ServerRequest& r) {
    ++calls;
    return text(200, std::to_string(r.body.size()));
  });
  ASSERT_TRUE(server) << server.error().message();
  auto c = client();

  auto big = c->send(Request{.method = "POST", .url = https(**server, "/big"),
                             .body = std::string(100 * 1024, 'x')});
  ASSERT_TRUE(big) << big.error().message();
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->headers.get("content-type"), "application/x-refusal");
  EXPECT_EQ(big->body, "refused: request body too large");
  EXPECT_EQ(calls, 0);

  auto at_limit = c->send(Request{.method = "POST", .url = https(**server, "/ok"),
                                  .body = std::string(1024, 'y')});
  ASSERT_TRUE(at_limit) << at_limit.error().message();
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(at_limit->body, "1024");
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitGets413) {
  ServerOptions options;
  options.body_limit = 100;
  auto server = Server::start(options, [](const ServerRequest&) { return text(200, "ok"); });
  ASSERT_TRUE(server) << server.error().message();
  RawSocket s((*server)->port());
  ASSERT_TRUE(s.connected());
  std::string request = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "32\r\n" + std::string(50, 'z') + "\r\n";
  ASSERT_TRUE(s.send(request));
  auto answer = s.read_until_closed(5s);
  ASSERT_TRUE(answer) << "the connection was not closed";
  EXPECT_TRUE(answer->starts_with("HTTP/1.1 413")) << *answer;
}

// Request smuggling (RFC 9112 §6.1, §6.3, §11.2): a request whose body
// length the server cannot be sure of is refused and the connection closed,
// so the bytes after its header are never answered as a second request.
TEST_F(HttpServerTest, AmbiguousFramingIsRefusedAndNothingIsSmuggled) {
  std::mutex mu;
  std::vector<std::string> seen;
  auto server = Server::start(ServerOptions{}, [&](const ServerRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r.method + " " + r.target);
    return text(200, "ok");
  });
  ASSERT_TRUE(server) << server.error().message();
  const std::string hidden = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  struct Case {
    const char* headers;
    const char* status;
  };
  const Case cases[] = {
      {"Transfer-Encoding: gzip\r\n", "HTTP/1.1 400"},  // not chunked last: length unknown
      {"Transfer-Encoding: gzip, chunked\r\n", "HTTP/1.1 501"},  // a coding we do not decode
      {"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "HTTP/1.1 501"},
      {"Transfer-Encoding: chunked, identity\r\n", "HTTP/1.1 400"},
      {"Transfer-Encoding: chunked, chunked\r\n", "HTTP/1.1 400"},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "HTTP/1.1 400"},
      {"Transfer-Encoding: \r\n", "HTTP/1.1 400"},
  };
  for (const auto& c : cases) {
    RawSocket s((*server)->port());
    ASSERT_TRUE(s.connected());
    ASSERT_TRUE(s.send(std::string("POST /first HTTP/1.1\r\nHost: x\r\n") + c.headers + "\r\n0\r\n\r\n" + hidden));
    auto answer = s.read_until_closed(5s);
    ASSERT_TRUE(answer) << c.headers << ": the connection was not closed";
    EXPECT_TRUE(answer->starts_with(c.status)) << c.headers << *answer;
    EXPECT_EQ(answer->find("HTTP/1.1 200"), std::string::npos) << c.headers << *answer;
  }
  {
    // HTTP/1.0 has no transfer codings (§6.1).
    RawSocket s((*server)->port());
    ASSERT_TRUE(s.send("POST /first HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden));
    auto answer = s.read_until_closed(5s);
    ASSERT_TRUE(answer);
    EXPECT_TRUE(answer->starts_with("HTTP/1.1 400") || answer->starts_with("HTTP/1.0 400")) << *answer;
  }
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(seen.empty()) << seen.front();
  }
  // Chunked alone is fine, and the connection stays usable.
  RawSocket s((*server)->port());
  ASSERT_TRUE(s.send("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
                     "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto answer = s.read_until_closed(5s);
  ASSERT_TRUE(answer);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"POST /chunked", "GET /next"}));
}

TEST_F(HttpServerTest, MalformedRequestGets400AndClose) {
  auto server = Server::start(ServerOptions{}, [](const ServerRequest&) { return text(200, "ok"); });
  ASSERT_TRUE(server) << server.error().message();
  RawSocket s((*server)->port());
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(s.send("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  auto answer = s.read_until_closed(5s);
  ASSERT_TRUE(answer) << "the connection was not closed";
  EXPECT_TRUE(answer->starts_with("HTTP/1.1 400")) << *answer;
  EXPECT_NE(answer->find("malformed HTTP request"), std::string::npos) << *answer;
}

TEST_F(HttpServerTest, SlowHeaderIsCutOffWhileOthersAreServed) {
  ServerOptions options;
  options.header_timeout = 1s;
  auto server = Server::start(options, [](const ServerRequest&) { return text(200, "ok"); });
  ASSERT_TRUE(server) << server.error().message();

  // Half a header, then a byte now and then: each read makes progress, but
  // the request as a whole never arrives.
  RawSocket slow((*server)->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: x\r\n"));
  std::atomic<bool> trickling = true;
  std::thread trickle([&] {
    while (trickling && slow.send("X")) std::this_thread::sleep_for(200ms);
  });

  acmekit::http::CurlClient fast(acmekit::http::ClientOptions{});
  for (int i = 0; i < 5; ++i) {
    auto res = fast.send(get(plain(**server, "/fast")));
    ASSERT_TRUE(res) << res.error().message();
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_TRUE(slow.still_open_and_quiet()) << "the slow client was cut off before others were served";

  auto rest = slow.read_until_closed(5s);
  trickling = false;
  trickle.join();
  EXPECT_TRUE(rest) << "the slow client was not disconnected";
  if (rest) EXPECT_FALSE(rest->starts_with("HTTP/1.1 200")) << *rest;
}

TEST_F(HttpServerTest, TwoHundredConcurrentConnections) {
  constexpr int kClients = 200, kRequests = 3;
  // 200 TLS clients on a small shared machine: generous timeouts, the test
  // is about every request being answered.
  auto options = tls_options();
  options.header_timeout = 60s;
  std::atomic<int> handled = 0;
  auto server = Server::start(options, [&](const ServerRequest& r) {
    ++handled;
    return text(200, r.target);
  });
  ASSERT_TRUE(server) << server.error().message();
  std::latch go(kClients);
  std::atomic<int> ok = 0;
  std::mutex mu;
  std::string first_failure;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = client();
      go.arrive_and_wait();
      for (int j = 0; j < kRequests; ++j) {
        const std::string path = "/c" + std::to_string(i) + "/" + std::to_string(j);
        auto res = c->send(get(https(**server, path)));
        if (res && res->status == 200 && res->body == path) {
          ++ok;
        } else {
          std::lock_guard lock(mu);
          if (first_failure.empty()) first_failure = res ? res->body : res.error().message();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kClients * kRequests) << first_failure;
  EXPECT_EQ(handled, kClients * kRequests);
}

TEST_F(HttpServerTest, SlowHandlerDoesNotHoldUpAFastRequest) {
  std::atomic<bool> slow_entered = false, fast_done = false;
  std::atomic<bool> fast_done_while_slow_ran = false;
  auto server = Server::start(tls_options(), [&](const ServerRequest& r) {
    if (r.target == "/slow") {
      slow_entered = true;
      // At least 200 ms, and until the fast request has its answer (bounded).
      const auto until = std::chrono::steady_clock::now() + 5s;
      std::this_thread::sleep_for(200ms);
      while (!fast_done && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
      fast_done_while_slow_ran = fast_done.load();
      return text(200, "slow");
    }
    return text(200, "fast");
  });
  ASSERT_TRUE(server) << server.error().message();

  std::thread slow([&] {
    auto res = client()->send(get(https(**server, "/slow")));
    EXPECT_TRUE(res && res->body == "slow");
  });
  while (!slow_entered) std::this_thread::sleep_for(1ms);
  auto res = client()->send(get(https(**server, "/fast")));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->body, "fast");
  fast_done = true;
  slow.join();
  EXPECT_TRUE(fast_done_while_slow_ran);
}

// run_inline: the requests it picks are answered on the I/O thread that
// read them (one here), the others on the handler pool; a pool handler that
// waits holds up neither the inline requests nor, with an extra handler
// thread, the other pool requests. Also the inline answers of a handler that
// throws are 500s.
TEST_F(HttpServerTest, InlineRequestsRunOnTheIoThreadAndWaitingOnesOnThePool) {
  std::mutex mu;
  std::set<std::thread::id> inline_threads, pool_threads;
  std::atomic<bool> release = false, waiting = false;
  ServerOptions o = tls_options();
  o.threads = 1;
  o.extra_handler_threads = 1;
  o.run_inline = [](const ServerRequest& r) { return !r.target.starts_with("/pool"); };
  auto server = Server::start(o, [&](const ServerRequest& r) {
    if (r.target == "/throw") throw std::runtime_error("boom");
    {
      std::lock_guard lock(mu);
      (r.target.starts_with("/pool") ? pool_threads : inline_threads).insert(std::this_thread::get_id());
    }
    if (r.target == "/pool/wait") {
      waiting = true;
      const auto until = std::chrono::steady_clock::now() + 10s;
      while (!release && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
      return text(200, release ? "released" : "timed out");
    }
    return text(200, r.target);
  });
  ASSERT_TRUE(server) << server.error().message();

  std::thread waiter([&] {
    auto res = client()->send(get(https(**server, "/pool/wait")));
    EXPECT_TRUE(res && res->body == "released") << (res ? res->body : res.error().message());
  });
  while (!waiting) std::this_thread::sleep_for(1ms);
  // While one pool thread waits: inline requests on two connections, and a
  // pool request on the extra thread.
  for (int i = 0; i < 2; ++i) {
    auto c = client();
    for (const char* path : {"/a", "/b", "/pool/quick"}) {
      auto res = c->send(get(https(**server, path)));
      ASSERT_TRUE(res) << res.error().message();
      EXPECT_EQ(res->body, path);
    }
  }
  auto thrown = client()->send(get(https(**server, "/throw")));
  ASSERT_TRUE(thrown) << thrown.error().message();
  EXPECT_EQ(thrown->status, 500);
  release = true;
  waiter.join();

  std::lock_guard lock(mu);
  EXPECT_EQ(inline_threads.size(), 1u);  // the one I/O thread
  EXPECT_EQ(pool_threads.size(), 2u);    // the waiting one and the extra one
  for (const auto& id : inline_threads) EXPECT_FALSE(pool_threads.contains(id));
}

TEST_F(HttpServerTest, MisbehavingTlsClientsDoNotHurtTheServer) {
  auto server = Server::start(tls_options(), [](const ServerRequest&) { return text(200, "ok"); });
  ASSERT_TRUE(server) << server.error().message();
  {
    RawSocket garbage((*server)->port());
    ASSERT_TRUE(garbage.connected());
    garbage.send("GET / HTTP/1.1\r\n\r\n");  // plain HTTP to the TLS port
    EXPECT_TRUE(garbage.read_until_closed(5s)) << "not closed after a non-TLS hello";
  }
  {
    RawSocket half((*server)->port());
    ASSERT_TRUE(half.connected());
    half.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));  // a cut ClientHello
    half.reset();
  }
  for (int i = 0; i < 20; ++i) {
    RawSocket s((*server)->port());
    if (i % 2) s.send("\x16\x03");
    s.reset();
  }
  auto res = client()->send(get(https(**server, "/")));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitAreClosed) {
  ServerOptions options;
  options.max_connections = 2;
  auto server = Server::start(options, [](const ServerRequest&) { return text(200, "ok"); });
  ASSERT_TRUE(server) << server.error().message();
  // Two keep-alive connections, open after their first answer.
  auto a = std::make_unique<CurlClient>(acmekit::http::ClientOptions{});
  CurlClient b(acmekit::http::ClientOptions{});
  ASSERT_TRUE(a->send(get(plain(**server, "/a"))));
  ASSERT_TRUE(b.send(get(plain(**server, "/b"))));

  RawSocket third((*server)->port());
  ASSERT_TRUE(third.connected());  // the kernel accepts; the server closes it
  third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto answer = third.read_until_closed(5s);
  ASSERT_TRUE(answer) << "the connection over the limit stayed open";
  EXPECT_TRUE(answer->empty()) << *answer;

  a.reset();  // frees a slot once the server sees the close
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    CurlClient c(acmekit::http::ClientOptions{});
    auto res = c.send(get(plain(**server, "/c")));
    served = res && res->status == 200;
    if (!served) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpServerTest, StopWithOpenConnectionsReturnsAndClosesThem) {
  std::atomic<bool> in_handler = false;
  auto server = Server::start(tls_options(), [&](const ServerRequest& r) {
    if (r.target == "/slow") {
      in_handler = true;
      std::this_thread::sleep_for(300ms);
    }
    return text(200, "ok");
  });
  ASSERT_TRUE(server) << server.error().message();
  const uint16_t port = (*server)->port();
  auto c = client();
  ASSERT_TRUE(c->send(get(https(**server, "/"))));  // an idle keep-alive connection
  RawSocket idle(port), half(port);
  ASSERT_TRUE(idle.connected() && half.connected());
  half.send(std::string("\x16\x03\x01", 3));
  std::thread busy([&] { (void)client()->send(get(https(**server, "/slow"))); });
  while (!in_handler) std::this_thread::sleep_for(1ms);

  const auto started = std::chrono::steady_clock::now();
  (*server)->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  busy.join();
  EXPECT_TRUE(idle.read_until_closed(2s)) << "an idle connection survived stop()";
  EXPECT_TRUE(half.read_until_closed(2s)) << "a handshaking connection survived stop()";
  RawSocket after(port);
  EXPECT_FALSE(after.connected());
  (*server)->stop();  // idempotent
}

TEST_F(HttpServerTest, HandlerWithoutStatusOrThrowingGets500) {
  ServerOptions options;
  auto server = Server::start(options, [](const ServerRequest& r) -> Response {
    if (r.target == "/throw") throw std::runtime_error("boom");
    return Response{};
  });
  ASSERT_TRUE(server) << server.error().message();
  CurlClient c(acmekit::http::ClientOptions{});
  for (const char* path : {"/empty", "/throw"}) {
    auto res = c.send(get(plain(**server, path)));
    ASSERT_TRUE(res) << res.error().message();
    EXPECT_EQ(res->status, 500) << path;
    // The default error_response: plain text (no ACME here).
    EXPECT_EQ(res->headers.get("content-type"), "text/plain; charset=utf-8") << path;
  }
}

TEST_F(HttpServerTest, StartRejectsBadSettings) {
  auto handler = [](const ServerRequest&) { return text(200, "ok"); };
  for (const char* listen : {"127.0.0.1", "::1:80", "[::1]:x", "127.0.0.1:70000", "localhost:80"}) {
    ServerOptions o;
    o.listen = listen;
    auto s = Server::start(o, handler);
    ASSERT_FALSE(s) << listen;
    EXPECT_EQ(s.error().kind, ErrorKind::kInvalidArgument) << listen;
  }

  TestCertificate other;
  ASSERT_TRUE(other.ok());
  auto mismatched = tls_options();
  mismatched.tls_key_pem = other.key_pem();
  auto s = Server::start(mismatched, handler);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidArgument);

  auto first = Server::start(ServerOptions{}, handler);
  ASSERT_TRUE(first) << first.error().message();
  ServerOptions same;
  same.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = Server::start(same, handler);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::kIo);
}

}  // namespace
}  // namespace acmekit::http
