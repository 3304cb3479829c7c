#include "cli/acmekit-ca/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/quote.h"
#include "server/ca/crl_shard.h"

namespace acmekit::ca_cli {
namespace {

Status bad(std::string detail) { return make_error(ErrorKind::kInvalidArgument, std::move(detail)); }

template <typename T>
void set_if(std::optional<T> const& flag, T& target) {
  if (flag) target = *flag;
}

// Reads one TOML key into target, with the type the key needs.
Status read_string(const toml::table& t, const char* key, std::string& target) {
  if (auto node = t.get(key)) {
    auto v = node->value<std::string>();
    if (!v) return bad(fmt::format("config: {} must be a string", key));
    target = *v;
  }
  return {};
}

Status read_bool(const toml::table& t, const char* key, bool& target) {
  if (auto node = t.get(key)) {
    auto v = node->value<bool>();
    if (!v) return bad(fmt::format("config: {} must be true or false", key));
    target = *v;
  }
  return {};
}

template <typename Int>
Status read_int(const toml::table& t, const char* key, Int& target, int64_t min, int64_t max) {
  if (auto node = t.get(key)) {
    auto v = node->value<int64_t>();
    if (!v || *v < min || *v > max) return bad(fmt::format("config: {} must be an integer in [{}, {}]", key, min, max));
    target = static_cast<Int>(*v);
  }
  return {};
}

Status read_strings(const toml::table& t, const char* key, std::vector<std::string>& target) {
  if (auto node = t.get(key)) {
    auto* arr = node->as_array();
    if (!arr) return bad(fmt::format("config: {} must be an array of strings", key));
    target.clear();
    for (auto& el : *arr) {
      auto v = el.value<std::string>();
      if (!v) return bad(fmt::format("config: {} must be an array of strings", key));
      target.push_back(*v);
    }
  }
  return {};
}

Status read_duration(const toml::table& t, const char* key, std::chrono::seconds& target) {
  if (auto node = t.get(key)) {
    if (auto n = node->value<int64_t>()) {
      target = std::chrono::seconds(*n);
      return {};
    }
    auto s = node->value<std::string>();
    if (!s) return bad(fmt::format("config: {} must be a duration like \"90d\"", key));
    auto d = parse_duration(*s);
    if (!d) return bad(fmt::format("config: {}: {}", key, d.error().detail));
    target = *d;
  }
  return {};
}

constexpr int64_t kMaxRateLimit = 1'000'000'000;
constexpr int kMaxDatabasePool = 256;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// A DNS name as a URL's host: LDH labels of 1..63 characters, at most 253
// in all (RFC 1035 §2.3.1, RFC 1123 §2.1). The caller takes a host of only
// digits and dots for an IPv4 address instead.
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label) {
      if (!std::isalnum(c) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

bool is_ip(int family, const std::string& text) {
  unsigned char buf[16];
  return inet_pton(family, text.c_str(), buf) == 1;
}

// external_url as given ("" turns it off), normalized.
Status set_external_url(std::string_view text, std::string_view what, ServeConfig& c) {
  if (text.empty()) {
    c.external_url.clear();
    return {};
  }
  ACMEKIT_TRY(auto url, parse_external_url(text, what));
  c.external_url = std::move(url.base);
  return {};
}

Status apply_toml(const std::string& path, ServeConfig& c) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return bad(fmt::format("config {}: {} (line {})", path, e.description(), e.source().begin.line));
  }
  static const std::set<std::string> kKeys = {
      "data_dir", "listen", "management_listen", "listener_names", "issuer_key_type", "alternate_chain",
      "http01_port", "tlsalpn01_port", "dns_resolvers", "hosts_file", "external_account_required",
      "terms_of_service", "website", "caa_identities", "blocked_domains", "certificate_validity", "authz_reuse",
      "retry_after", "threads", "validation_threads", "sqlite_sync", "log_level", "public_suffix_list",
      "external_url", "database", "database_pool", "crl_listen", "crl_url_base", "crl_period", "crl_shards"};
  auto known = [](const std::string& key) {
    if (kKeys.contains(key)) return true;
    for (const auto& s : kRateLimitSettings) {
      if (key == rate_limit_key(s.limit) || key == rate_limit_key(s.limit, "_window")) return true;
    }
    return false;
  };
  for (auto& [k, v] : t) {
    if (!known(std::string(k.str()))) return bad(fmt::format("config {}: unknown key {}", path, debug_quoted(k.str())));
  }
  std::string data_dir, hosts_file;
  ACMEKIT_CHECK(read_string(t, "data_dir", data_dir));
  if (!data_dir.empty()) c.data_dir = data_dir;
  ACMEKIT_CHECK(read_string(t, "listen", c.listen));
  ACMEKIT_CHECK(read_string(t, "management_listen", c.management_listen));
  ACMEKIT_CHECK(read_strings(t, "listener_names", c.listener_names));
  ACMEKIT_CHECK(read_string(t, "crl_listen", c.crl_listen));
  if (t.contains("crl_url_base")) {
    std::string base;
    ACMEKIT_CHECK(read_string(t, "crl_url_base", base));
    if (base.empty()) {
      c.crl_url_base.clear();
    } else {
      ACMEKIT_TRY(c.crl_url_base, parse_crl_url_base(base, "config: crl_url_base"));
    }
  }
  ACMEKIT_CHECK(read_duration(t, "crl_period", c.crl_period));
  ACMEKIT_CHECK(read_int(t, "crl_shards", c.crl_shards, 1, server::ca::kMaxCrlShards));
  if (t.contains("external_url")) {
    std::string url;
    ACMEKIT_CHECK(read_string(t, "external_url", url));
    ACMEKIT_CHECK(set_external_url(url, "config: external_url", c));
  }
  ACMEKIT_CHECK(read_string(t, "issuer_key_type", c.issuer_key_type));
  ACMEKIT_CHECK(read_bool(t, "alternate_chain", c.alternate_chain));
  ACMEKIT_CHECK(read_int(t, "http01_port", c.http01_port, 1, 65535));
  ACMEKIT_CHECK(read_int(t, "tlsalpn01_port", c.tlsalpn01_port, 1, 65535));
  ACMEKIT_CHECK(read_strings(t, "dns_resolvers", c.dns_resolvers));
  ACMEKIT_CHECK(read_string(t, "hosts_file", hosts_file));
  if (!hosts_file.empty()) c.hosts_file = hosts_file;
  ACMEKIT_CHECK(read_bool(t, "external_account_required", c.external_account_required));
  ACMEKIT_CHECK(read_string(t, "terms_of_service", c.terms_of_service));
  ACMEKIT_CHECK(read_string(t, "website", c.website));
  ACMEKIT_CHECK(read_strings(t, "caa_identities", c.caa_identities));
  ACMEKIT_CHECK(read_strings(t, "blocked_domains", c.blocked_domains));
  ACMEKIT_CHECK(read_duration(t, "certificate_validity", c.certificate_validity));
  ACMEKIT_CHECK(read_duration(t, "authz_reuse", c.authz_reuse));
  ACMEKIT_CHECK(read_int(t, "retry_after", c.retry_after, 0, 3600));
  ACMEKIT_CHECK(read_int(t, "threads", c.threads, 1, 256));
  ACMEKIT_CHECK(read_int(t, "validation_threads", c.validation_threads, 1, 1024));
  ACMEKIT_CHECK(read_string(t, "sqlite_sync", c.sqlite_sync));
  ACMEKIT_CHECK(read_string(t, "database", c.database));
  ACMEKIT_CHECK(check_database(c.database, "config: database"));
  ACMEKIT_CHECK(read_int(t, "database_pool", c.database_pool, 1, kMaxDatabasePool));
  ACMEKIT_CHECK(read_string(t, "log_level", c.log_level));
  ACMEKIT_CHECK(read_string(t, "public_suffix_list", c.public_suffix_list));
  for (const auto& s : kRateLimitSettings) {
    server::ra::RateLimit& limit = c.rate_limits[s.limit];
    const std::string key = rate_limit_key(s.limit), window_key = rate_limit_key(s.limit, "_window");
    ACMEKIT_CHECK(read_int(t, key.c_str(), limit.max, 0, kMaxRateLimit));
    ACMEKIT_CHECK(read_duration(t, window_key.c_str(), limit.window));
  }
  return {};
}

}  // namespace

