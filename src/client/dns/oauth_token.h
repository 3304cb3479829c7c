// An OAuth 2.0 access token for a provider's API (RFC 6749 §4.4 client
// credentials, RFC 7523 §2.1 a JWT bearer assertion): one POST of a form to
// the token endpoint, {"access_token", "expires_in"} read from the answer
// (§5.1), and the token kept until shortly before it expires, so the many
// calls of one run ask for one token. Google Cloud DNS and Azure DNS.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "client/dns/api_client.h"

namespace acmekit::client::dns_api {

class OAuthToken {
 public:
  using Clock = std::chrono::system_clock;
  // form: the request body (application/x-www-form-urlencoded), made anew
  // for each request (a JWT assertion carries its time); hint: added to a
  // refusal ("check dns_azure_sp_client_secret").
  OAuthToken(std::string token_url, std::function<Result<std::string>()> form, std::string hint,
             std::function<Clock::time_point()> now = {});

  // The cached token, or a new one. Errors, one line: "PROVIDER: token
  // request to URL refused (HTTP 401): invalid_client: AADSTS7000215: ...;
  // HINT", kUnauthorized for HTTP 400/401 (RFC 6749 §5.2: a wrong grant or
  // client is 400 or 401).
  Result<std::string> get(ApiClient& api);
  // "Bearer TOKEN" for the Authorization header.
  Result<std::string> authorization(ApiClient& api);

 private:
  std::string token_url_;
  std::function<Result<std::string>()> form_;
  std::string hint_;
  std::function<Clock::time_point()> now_;
  std::mutex mu_;  // zones updated at once ask for the one token
  std::optional<std::string> token_;
  Clock::time_point expires_;
};

// key=value&... with both sides percent-encoded.
std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

}  // namespace acmekit::client::dns_api
