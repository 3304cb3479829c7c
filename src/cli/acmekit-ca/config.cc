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
#include "server/va/address_policy.h"
#include "server/ca/crl_shard.h"

namespace acmekit::ca_cli {
namespace {

Status bad(std::string detail) { return make_error(ErrorKind::kInvalidArgument, std::move(detail)); }

template <typename T>
void set_if(std::optional<T> const& flag, T& target) {
  if (flag) target = *flag;
}

// Reads one TOML key into target, with the type the key needs.
// `label` names the key in messages when it is not top-level
// ("profiles.classic.validity"); nullptr: key.
Status read_string(const toml::table& t, const char* key, std::string& target, const char* label = nullptr) {
  if (auto node = t.get(key)) {
    auto v = node->value<std::string>();
    if (!v) return bad(fmt::format("config: {} must be a string", label ? label : key));
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

Status read_duration(const toml::table& t, const char* key, std::chrono::seconds& target,
                     const char* label = nullptr) {
  if (!label) label = key;
  if (auto node = t.get(key)) {
    if (auto n = node->value<int64_t>()) {
      target = std::chrono::seconds(*n);
      return {};
    }
    auto s = node->value<std::string>();
    if (!s) return bad(fmt::format("config: {} must be a duration like \"90d\"", label));
    auto d = parse_duration(*s);
    if (!d) return bad(fmt::format("config: {}: {}", label, d.error().detail));
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

// Every block parses (server/va/address_policy.h), else the error names what.
Status check_cidrs(const std::vector<std::string>& cidrs, std::string_view what) {
  for (const auto& cidr : cidrs) {
    if (auto parsed = server::va::parse_cidr(cidr); !parsed) return bad(fmt::format("{}: {}", what, parsed.error().detail));
  }
  return {};
}

// One [profiles.NAME] table; every key optional (CertificateProfile's
// defaults), unknown keys refused.
Status read_profile(const std::string& name, const toml::table& t, server::CertificateProfile& p) {
  const std::string where = "config: profiles." + name;
  static const std::set<std::string> kProfileKeys = {"validity",  "description", "identifier_types",
                                                     "max_names", "key_usage",   "ext_key_usage"};
  for (auto& [k, v] : t) {
    if (!kProfileKeys.contains(std::string(k.str()))) {
      return bad(fmt::format("{}: unknown key {}", where, debug_quoted(k.str())));
    }
  }
  p.name = name;
  if (!server::valid_profile_name(name)) {
    return bad(fmt::format("{}: a profile name is 1..64 of A-Z a-z 0-9 . _ -", where));
  }
  const std::string validity_label = "profiles." + name + ".validity";
  ACMEKIT_CHECK(read_duration(t, "validity", p.validity, validity_label.c_str()));
  if (p.validity < std::chrono::minutes(1)) return bad(fmt::format("{}.validity must be at least a minute", where));
  const std::string description_label = "profiles." + name + ".description";
  ACMEKIT_CHECK(read_string(t, "description", p.description, description_label.c_str()));
  if (p.description.empty()) p.description = "certificate profile " + name;
  auto strings = [&](const char* key) -> Result<std::optional<std::vector<std::string>>> {
    if (!t.contains(key)) return std::optional<std::vector<std::string>>{};
    std::vector<std::string> out;
    if (!read_strings(t, key, out)) {
      return make_error(ErrorKind::kInvalidArgument, fmt::format("{}.{} must be an array of strings", where, key));
    }
    if (out.empty()) return make_error(ErrorKind::kInvalidArgument, fmt::format("{}.{} must not be empty", where, key));
    return std::optional(std::move(out));
  };
  ACMEKIT_TRY(auto types, strings("identifier_types"));
  if (types) {
    p.allow_dns = p.allow_ip = false;
    for (const auto& v : *types) {
      if (v == "dns") p.allow_dns = true;  // RFC 8555 §9.7.7
      else if (v == "ip") p.allow_ip = true;  // RFC 8738
      else return bad(fmt::format("{}.identifier_types: {} is not dns or ip", where, debug_quoted(v)));
    }
  }
  if (auto node = t.get("max_names")) {
    auto v = node->value<int64_t>();
    if (!v || *v < 1 || *v > 1000) return bad(fmt::format("{}.max_names must be an integer in [1, 1000]", where));
    p.max_names = static_cast<std::size_t>(*v);
  }
  ACMEKIT_TRY(auto usages, strings("key_usage"));
  if (usages) {
    p.digital_signature = p.key_encipherment = false;
    for (const auto& v : *usages) {
      if (v == "digitalSignature") p.digital_signature = true;  // RFC 5280 §4.2.1.3
      else if (v == "keyEncipherment") p.key_encipherment = true;
      else return bad(fmt::format("{}.key_usage: {} is not digitalSignature or keyEncipherment", where, debug_quoted(v)));
    }
    if (!p.digital_signature) return bad(fmt::format("{}.key_usage must include digitalSignature", where));
  }
  ACMEKIT_TRY(auto ekus, strings("ext_key_usage"));
  if (ekus) {
    p.server_auth = p.client_auth = false;
    for (const auto& v : *ekus) {
      if (v == "serverAuth") p.server_auth = true;  // RFC 5280 §4.2.1.12
      else if (v == "clientAuth") p.client_auth = true;
      else return bad(fmt::format("{}.ext_key_usage: {} is not serverAuth or clientAuth", where, debug_quoted(v)));
    }
  }
  return {};
}

// [profiles.NAME] tables replace the built-ins; default_profile names one
// (needed when there are several).
Status read_profiles(const toml::table& t, server::ProfileSet& set) {
  std::string default_name;
  ACMEKIT_CHECK(read_string(t, "default_profile", default_name));
  if (auto node = t.get("profiles")) {
    auto* tables = node->as_table();
    if (!tables || tables->empty()) {
      return bad("config: profiles must hold tables [profiles.NAME] (e.g. [profiles.classic])");
    }
    server::ProfileSet configured;
    for (auto& [k, v] : *tables) {
      auto* profile_table = v.as_table();
      if (!profile_table) return bad(fmt::format("config: profiles.{} must be a table", k.str()));
      server::CertificateProfile p;
      ACMEKIT_CHECK(read_profile(std::string(k.str()), *profile_table, p));
      configured.profiles.push_back(std::move(p));
    }
    if (default_name.empty()) {
      if (configured.profiles.size() > 1) {
        return bad(fmt::format("config: default_profile is required with more than one profile ({})",
                               configured.names()));
      }
      default_name = configured.profiles.front().name;
    }
    set = std::move(configured);
  }
  if (!default_name.empty()) {
    if (!set.find(default_name)) {
      return bad(fmt::format("config: default_profile {} is not a profile (profiles: {})", debug_quoted(default_name),
                             set.names()));
    }
    set.default_name = default_name;
  }
  if (auto ok = server::check_profiles(set); !ok) return bad("config: " + ok.error().detail);
  return {};
}

// [[remote_va]] tables: name and url each (Baseline Requirements §3.2.2.9
// remote perspectives).
Status read_remote_vas(const toml::table& t, std::vector<RemoteVa>& out) {
  auto node = t.get("remote_va");
  if (!node) return {};
  const auto* array = node->as_array();
  if (!array) return bad("config: remote_va must be an array of tables [[remote_va]]");
  out.clear();
  for (const auto& item : *array) {
    const auto* table = item.as_table();
    if (!table) return bad("config: remote_va must be an array of tables [[remote_va]]");
    for (auto& [k, v] : *table) {
      if (k.str() != "name" && k.str() != "url") {
        return bad(fmt::format("config: remote_va: unknown key {}", debug_quoted(k.str())));
      }
    }
    auto name = (*table)["name"].value<std::string>();
    auto url = (*table)["url"].value<std::string>();
    if (!name || !url) return bad("config: every [[remote_va]] needs a name and a url (strings)");
    auto va = parse_remote_va(*name + "=" + *url);
    if (!va) return bad("config: remote_va: " + va.error().detail);
    out.push_back(std::move(*va));
  }
  return {};
}

Status apply_toml(const std::string& path, ServeConfig& c, std::optional<std::chrono::seconds>& certificate_validity) {
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
      "retry_after", "threads", "validation_threads", "validation_wait", "sqlite_sync", "log_level", "public_suffix_list",
      "external_url", "database", "database_pool", "validation_allow_cidr", "caa_recheck_after", "profiles",
      "default_profile", "crl_listen", "crl_url_base", "crl_period", "crl_shards", "remote_va", "remote_va_timeout"};
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
  ACMEKIT_CHECK(read_strings(t, "validation_allow_cidr", c.validation_allow_cidrs));
  ACMEKIT_CHECK(check_cidrs(c.validation_allow_cidrs, "config: validation_allow_cidr"));
  ACMEKIT_CHECK(read_bool(t, "external_account_required", c.external_account_required));
  ACMEKIT_CHECK(read_string(t, "terms_of_service", c.terms_of_service));
  ACMEKIT_CHECK(read_string(t, "website", c.website));
  ACMEKIT_CHECK(read_strings(t, "caa_identities", c.caa_identities));
  ACMEKIT_CHECK(read_strings(t, "blocked_domains", c.blocked_domains));
  if (t.contains("certificate_validity")) {
    std::chrono::seconds validity{};
    ACMEKIT_CHECK(read_duration(t, "certificate_validity", validity));
    certificate_validity = validity;
  }
  ACMEKIT_CHECK(read_profiles(t, c.profiles));
  ACMEKIT_CHECK(read_remote_vas(t, c.remote_vas));
  ACMEKIT_CHECK(read_duration(t, "remote_va_timeout", c.remote_va_timeout));
  ACMEKIT_CHECK(read_duration(t, "authz_reuse", c.authz_reuse));
  ACMEKIT_CHECK(read_duration(t, "caa_recheck_after", c.caa_recheck_after));
  ACMEKIT_CHECK(read_int(t, "retry_after", c.retry_after, 0, 3600));
  ACMEKIT_CHECK(read_int(t, "threads", c.threads, 1, 256));
  ACMEKIT_CHECK(read_int(t, "validation_threads", c.validation_threads, 1, 1024));
  ACMEKIT_CHECK(read_duration(t, "validation_wait", c.validation_wait));
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

Result<RemoteVa> parse_remote_va(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return make_error(ErrorKind::kInvalidArgument, fmt::format("{} is not NAME=URL", debug_quoted(text)));
  RemoteVa va{.name = std::string(text.substr(0, eq)), .url = std::string(text.substr(eq + 1))};
  if (va.name.empty() || va.name.size() > 64 ||
      !std::ranges::all_of(va.name, [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      })) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("perspective name {} must be 1-64 letters, digits, '-', '_' or '.'", debug_quoted(va.name)));
  }
  // The perspective is reached over mutual TLS only (its certificate from DATA_DIR/mpic).
  auto url = parse_external_url(va.url, "the perspective's URL");
  if (!url) return std::unexpected(url.error());
  va.url = url->base;
  return va;
}

Result<ServeConfig> resolve_config(const ServeFlags& f) {
  ServeConfig c;
  std::optional<std::chrono::seconds> certificate_validity;  // TOML, then the flag
  if (f.config) ACMEKIT_CHECK(apply_toml(*f.config, c, certificate_validity));
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
  if (!f.validation_allow_cidrs.empty()) {
    ACMEKIT_CHECK(check_cidrs(f.validation_allow_cidrs, "--validation-allow-cidr"));
    c.validation_allow_cidrs = f.validation_allow_cidrs;
  }
  if (f.certificate_validity) {
    ACMEKIT_TRY(certificate_validity, parse_duration(*f.certificate_validity));
  }
  if (f.authz_reuse) {
    ACMEKIT_TRY(c.authz_reuse, parse_duration(*f.authz_reuse));
  }
  if (f.caa_recheck_after) {
    ACMEKIT_TRY(c.caa_recheck_after, parse_duration(*f.caa_recheck_after));
  }
  if (f.validation_wait) {
    ACMEKIT_TRY(c.validation_wait, parse_duration(*f.validation_wait));
  }
  // A waiting answer holds a request thread: seconds, not minutes.
  if (c.validation_wait < std::chrono::seconds::zero() || c.validation_wait > std::chrono::seconds(30)) {
    return make_error(ErrorKind::kInvalidArgument, "validation_wait must be between 0 and 30s");
  }
  // CA/B Baseline Requirements §3.2.2.8: never longer than 8 hours.
  if (c.caa_recheck_after > server::ra::kCaaRecheckAfter) {
    return make_error(ErrorKind::kInvalidArgument, "caa_recheck_after may not exceed 8h (Baseline Requirements 3.2.2.8)");
  }
  set_if(f.public_suffix_list, c.public_suffix_list);
  if (!f.remote_vas.empty()) {
    c.remote_vas.clear();
    for (const auto& text : f.remote_vas) {
      auto va = parse_remote_va(text);
      if (!va) return make_error(ErrorKind::kInvalidArgument, "--remote-va: " + va.error().detail);
      c.remote_vas.push_back(std::move(*va));
    }
  }
  if (f.remote_va_timeout) {
    ACMEKIT_TRY(c.remote_va_timeout, parse_duration(*f.remote_va_timeout));
  }
  for (std::size_t i = 0; i < c.remote_vas.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (c.remote_vas[i].name == c.remote_vas[j].name) {
        return make_error(ErrorKind::kInvalidArgument, "two remote perspectives named " + c.remote_vas[i].name);
      }
    }
  }
  if (c.remote_va_timeout.count() < 1) {
    return make_error(ErrorKind::kInvalidArgument, "--remote-va-timeout (or remote_va_timeout) must be at least 1s");
  }
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
  if (certificate_validity) {
    if (certificate_validity->count() < 60) {
      return make_error(ErrorKind::kInvalidArgument, "--certificate-validity must be at least a minute");
    }
    // The default profile's validity (what it was before profiles: the
    // lifetime of every certificate, i.e. of every order without "profile").
    for (auto& p : c.profiles.profiles) {
      if (p.name == c.profiles.default_name) p.validity = *certificate_validity;
    }
  }
  if (c.crl_period.count() < 1) {
    return make_error(ErrorKind::kInvalidArgument, "--crl-period (or crl_period) must be at least 1s");
  }
  if (!c.crl_url_base.empty() && c.crl_listen.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "--crl-url-base (or crl_url_base) needs --crl-listen (or crl_listen): CRLs are off without it");
  }
  return c;
}

}  // namespace acmekit::ca_cli