std::string rate_limit_key(server::ra::Limit limit, std::string_view suffix) {
  return fmt::format("rate_limit_{}{}", server::ra::limit_name(limit), suffix);
}

std::string rate_limit_flag(server::ra::Limit limit, std::string_view suffix) {
  std::string flag = "--" + rate_limit_key(limit) + std::string(suffix);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

Result<ExternalUrl> parse_external_url(std::string_view text, std::string_view what) {
  auto invalid = [&](std::string_view why) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{}: {} {}", what, debug_quoted(text), why));
  };
  constexpr std::string_view kHttps = "https://";
  if (!starts_with_nocase(text, kHttps)) {
    // RFC 8555 §6.1: ACME is HTTPS only; a TLS-terminating load balancer
    // still has clients reach it with https://.
    return invalid("is not an https:// URL (RFC 8555 §6.1: ACME servers are reached over HTTPS)");
  }
  std::string_view authority = text.substr(kHttps.size());
  if (authority.ends_with('/')) authority.remove_suffix(1);  // "https://ca.example.net/"
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    return invalid("must be https://HOST[:PORT], without a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) return invalid("must not carry a user name");
  std::string host;
  std::string_view port;
  if (authority.starts_with('[')) {  // RFC 3986 §3.2.2: IP-literal
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid("has no ] after its IPv6 address");
    host = std::string(authority.substr(1, close - 1));
    if (!is_ip(AF_INET6, host)) return invalid("has no valid IPv6 address in its brackets");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return invalid("has something other than :PORT after ]");
    if (!after.empty()) port = after.substr(1);
    if (after == ":") return invalid("has an empty port");
  } else {
    const std::size_t colon = authority.find(':');
    host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return invalid("has an empty port");
    }
    const bool dotted_digits = host.find_first_not_of("0123456789.") == std::string::npos;
    if (host.empty()) return invalid("has no host");
    if (dotted_digits ? !is_ip(AF_INET, host) : !is_dns_name(host)) {
      return invalid("has no valid host (a DNS name, an IPv4 address or a bracketed IPv6 address)");
    }
  }
  if (!port.empty()) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc() || ptr != port.data() + port.size() || n < 1 || n > 65535) {
      return invalid("has a port that is not 1..65535");
    }
  }
  std::string base = "https://" + (host.find(':') != std::string::npos ? "[" + lower(host) + "]" : host);
  if (!port.empty()) base += ":" + std::string(port);
  return ExternalUrl{.base = std::move(base), .host = lower(host)};
}

