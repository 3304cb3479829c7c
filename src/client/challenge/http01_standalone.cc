#include "client/challenge/http01_standalone.h"

#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/http/server.h"
#include "core/net/listener.h"

namespace acmekit::client::challenge {
namespace {

constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
constexpr auto kIoTimeout = std::chrono::seconds(10);  // a request must come whole within this
constexpr size_t kBodyLimit = 1024;  // validation requests have no body

bool is_base64url_token(std::string_view token) {
  if (token.empty()) return false;
  for (unsigned char c : token) {
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

// For log lines: the request target comes from the network.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  if (s.size() > 200) out += "...";
  return out;
}

struct Tokens {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> key_authorizations;

  std::optional<std::string> find(std::string_view token) {
    std::lock_guard lock(mu);
    auto it = key_authorizations.find(token);
    if (it == key_authorizations.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace

struct Http01Standalone::Impl {
  std::shared_ptr<Tokens> tokens = std::make_shared<Tokens>();
  std::unique_ptr<http::Server> server;
};

namespace {

// GET (or HEAD) /.well-known/acme-challenge/<token>: the key authorization
// (RFC 8555 §8.3: the body is the key authorization, nothing else); anything
// else 404.
acmekit::http::Response answer(Tokens& tokens, const http::ServerRequest& req) {
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, target.find('?'));
  std::optional<std::string> key_authorization;
  if ((req.method == "GET" || req.method == "HEAD") && path.starts_with(kPrefix)) {
    const std::string_view token = path.substr(kPrefix.size());
    if (is_base64url_token(token)) key_authorization = tokens.find(token);
  }
  acmekit::http::Response r;
  r.status = key_authorization ? 200 : 404;
  r.headers.add("server", "acmekit");
  r.headers.add("content-type", "text/plain");
  r.body = key_authorization ? std::move(*key_authorization) : "not found\n";
  spdlog::debug("http-01: {} {} from {} -> {}", printable(req.method), printable(target), req.remote, r.status);
  return r;
}

}  // namespace

Result<std::unique_ptr<Http01Standalone>> Http01Standalone::start(const std::string& address,
                                                                  uint16_t port) {
  auto impl = std::make_unique<Impl>();
  ACMEKIT_TRY(const auto listen, net::listen_address(address, port, "http-01"));
  // Validation requests are small GETs; a slow or silent client is dropped.
  // Answered from memory on the I/O thread: nothing here waits.
  http::ServerOptions options{.name = "http-01",
                              .body_limit = kBodyLimit,
                              .header_timeout = kIoTimeout,
                              .idle_timeout = kIoTimeout,
                              .run_inline = [](const http::ServerRequest&) { return true; },
                              .threads = 1};
  ACMEKIT_TRY(impl->server, http::Server::start(listen, options,
                                                [tokens = impl->tokens](const http::ServerRequest& req) {
                                                  return answer(*tokens, req);
                                                }));
  return std::unique_ptr<Http01Standalone>(new Http01Standalone(std::move(impl)));
}

Http01Standalone::Http01Standalone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Http01Standalone::~Http01Standalone() {
  if (impl_ && impl_->server) impl_->server->stop();
}

uint16_t Http01Standalone::port() const { return impl_->server->port(); }

ChallengeType Http01Standalone::type() const { return ChallengeType::kHttp01; }

Status Http01Standalone::present(const Task& task) {
  if (!is_base64url_token(task.token)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "http-01 token \"" + printable(task.token) +
                          "\" is not base64url (RFC 8555 §8.3)");
  }
  std::lock_guard lock(impl_->tokens->mu);
  impl_->tokens->key_authorizations[task.token] = task.key_authorization;
  return {};
}

Status Http01Standalone::cleanup(const Task& task) {
  std::lock_guard lock(impl_->tokens->mu);
  impl_->tokens->key_authorizations.erase(task.token);
  return {};
}

}  // namespace acmekit::client::challenge
