// Test-only: a tiny HTTP/1.1 server on a free 127.0.0.1 port, one thread,
// one request per connection, answering with whatever the handler returns.
// Records each request's target and Host header for the test to check.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace acmekit::test_support {

class HttpTestServer {
 public:
  struct Request {
    std::string target;  // "/.well-known/acme-challenge/TOKEN"
    std::string host;    // the Host header
  };
  using Handler = std::function<std::string(const Request&)>;  // the whole response

  // A complete response with Content-Length and Connection: close.
  static std::string response(int status, const std::string& body, const std::string& headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n" + headers + "\r\n" + body;
  }
  static std::string redirect(const std::string& location) {
    return response(302, "", "Location: " + location + "\r\n");
  }

  explicit HttpTestServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;  // port() stays 0: the test fails on it
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpTestServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{.tv_sec = 0, .tv_usec = 500000};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string in;
      char buf[2048];
      while (in.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      Request r;
      if (const auto sp1 = in.find(' '); sp1 != std::string::npos) {
        r.target = in.substr(sp1 + 1, in.find(' ', sp1 + 1) - sp1 - 1);
      }
      for (std::string key : {"\r\nHost: ", "\r\nhost: "}) {
        if (const auto h = in.find(key); h != std::string::npos) {
          r.host = in.substr(h + key.size(), in.find("\r\n", h + key.size()) - h - key.size());
        }
      }
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      const std::string out = handler_(r);
      ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      ::shutdown(c, SHUT_WR);
      ::close(c);
    }
  }

  Handler handler_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace acmekit::test_support
