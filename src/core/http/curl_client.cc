#include "core/http/curl_client.h"

#include <curl/curl.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace acmekit::http {
namespace {

constexpr const char* kSystemStore = "/etc/ssl/certs/ca-certificates.crt";

// A directory OpenSSL can look issuers up in: one `<hash>.0` link at least
// (X509_LOOKUP_hash_dir).
bool has_hash_links(const std::string& dir) {
  if (dir.empty()) return false;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() == 10 && name.ends_with(".0") &&
        name.find_first_not_of("0123456789abcdef") == 8) {
      return true;
    }
  }
  return false;
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(s).str();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// One line, no control characters: curl's error buffer may end in '\n'.
std::string one_line(std::string_view s) {
  std::string out;
  for (char c : trim(s)) {
    out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  }
  return out;
}

size_t on_body(char* data, size_t size, size_t nmemb, void* userdata) {
  static_cast<std::string*>(userdata)->append(data, size * nmemb);
  return size * nmemb;
}

size_t on_header(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* headers = static_cast<Headers*>(userdata);
  const size_t n = size * nmemb;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 1xx or a proxy CONNECT): only the final
    // response's headers count.
    headers->items.clear();
    return n;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // Obsolete line folding: continues the previous header's value.
    std::string_view more = trim(line);
    if (!headers->items.empty() && !more.empty()) {
      headers->items.back().second += " ";
      headers->items.back().second += more;
    }
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank end line
  std::string_view name = trim(line.substr(0, colon));
  if (name.empty()) return n;
  headers->add(std::string(name), std::string(trim(line.substr(colon + 1))));
  return n;
}

// "https://host:port/" for messages, or the URL as given if it cannot be
// parsed.
std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return url;
  std::string out = url;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = std::string(scheme) + "://" + host + ":" + port + "/";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

bool is_tls_trust_failure(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:  // == CURLE_SSL_CACERT since 7.62
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

std::unexpected<Error> transport_error(const Request& req, CURLcode rc, const char* errbuf) {
  std::string detail = one_line(errbuf);
  if (detail.empty()) detail = curl_easy_strerror(rc);
  if (is_tls_trust_failure(rc)) {
    return make_error(ErrorKind::kUnavailable,
                      "TLS certificate of " + origin_of(req.url) + " is not trusted: " + detail +
                          " (use --ca-bundle to add a trust anchor)");
  }
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return make_error(ErrorKind::kUnavailable,
                        req.method + " " + req.url + " timed out: " + detail);
    case CURLE_SSL_CONNECT_ERROR:
      return make_error(ErrorKind::kUnavailable, "TLS handshake with " + origin_of(req.url) +
                                                 " failed: " + detail);
    default:
      return make_error(ErrorKind::kUnavailable,
                        req.method + " " + req.url + " failed: " + detail);
  }
}

}  // namespace

CurlClient::CurlClient(ClientOptions options) : options_(std::move(options)) {
  global_init_once();
  if (!options_.ca_bundle_only && has_hash_links(options_.system_store_dir)) system_dir_ = options_.system_store_dir;
  if (!options_.ca_bundle.empty()) {
    auto extra = read_whole_file(options_.ca_bundle);
    if (!extra) {
      init_error_ = Error{.kind = ErrorKind::kInvalidArgument,
                          .detail = "cannot read CA bundle " + options_.ca_bundle};
    } else if (extra->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      init_error_ = Error{.kind = ErrorKind::kInvalidArgument,
                          .detail = "CA bundle " + options_.ca_bundle +
                                    " contains no PEM certificate"};
    } else {
      // The system store may be absent (minimal containers): then only the
      // given bundle is trusted.
      if (!options_.ca_bundle_only && system_dir_.empty()) ca_blob_ = read_whole_file(kSystemStore).value_or("");
      if (!ca_blob_.empty() && ca_blob_.back() != '\n') ca_blob_ += '\n';
      ca_blob_ += *extra;
      if (ca_blob_.back() != '\n') ca_blob_ += '\n';
    }
  }
  if (options_.ca_bundle_only && options_.ca_bundle.empty() && !init_error_) {
    init_error_ = Error{.kind = ErrorKind::kInvalidArgument, .detail = "ca_bundle_only without a CA bundle"};
  }
  if (options_.client_cert_pem.empty() != options_.client_key_pem.empty() && !init_error_) {
    init_error_ = Error{.kind = ErrorKind::kInvalidArgument,
                        .detail = "a TLS client certificate needs both the certificate and its key"};
  }
  handle_ = curl_easy_init();
  if (handle_ == nullptr && !init_error_) {
    init_error_ = Error{.kind = ErrorKind::kInternal, .detail = "curl_easy_init failed"};
  }
}

