#include "client/api/session.h"

#include <spdlog/spdlog.h>

#include "core/jose/jws.h"
#include "core/wire/json.h"
#include "core/wire/problem.h"

namespace acmekit::client::api {

Session::Session(http::Client& http, std::string directory_url)
    : http_(http), directory_url_(std::move(directory_url)) {}

Result<http::Response> Session::get(const std::string& url) {
  http::Request req{.method = "GET", .url = url};
  ACMEKIT_TRY(auto resp, http_.send(req));
  harvest_nonce(resp);
  return resp;
}

Status Session::load_directory() {
  auto resp = get(directory_url_);
  if (!resp) return std::unexpected(std::move(resp).error().with_context("fetching the ACME directory"));
  if (resp->status != 200) {
    return make_error(ErrorKind::kProtocol,
                      "not an ACME directory: " + directory_url_ + " answered HTTP " +
                          std::to_string(resp->status));
  }
  auto j = wire::parse_json(resp->body, "directory");
  if (!j) {
    return make_error(ErrorKind::kProtocol, "not an ACME directory: " + directory_url_ +
                                                " did not answer JSON");
  }
  auto dir = wire::parse_directory(*j);
  if (!dir) return std::unexpected(std::move(dir).error().with_context(directory_url_));
  directory_ = std::move(*dir);
  spdlog::debug("directory {}: newOrder {}", directory_url_, directory_.new_order);
  return {};
}

void Session::harvest_nonce(const http::Response& response) {
  // RFC 8555 §6.5: every response may carry a fresh Replay-Nonce.
  if (auto n = response.headers.get("replay-nonce"); n && !n->empty()) {
    std::lock_guard lock(nonce_mu_);
    nonces_.push_back(*n);
    if (nonces_.size() > 64) nonces_.pop_front();
  }
}

Result<std::string> Session::take_nonce() {
  {
    std::lock_guard lock(nonce_mu_);
    if (!nonces_.empty()) {
      std::string n = std::move(nonces_.front());
      nonces_.pop_front();
      return n;
    }
  }
  // RFC 8555 §7.2: HEAD newNonce.
  http::Request req{.method = "HEAD", .url = directory_.new_nonce};
  auto resp = http_.send(req);
  if (!resp) return std::unexpected(std::move(resp).error().with_context("getting a nonce"));
  auto n = resp->headers.get("replay-nonce");
  if (!n || n->empty()) {
    return make_error(ErrorKind::kProtocol,
                      "the server's newNonce answered without a Replay-Nonce header");
  }
  return *n;
}

Result<http::Response> Session::post(const std::string& url, std::string_view payload,
                                     bool embed_jwk) {
  if (!account_key_) return make_error(ErrorKind::kInternal, "signed request without an account key");
  for (int attempt = 0;; ++attempt) {
    ACMEKIT_TRY(std::string nonce, take_nonce());
    jose::JwsHeader header{.url = url, .nonce = std::move(nonce),
                           .kid = embed_jwk ? std::string() : account_url_};
    ACMEKIT_TRY(auto jws, jose::sign(*account_key_, header, payload));
    http::Request req{.method = "POST", .url = url, .body = jws.dump()};
    req.headers.add("Content-Type", "application/jose+json");  // RFC 8555 §6.2
    ACMEKIT_TRY(auto resp, http_.send(req));
    harvest_nonce(resp);
    spdlog::debug("POST {} -> {}", url, resp.status);
    if (resp.status >= 200 && resp.status < 300) return resp;
    Error err = wire::error_from_response(resp);
    // RFC 8555 §6.5: on badNonce, retry with the nonce the error carried.
    if (err.is_acme("badNonce") && attempt < kMaxNonceRetries) {
      spdlog::debug("badNonce from {}, retrying ({}/{})", url, attempt + 1, kMaxNonceRetries);
      continue;
    }
    return std::unexpected(std::move(err));
  }
}

}  // namespace acmekit::client::api
