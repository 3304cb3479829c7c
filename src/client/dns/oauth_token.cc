#include "client/dns/oauth_token.h"

#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace acmekit::client::dns_api {
namespace {

// Renewed this long before it expires, so no call carries a stale token.
constexpr auto kMargin = std::chrono::seconds(60);

// The first line of a server's text, at most 300 characters (AAD's
// error_description goes on with "\r\nTrace ID: ...").
std::string first_line(std::string_view text) {
  text = text.substr(0, text.find_first_of("\r\n"));
  return std::string(text.substr(0, 300));
}

}  // namespace

OAuthToken::OAuthToken(std::string token_url, std::function<Result<std::string>()> form, std::string hint,
                       std::function<Clock::time_point()> now)
    : token_url_(std::move(token_url)), form_(std::move(form)), hint_(std::move(hint)), now_(std::move(now)) {
  if (!now_) now_ = [] { return Clock::now(); };
}

Result<std::string> OAuthToken::get(ApiClient& api) {
  std::lock_guard lock(mu_);  // one token request, however many threads ask
  const auto now = now_();
  if (token_ && now + kMargin < expires_) return *token_;
  ACMEKIT_TRY(const std::string body, form_());
  http::Request req{.method = "POST", .url = token_url_, .body = body};
  req.headers.add("content-type", "application/x-www-form-urlencoded");
  req.headers.add("accept", "application/json");
  ACMEKIT_TRY(const http::Response resp, api.send(req));
  const auto parsed = nlohmann::json::parse(resp.body, nullptr, false);
  const bool object = !parsed.is_discarded() && parsed.is_object();
  if (resp.status == 200 && object && parsed.contains("access_token") && parsed["access_token"].is_string()) {
    token_ = parsed["access_token"].get<std::string>();
    long seconds = 3600;  // RFC 6749 §5.1: expires_in is RECOMMENDED; AAD once sent it as a string
    if (parsed.contains("expires_in") && parsed["expires_in"].is_number_integer()) {
      seconds = parsed["expires_in"].get<long>();
    } else if (parsed.contains("expires_in") && parsed["expires_in"].is_string()) {
      seconds = std::strtol(parsed["expires_in"].get<std::string>().c_str(), nullptr, 10);
    }
    expires_ = now + std::chrono::seconds(seconds);
    return *token_;
  }
  // RFC 6749 §5.2: {"error": "invalid_grant", "error_description": "..."}.
  std::string cause;
  if (object && parsed.contains("error") && parsed["error"].is_string()) {
    cause = parsed["error"].get<std::string>();
    if (parsed.contains("error_description") && parsed["error_description"].is_string()) {
      cause += ": " + first_line(parsed["error_description"].get<std::string>());
    }
  } else if (resp.status == 200) {
    cause = "no access_token in the answer";
  }
  std::string what = fmt::format("{}: token request to {} refused (HTTP {}){}{}", api.provider(), token_url_,
                                 resp.status, cause.empty() ? "" : ": ", cause);
  if (resp.status == 400 || resp.status == 401) {
    return make_error(ErrorKind::kUnauthorized, what + "; " + hint_);
  }
  return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
}

Result<std::string> OAuthToken::authorization(ApiClient& api) {
  ACMEKIT_TRY(const std::string token, get(api));
  return "Bearer " + token;
}

std::string form_encode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += url_encode(key) + "=" + url_encode(value);
  }
  return out;
}

}  // namespace acmekit::client::dns_api
