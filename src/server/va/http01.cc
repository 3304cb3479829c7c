// http-01 (RFC 8555 §8.3): GET http://NAME/.well-known/acme-challenge/TOKEN
// and compare the body with the key authorization, following redirects
// ourselves so every hop is checked and resolved like the first.
#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <set>

#include "core/version.h"
#include "server/va/addresses.h"
#include "server/va/challenges.h"
#include "server/va/problem.h"

namespace acmekit::server::va {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxBody = 8 * 1024;  // a key authorization is < 100 bytes

struct CurlFree {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(char* s) const { curl_free(s); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlFree>;

// Where one hop goes.
struct Hop {
  std::string url;
  std::string host;  // without IPv6 brackets
  uint16_t connect_port = 0;
};

std::string url_part(CURLU* u, CURLUPart part, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, part, &raw, flags) != CURLUE_OK) return "";
  CurlPtr<char> owned(raw);
  return raw;
}

// The first URL, or a redirect target (RFC 8555 §8.3: "the server MUST...
// follow redirects"; we allow http/https to ports 80/443 only, the
// configured ports standing in for them like Pebble's).
Result<Hop> plan_hop(const std::string& url, const ValidatorOptions& options) {
  CurlPtr<CURLU> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return problem("incorrectResponse", "invalid redirect URL " + url);
  }
  Hop hop;
  hop.url = url_part(u.get(), CURLUPART_URL);
  const std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
  if (scheme != "http" && scheme != "https") {
    return problem("incorrectResponse", "redirect to " + url + ": only http and https are allowed");
  }
  hop.host = url_part(u.get(), CURLUPART_HOST);
  if (hop.host.starts_with('[') && hop.host.ends_with(']')) hop.host = hop.host.substr(1, hop.host.size() - 2);
  const int port = std::atoi(url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).c_str());
  if (port == 80) {
    hop.connect_port = options.http01_port;
  } else if (port == 443) {
    hop.connect_port = options.tlsalpn01_port;
  } else if (port == options.http01_port || port == options.tlsalpn01_port) {
    hop.connect_port = static_cast<uint16_t>(port);
  } else {
    return problem("incorrectResponse", "redirect to " + url + ": only ports 80 and 443 are allowed");
  }
  return hop;
}

std::string bracketed(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

struct Fetched {
  long status = 0;
  std::string body;
  bool body_too_large = false;
  std::string redirect;  // absolute URL of a 3xx Location, resolved by curl
  std::string peer;      // "ADDR:PORT" that answered
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* f = static_cast<Fetched*>(user);
  const std::size_t len = size * n;
  if (f->body.size() + len > kMaxBody) {
    f->body_too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  f->body.append(data, len);
  return len;
}

// One GET of hop.url at one address. Transport failures are problems;
// couldnt_connect tells the caller to try the next address.
Result<Fetched> fetch(const Hop& hop, const std::string& address, Clock::time_point deadline,
                      bool& couldnt_connect) {
  Fetched f;
  f.peer = bracketed(address) + ":" + std::to_string(hop.connect_port);
  // One handle per validation thread, reset for each fetch: what libcurl
  // sets up per handle (its connection cache, its wake-up socketpair) is
  // made once per thread, not once per fetch.
  static thread_local CurlPtr<CURL> h(curl_easy_init());
  if (!h) return problem("serverInternal", "cannot initialize libcurl");
  curl_easy_reset(h.get());
  // Any host and port of the URL goes to this address and the mapped port;
  // the Host header stays the URL's (RFC 8555 §8.3).
  const std::string connect_to = "::" + f.peer;
  CurlPtr<curl_slist> connect_list(curl_slist_append(nullptr, connect_to.c_str()));
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return problem("connection", "timed out fetching " + hop.url);
  CURL* c = h.get();
  curl_easy_setopt(c, CURLOPT_URL, hop.url.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_list.get());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_PROXY, "");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  // Every fetch on a connection of its own, closed after: nothing of one
  // validation (a kept-alive connection, a TLS session) serves the next.
  curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  // Like Let's Encrypt: an https redirect target's certificate is not checked.
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(left));
  static const std::string kUserAgent = "acmekit-ca/" + std::string(kVersion) + " (validation)";
  curl_easy_setopt(c, CURLOPT_USERAGENT, kUserAgent.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && f.body_too_large)) {
    couldnt_connect = rc == CURLE_COULDNT_CONNECT;
    const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
    const bool tls = rc == CURLE_SSL_CONNECT_ERROR;
    return problem(tls ? "tls" : "connection", "fetching " + hop.url + " from " + f.peer + ": " + why);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
  char* redirect = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect != nullptr) f.redirect = redirect;
  return f;
}

// The hop fetched at the first of the host's addresses that accepts a
// connection (of those the address policy allows: a redirect is held to it
// like the first URL).
Result<Fetched> fetch_any(const Hop& hop, bool redirected, const ValidatorOptions& options, const dns::Resolver& dns,
                          Clock::time_point deadline) {
  auto resolved = resolve_host(hop.host, options.hosts, dns, options.address_policy);
  if (!resolved) {
    if (!redirected) return std::unexpected(resolved.error());
    return std::unexpected(Error(resolved.error()).with_context("redirect to " + hop.url));
  }
  const auto& addresses = *resolved;
  Result<Fetched> last = problem("connection", "no address for " + hop.host);
  for (const auto& address : addresses) {
    bool couldnt_connect = false;
    last = fetch(hop, address, deadline, couldnt_connect);
    if (last || !couldnt_connect) break;
  }
  return last;
}

std::string_view trim_trailing_whitespace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Status validate_http01(const ValidationRequest& request, const ValidatorOptions& options, const dns::Resolver& dns) {
  const auto deadline = Clock::now() + options.timeout;
  const std::string& value = request.identifier.value;
  // RFC 8555 §8.3 / RFC 8738 §6 (an IPv6 address in brackets, RFC 3986 §3.2.2).
  std::string url = "http://" + (value.find(':') != std::string::npos ? "[" + value + "]" : value) +
                    "/.well-known/acme-challenge/" + request.token;
  for (int redirects = 0;; ++redirects) {
    ACMEKIT_TRY(Hop hop, plan_hop(url, options));
    ACMEKIT_TRY(Fetched f, fetch_any(hop, redirects > 0, options, dns, deadline));
    const std::string where = hop.url + " (" + f.peer + ")";
    if (f.status == 301 || f.status == 302 || f.status == 303 || f.status == 307 || f.status == 308) {
      if (f.redirect.empty()) return problem("incorrectResponse", where + ": redirect without a Location");
      if (redirects >= options.max_redirects) {
        return problem("incorrectResponse",
                       where + ": more than " + std::to_string(options.max_redirects) + " redirects");
      }
      url = f.redirect;
      continue;
    }
    if (f.status != 200) {
      return problem("unauthorized", "invalid response from " + where + ": HTTP " + std::to_string(f.status));
    }
    if (f.body_too_large) {
      return problem("unauthorized", "response from " + where + " is larger than " + std::to_string(kMaxBody) +
                                         " bytes, not a key authorization");
    }
    // §8.3: "The server SHOULD ignore whitespace characters at the end of the body."
    if (trim_trailing_whitespace(f.body) != request.key_authorization) {
      return problem("unauthorized", "the key authorization at " + where + " does not match: expected \"" +
                                         request.key_authorization + "\", got \"" +
                                         std::string(trim_trailing_whitespace(f.body)).substr(0, 256) + "\"");
    }
    return {};
  }
}

}  // namespace acmekit::server::va
