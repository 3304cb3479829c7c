// One ACME session with one server: the directory, the nonce pool and the
// signed-POST primitive that every resource call goes through.
//
// The signed POST owns nonces and badNonce retries, once, for everybody
// (RFC 8555 §6.5): every response's Replay-Nonce feeds the pool, and a
// badNonce answer is retried with the fresh nonce it carries.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "core/crypto/key.h"
#include "core/error.h"
#include "core/http/client.h"
#include "core/wire/types.h"

namespace acmekit::client::api {

class Session {
 public:
  Session(http::Client& http, std::string directory_url);

  // GET the directory (RFC 8555 §7.1.1). Errors name the URL: a 404, a
  // non-JSON page and JSON without newNonce/newAccount/newOrder all say
  // "not an ACME directory".
  Status load_directory();
  const wire::Directory& directory() const { return directory_; }
  const std::string& directory_url() const { return directory_url_; }

  // The key that signs requests, and the account URL used as "kid" once the
  // account exists (§6.2). Before set_account_url(), requests carry "jwk".
  void set_account_key(crypto::PrivateKey key) { account_key_ = std::move(key); }
  void set_account_url(std::string url) { account_url_ = std::move(url); }
  const std::optional<crypto::PrivateKey>& account_key() const { return account_key_; }
  const std::string& account_url() const { return account_url_; }

  // A JWS-signed POST of `payload` (JSON text, or "" for POST-as-GET, §6.3).
  // `embed_jwk` forces "jwk" instead of "kid" (newAccount, §7.3). Any
  // non-2xx answer becomes an Error carrying the problem document and its
  // Retry-After. badNonce is retried up to kMaxNonceRetries times.
  Result<http::Response> post(const std::string& url, std::string_view payload,
                              bool embed_jwk = false);
  Result<http::Response> post_as_get(const std::string& url) { return post(url, ""); }

  // A plain GET (directory, and servers' alternate-chain links).
  Result<http::Response> get(const std::string& url);

  static constexpr int kMaxNonceRetries = 5;

 private:
  Result<std::string> take_nonce();
  void harvest_nonce(const http::Response& response);

  http::Client& http_;
  std::string directory_url_;
  wire::Directory directory_;
  std::optional<crypto::PrivateKey> account_key_;
  std::string account_url_;
  std::mutex nonce_mu_;
  std::deque<std::string> nonces_;
};

}  // namespace acmekit::client::api