CurlClient::~CurlClient() {
  if (handle_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(handle_));
}

Result<std::unique_ptr<CurlClient>> CurlClient::create(ClientOptions options) {
  auto client = std::make_unique<CurlClient>(std::move(options));
  if (client->init_error_) return std::unexpected(*client->init_error_);
  return client;
}

Result<Response> CurlClient::send(const Request& request) {
  if (init_error_) return std::unexpected(*init_error_);
  if (request.url.empty()) return make_error(ErrorKind::kInvalidArgument, "empty URL");

  std::lock_guard lock(mu_);
  CURL* h = static_cast<CURL*>(handle_);
  // Forget the previous request's options; live connections, the DNS cache
  // and TLS sessions are kept.
  curl_easy_reset(h);

  Response response;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* header_list = nullptr;
  struct ListGuard {
    curl_slist*& l;
    ~ListGuard() { curl_slist_free_all(l); }
  } guard{header_list};

  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_blob_.empty() || !system_dir_.empty()) {
    // Not curl's default bundle file: the system store through its hashed
    // directory (read an issuer at a time), the extra anchors from memory.
    curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(h, CURLOPT_CAPATH, system_dir_.empty() ? nullptr : system_dir_.c_str());
  }
  if (!ca_blob_.empty()) {
    curl_blob blob{.data = ca_blob_.data(), .len = ca_blob_.size(), .flags = CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!options_.client_cert_pem.empty()) {
    // RFC 8446 §4.4.2: our certificate when the server requests one.
    curl_blob cert{.data = options_.client_cert_pem.data(), .len = options_.client_cert_pem.size(),
                   .flags = CURL_BLOB_NOCOPY};
    curl_blob key{.data = options_.client_key_pem.data(), .len = options_.client_key_pem.size(),
                  .flags = CURL_BLOB_NOCOPY};
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);

  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, nullptr);  // the handle is reused
  curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
  const bool with_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH" ||
                         (request.method == "DELETE" && !request.body.empty());
  if (request.method == "GET" || (request.method == "DELETE" && !with_body)) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (request.method == "DELETE") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (with_body) {
    // DNS provider APIs (PATCH, PUT, DELETE): a POST with another verb.
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else {
    return make_error(ErrorKind::kInvalidArgument,
                      "unsupported HTTP method " + request.method);
  }

  bool has_content_type = false;
  for (const auto& [name, value] : request.headers.items) {
    if (name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return make_error(ErrorKind::kInvalidArgument,
                        "invalid HTTP request header " + name);
    }
    if (name == "content-type") has_content_type = true;
    // "Name;" is curl's syntax for a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl_slist_append(header_list, line.c_str());
    if (next == nullptr) return make_error(ErrorKind::kInternal, "out of memory");
    header_list = next;
  }
  // No "Expect: 100-continue" round trip for POST bodies, and no form
  // content type unless the caller asked for one.
  for (const char* extra : {"Expect:", has_content_type ? nullptr : "Content-Type:"}) {
    if (extra == nullptr || !with_body) continue;
    curl_slist* next = curl_slist_append(header_list, extra);
    if (next == nullptr) return make_error(ErrorKind::kInternal, "out of memory");
    header_list = next;
  }
  if (header_list != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list);

  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) return transport_error(request, rc, errbuf);

  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace acmekit::http