Status check_database(std::string_view text, std::string_view what) {
  if (text.empty()) return {};  // the default: DATA_DIR/acmekit-ca.db
  if (text.starts_with("sqlite:")) {
    if (text.size() == std::string_view("sqlite:").size()) {
      return bad(fmt::format("{}: sqlite: needs a file, as in sqlite:/var/lib/acmekit-ca/acmekit-ca.db", what));
    }
    return {};
  }
  // libpq's connection URIs (PostgreSQL "Connection URIs"): both schemes.
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) return {};
  // Not the value itself: a mistyped URI may still carry a password.
  const std::size_t colon = text.find(':');
  const std::string scheme = colon == std::string_view::npos ? "none" : debug_quoted(text.substr(0, colon));
  return bad(fmt::format("{} must be sqlite:PATH or a postgres:// or postgresql:// URI (scheme: {})", what, scheme));
}

Result<std::string> parse_crl_url_base(std::string_view text, std::string_view what) {
  std::string_view rest = text;
  while (rest.ends_with('/')) rest.remove_suffix(1);
  constexpr std::string_view kScheme = "http://";
  // RFC 5280 §4.2.1.13: an HTTP URI (a CRL is signed; no TLS).
  if (!starts_with_nocase(rest, kScheme) || rest.size() == kScheme.size() ||
      rest.substr(kScheme.size()).find_first_of("/?#@ \t") != std::string_view::npos ||
      std::ranges::any_of(rest, [](unsigned char ch) { return ch <= 0x20 || ch >= 0x7f; })) {
    return make_error(ErrorKind::kInvalidArgument,
                      fmt::format("{} must be http://HOST[:PORT] (no path), not {}", what, debug_quoted(text)));
  }
  return "http://" + std::string(rest.substr(kScheme.size()));
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return make_error(ErrorKind::kInvalidArgument, "empty duration");
  int64_t unit = 1;
  std::string_view digits = text;
  switch (text.back()) {
    case 'd': unit = 86400; digits.remove_suffix(1); break;
    case 'h': unit = 3600; digits.remove_suffix(1); break;
    case 'm': unit = 60; digits.remove_suffix(1); break;
    case 's': digits.remove_suffix(1); break;
    default: break;
  }
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n < 0 || digits.empty()) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{} is not a duration (e.g. 90d, 6h, 3600)", debug_quoted(text)));
  }
  if (n > std::numeric_limits<int64_t>::max() / unit) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{} is too long a duration", debug_quoted(text)));
  }
  return std::chrono::seconds(n * unit);
}

