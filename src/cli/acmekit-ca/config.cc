#include "cli/acmekit-ca/config.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/quote.h"

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
      "retry_after", "threads", "validation_threads", "sqlite_sync", "log_level", "public_suffix_list"};
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
  set_if(f.issuer_key_type, c.issuer_key_type);
  if (f.hosts_file) c.hosts_file = *f.hosts_file;
  set_if(f.terms_of_service, c.terms_of_service);
  set_if(f.website, c.website);
  set_if(f.sqlite_sync, c.sqlite_sync);
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
  if (c.certificate_validity.count() < 60) {
    return make_error(ErrorKind::kInvalidArgument, "--certificate-validity must be at least a minute");
  }
  return c;
}

}  // namespace acmekit::ca_cli
