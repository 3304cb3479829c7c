// Test-only: the one fake HTTP client of the unit tests (the fake sits at
// the HTTP edge, nothing deeper). Answers come from a handler (a scripted
// server that looks at the request), else from a queue, in order
// (session-style tests), else by URL any number of times (a fake CA). Every request is recorded; factory() hands out clients
// that all answer from this fake (code that makes one client per CA).
// Thread safe.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/http/client.h"

namespace acmekit::test_support {

class FakeHttp final : public http::Client {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // With fresh_nonces, every answer carries a new Replay-Nonce, so an ACME
  // session never has to ask newNonce.
  explicit FakeHttp(bool fresh_nonces = false) : fresh_nonces_(fresh_nonces) {}

  // The next answer, in order.
  void add(int status, std::string body, Headers headers = {}) {
    std::lock_guard lock(mu_);
    queue_.push_back(make(status, std::move(body), std::move(headers)));
  }
  // The next answer: an RFC 8555 problem document of this short type.
  void add_problem(int status, const std::string& short_type, const std::string& detail = "canned") {
    add(status, R"({"type":"urn:ietf:params:acme:error:)" + short_type + R"(","detail":")" + detail + R"("})",
        {{"Content-Type", "application/problem+json"}});
  }
  // A scripted server: asked first; nullopt passes the request on to the
  // queue and the routes. Called with the fake's lock released.
  using Handler = std::function<std::optional<http::Response>(const http::Request&)>;
  void handle(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  // The answer for `url` whenever the queue is empty.
  void route(const std::string& url, int status, std::string body, Headers headers = {}) {
    std::lock_guard lock(mu_);
    routes_[url] = make(status, std::move(body), std::move(headers));
  }

  Result<http::Response> send(const http::Request& req) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
      handler = handler_;
    }
    if (handler) {
      if (auto answer = handler(req)) {
        std::lock_guard lock(mu_);
        return stamp(std::move(*answer));
      }
    }
    std::lock_guard lock(mu_);
    if (!queue_.empty()) {
      auto r = std::move(queue_.front());
      queue_.pop_front();
      return stamp(std::move(r));
    }
    auto it = routes_.find(req.url);
    if (it == routes_.end()) return make_error(ErrorKind::kUnavailable, "connection refused (nothing canned): " + req.url);
    return stamp(it->second);
  }

  std::vector<http::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void clear_requests() {
    std::lock_guard lock(mu_);
    requests_.clear();
  }
  std::size_t count(const std::string& url) const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(requests_.begin(), requests_.end(), [&](const http::Request& r) { return r.url == url; }));
  }
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // Clients that forward to this fake; clients_made() counts them.
  std::function<std::unique_ptr<http::Client>(const std::string&)> factory() {
    return [this](const std::string&) -> std::unique_ptr<http::Client> {
      {
        std::lock_guard lock(mu_);
        ++clients_made_;
      }
      return std::make_unique<Forwarder>(*this);
    };
  }
  std::size_t clients_made() const {
    std::lock_guard lock(mu_);
    return clients_made_;
  }

 private:
  class Forwarder final : public http::Client {
   public:
    explicit Forwarder(FakeHttp& to) : to_(to) {}
    Result<http::Response> send(const http::Request& req) override { return to_.send(req); }

   private:
    FakeHttp& to_;
  };

  static http::Response make(int status, std::string body, Headers headers) {
    http::Response r{.status = status, .body = std::move(body)};
    for (auto& [k, v] : headers) r.headers.add(k, v);
    return r;
  }
  http::Response stamp(http::Response r) {
    if (fresh_nonces_) r.headers.add("Replay-Nonce", "n" + std::to_string(++nonces_));
    return r;
  }

  const bool fresh_nonces_;
  mutable std::mutex mu_;
  std::deque<http::Response> queue_;
  std::map<std::string, http::Response> routes_;
  Handler handler_;
  std::vector<http::Request> requests_;
  std::size_t clients_made_ = 0;
  int nonces_ = 0;
};

}  // namespace acmekit::test_support