Result<ServeConfig> resolve_config(const ServeFlags& f) {
  ServeConfig c;
  if (f.config) ACMEKIT_CHECK(apply_toml(*f.config, c));
  if (f.data_dir) c.data_dir = *f.data_dir;
  set_if(f.listen, c.listen);
  set_if(f.management_listen, c.management_listen);
  set_if(f.crl_listen, c.crl_listen);
  if (f.crl_url_base) {
    if (f.crl_url_base->empty()) {
      c.crl_url_base.clear();
    } else {
      ACMEKIT_TRY(c.crl_url_base, parse_crl_url_base(*f.crl_url_base, "--crl-url-base"));
    }
  }
  if (f.crl_period) {
    auto d = parse_duration(*f.crl_period);
    if (!d) return make_error(ErrorKind::kInvalidArgument, "--crl-period: " + d.error().detail);
    c.crl_period = *d;
  }
  if (f.crl_shards) {
    if (*f.crl_shards < 1 || *f.crl_shards > server::ca::kMaxCrlShards) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("--crl-shards must be in [1, {}]", server::ca::kMaxCrlShards));
    }
    c.crl_shards = *f.crl_shards;
  }
  set_if(f.issuer_key_type, c.issuer_key_type);
  if (f.hosts_file) c.hosts_file = *f.hosts_file;
  set_if(f.terms_of_service, c.terms_of_service);
  set_if(f.website, c.website);
  set_if(f.sqlite_sync, c.sqlite_sync);
  if (f.external_url) ACMEKIT_CHECK(set_external_url(*f.external_url, "--external-url", c));
  if (f.database) {
    ACMEKIT_CHECK(check_database(*f.database, "--database"));
    c.database = *f.database;
  }
  if (f.database_pool) {
    if (*f.database_pool < 1 || *f.database_pool > kMaxDatabasePool) {
      return make_error(ErrorKind::kInvalidArgument, fmt::format("--database-pool must be in [1, {}]", kMaxDatabasePool));
    }
    c.database_pool = *f.database_pool;
  }
  set_if(f.log_level, c.log_level);
  set_if(f.alternate_chain, c.alternate_chain);
  set_if(f.external_account_required, c.external_account_required);
  set_if(f.http01_port, c.http01_port);
  set_if(f.tlsalpn01_port, c.tlsalpn01_port);
  set_if(f.retry_after, c.retry_after);
  set_if(f.threads, c.threads);
  set_if(f.validation_threads, c.validation_threads);
  if (!f.listener_names.empty()) c.listener_names = f.listener_names;
  if (!f.dns_resolvers.empty()) c.dns_resolvers = f.dns_resolvers;
  if (!f.caa_identities.empty()) c.caa_identities = f.caa_identities;
  if (!f.blocked_domains.empty()) c.blocked_domains = f.blocked_domains;
  if (f.certificate_validity) {
    ACMEKIT_TRY(c.certificate_validity, parse_duration(*f.certificate_validity));
  }
  if (f.authz_reuse) {
    ACMEKIT_TRY(c.authz_reuse, parse_duration(*f.authz_reuse));
  }
  set_if(f.public_suffix_list, c.public_suffix_list);
  for (const auto& s : kRateLimitSettings) {
    const auto i = static_cast<std::size_t>(s.limit);
    server::ra::RateLimit& limit = c.rate_limits[s.limit];
    if (const auto& max = f.rate_limit_max[i]) {
      if (*max < 0 || *max > kMaxRateLimit) {
        return make_error(ErrorKind::kInvalidArgument,
                          fmt::format("{} must be in [0, {}] (0 disables)", rate_limit_flag(s.limit), kMaxRateLimit));
      }
      limit.max = static_cast<std::size_t>(*max);
    }
    if (const auto& window = f.rate_limit_window[i]) {
      auto d = parse_duration(*window);
      if (!d) return make_error(ErrorKind::kInvalidArgument, rate_limit_flag(s.limit, "-window") + ": " + d.error().detail);
      limit.window = *d;
    }
    if (limit.max > 0 && limit.window.count() < 1) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("{} (or {}) must be at least 1s", rate_limit_flag(s.limit, "-window"),
                                    rate_limit_key(s.limit, "_window")));
    }
  }
  if (c.data_dir.empty()) return make_error(ErrorKind::kInvalidArgument, "--data-dir (or data_dir in --config) is required");
  if (c.issuer_key_type != "ecdsa" && c.issuer_key_type != "rsa") {
    return make_error(ErrorKind::kInvalidArgument, "--issuer-key-type must be ecdsa or rsa");
  }
  if (c.sqlite_sync != "normal" && c.sqlite_sync != "full") {
    return make_error(ErrorKind::kInvalidArgument, "--sqlite-sync must be normal or full");
  }
  if (c.crl_period.count() < 1) {
    return make_error(ErrorKind::kInvalidArgument, "--crl-period (or crl_period) must be at least 1s");
  }
  if (!c.crl_url_base.empty() && c.crl_listen.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "--crl-url-base (or crl_url_base) needs --crl-listen (or crl_listen): CRLs are off without it");
  }
  if (c.certificate_validity.count() < 60) {
    return make_error(ErrorKind::kInvalidArgument, "--certificate-validity must be at least a minute");
  }
  return c;
}

}  // namespace acmekit::ca_cli
