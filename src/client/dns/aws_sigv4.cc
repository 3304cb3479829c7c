#include "client/dns/aws_sigv4.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "client/dns/api_client.h"
#include "core/crypto/digest.h"

namespace acmekit::client::dns_api {
namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The canonical URI: each segment of the URL's path encoded again (every
// service but S3), "/" when empty.
std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    out += url_encode(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

// The canonical query: each name and value percent-encoded (unreserved
// kept), sorted by name then value, joined by "&".
std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view item = query.substr(start, amp - start);
    if (!item.empty()) {
      const std::size_t eq = item.find('=');
      params.emplace_back(url_encode(percent_decode(item.substr(0, eq))),
                          eq == std::string_view::npos ? "" : url_encode(percent_decode(item.substr(eq + 1))));
    }
    start = amp + 1;
  }
  std::ranges::sort(params);
  std::string out;
  for (const auto& [k, v] : params) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// Header values: leading and trailing spaces trimmed, inner runs of spaces one.
std::string trim_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string aws_amz_date(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", std::chrono::floor<std::chrono::seconds>(t));
}

Status aws_sigv4_sign(http::Request& req, const AwsCredentials& credentials, std::string_view region,
                      std::string_view service, std::string_view amz_date) {
  // scheme://host[:port]/path?query
  const std::string_view url = req.url;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || amz_date.size() < 8) {
    return make_error(ErrorKind::kInvalidArgument, "SigV4: cannot sign " + req.url);
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t path_start = std::min(rest.find('/'), rest.find('?'));
  std::string host(rest.substr(0, path_start));
  if (host.empty()) return make_error(ErrorKind::kInvalidArgument, "SigV4: no host in " + req.url);
  if ((scheme == "https" && host.ends_with(":443")) || (scheme == "http" && host.ends_with(":80"))) {
    host.erase(host.rfind(':'));
  }
  std::string_view path_query = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  const std::size_t q = path_query.find('?');
  const std::string_view path = path_query.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : path_query.substr(q + 1);

  req.headers.add("X-Amz-Date", std::string(amz_date));
  if (!credentials.session_token.empty()) req.headers.add("X-Amz-Security-Token", credentials.session_token);
  std::vector<std::pair<std::string, std::string>> headers{{"host", host}};
  for (const auto& [name, value] : req.headers.items) {
    std::string lower = name;
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "host" || lower == "authorization") continue;
    headers.emplace_back(std::move(lower), trim_value(value));
  }
  std::ranges::stable_sort(headers, {}, &std::pair<std::string, std::string>::first);
  std::string canonical_headers, signed_headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    // A repeated name: one line, its values comma-joined in order.
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.back() = ',';
      canonical_headers += headers[i].second + "\n";
      continue;
    }
    canonical_headers += headers[i].first + ":" + headers[i].second + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + headers[i].first;
  }
  const std::string canonical_request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", req.method, canonical_uri(path), canonical_query(query), canonical_headers,
                  signed_headers, hex(crypto::sha256(req.body)));
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = fmt::format("{}/{}/{}/aws4_request", date, region, service);
  const std::string to_sign =
      fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope, hex(crypto::sha256(canonical_request)));
  ACMEKIT_TRY(std::string key, crypto::hmac("SHA256", "AWS4" + credentials.secret_access_key, date));
  ACMEKIT_TRY(key, crypto::hmac("SHA256", key, region));
  ACMEKIT_TRY(key, crypto::hmac("SHA256", key, service));
  ACMEKIT_TRY(key, crypto::hmac("SHA256", key, "aws4_request"));
  ACMEKIT_TRY(const std::string signature, crypto::hmac("SHA256", key, to_sign));
  req.headers.add("Authorization",
                  fmt::format("AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                              credentials.access_key_id, scope, signed_headers, hex(signature)));
  return {};
}

}  // namespace acmekit::client::dns_api
