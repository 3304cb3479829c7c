// acmekit-ca's settings: defaults, then the TOML file (--config), then the
// flags given on the command line, each overriding the one before.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/profiles.h"
#include "server/ra/rate_limits.h"
#include "server/ra/registration_authority.h"

namespace acmekit::ca_cli {

// One remote validation perspective: --remote-va NAME=URL, [[remote_va]].
struct RemoteVa {
  std::string name;  // letters, digits, '-', '_', '.'
  std::string url;   // https://HOST:PORT
};

// "NAME=URL" (--remote-va); kInvalidArgument naming what is wrong.
[[nodiscard]] Result<RemoteVa> parse_remote_va(std::string_view text);

struct ServeConfig {
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:14000";
  std::string management_listen;          // Prometheus /metrics; empty: off
  // RFC 5280 CRLs (server/ca/crl.h): served over plain HTTP at
  // crl_listen (empty: CRLs off, and certificates carry no distribution
  // point); the URL base written into certificates, "http://HOST[:PORT]"
  // (empty: http:// + crl_listen's host and bound port); a new generation
  // every crl_period; crl_shards shards by expiry (server/ca/crl_shard.h).
  std::string crl_listen;
  std::string crl_url_base;
  std::chrono::seconds crl_period{std::chrono::hours(1)};
  int crl_shards = 128;
  std::vector<std::string> listener_names;  // extra names in the listener certificate
  // The base URL clients reach the CA at, e.g. a load balancer's
  // "https://ca.example.net" (parse_external_url's form). When set, every
  // URL the CA writes (directory, Location, Link, resources) and the JWS
  // "url" it expects (RFC 8555 §6.4) use it, whatever the request's Host
  // says; its host is also a name of the listener certificate. Empty: the
  // URLs are https:// + the request's Host.
  std::string external_url;
  std::string issuer_key_type = "ecdsa";  // "ecdsa" (P-256) | "rsa" (2048)
  bool alternate_chain = false;
  uint16_t http01_port = 80;
  uint16_t tlsalpn01_port = 443;
  std::vector<std::string> dns_resolvers;
  std::filesystem::path hosts_file;
  // CIDR blocks validation may connect to (and IP identifiers may name)
  // although they are reserved (server/va/address_policy.h); checked by
  // resolve_config. Empty: every reserved range is refused.
  std::vector<std::string> validation_allow_cidrs;
  bool external_account_required = false;
  std::string terms_of_service, website;
  // CAA issuer domains (RFC 8659 §4.2); empty: CAA is not checked.
  std::vector<std::string> caa_identities;
  // CAA checked again at finalize past this (server::ra::kCaaRecheckAfter at most).
  std::chrono::seconds caa_recheck_after{server::ra::kCaaRecheckAfter};
  std::vector<std::string> blocked_domains;
  // Certificate profiles (draft-ietf-acme-profiles): [profiles.NAME] tables
  // and default_profile, else the built-ins (classic, tlsserver,
  // shortlived; server/profiles.h). certificate_validity
  // (--certificate-validity), when given, overrides the default profile's
  // validity, as it set every certificate's lifetime before profiles.
  server::ProfileSet profiles = server::ProfileSet::builtin();
  std::chrono::seconds authz_reuse{std::chrono::hours(24)};
  int retry_after = 1;
  int threads = 4;
  int validation_threads = 32;
  // How long a challenge's answer waits for its validation (RaOptions::
  // validation_wait); 0 answers at once.
  std::chrono::seconds validation_wait{1};
  std::string sqlite_sync = "normal";
  // Where the CA keeps its state: "" the SQLite file DATA_DIR/acmekit-ca.db,
  // "sqlite:PATH" a SQLite file, or a libpq connection URI
  // "postgres://..." / "postgresql://..." that several instances share.
  std::string database;
  // Database connections one instance keeps open (PostgreSQL), 1..256.
  int database_pool = 8;
  std::string log_level = "info";
  // Rate limits, Boulder's defaults (server/ra/rate_limits.h); public_suffixes
  // is left for serve to load from public_suffix_list ("": last two labels).
  server::ra::RateLimitOptions rate_limits;
  std::string public_suffix_list{server::ra::kDefaultPublicSuffixList};
  // Multi-perspective issuance corroboration (Baseline Requirements
  // §3.2.2.9): remote perspectives (`acmekit-ca va`) asked for every
  // validation and CAA check, over mutual TLS with DATA_DIR/mpic; none: the
  // local validation alone decides, as before.
  std::vector<RemoteVa> remote_vas;
  std::chrono::seconds remote_va_timeout{30};
};

// The rate limits as configured: TOML key / flag stem, and the limit.
// "new_orders_per_account" -> rate_limit_new_orders_per_account (+ _window),
// --rate-limit-new-orders-per-account (+ -window).
struct RateLimitSetting {
  server::ra::Limit limit;
  const char* help;  // for --help
};
inline constexpr std::array<RateLimitSetting, server::ra::kLimitCount> kRateLimitSettings{{
    {server::ra::Limit::kNewOrdersPerAccount, "New orders per account"},
    {server::ra::Limit::kCertificatesPerDomain, "Certificates per registered domain (renewals exempt)"},
    {server::ra::Limit::kCertificatesPerNameSet, "Certificates per exact set of names (duplicates)"},
    {server::ra::Limit::kFailedValidations, "Failed validations per account and name"},
}};
// "rate_limit_new_orders_per_account" + suffix ("_window"), and the flag
// "--rate-limit-new-orders-per-account" + suffix ("-window").
std::string rate_limit_key(server::ra::Limit limit, std::string_view suffix = "");
std::string rate_limit_flag(server::ra::Limit limit, std::string_view suffix = "");

// The flags of `serve`, unset unless given.
struct ServeFlags {
  std::optional<std::string> config;
  std::optional<std::string> data_dir, listen, management_listen, issuer_key_type, hosts_file, terms_of_service,
      website, certificate_validity, authz_reuse, sqlite_sync, log_level, caa_recheck_after,
      validation_wait;
  std::optional<std::string> external_url;  // see ServeConfig::external_url
  std::optional<std::string> crl_listen, crl_url_base, crl_period;  // see ServeConfig::crl_listen
  std::optional<int> crl_shards;
  std::optional<std::string> database;      // see ServeConfig::database
  std::optional<int> database_pool;
  std::optional<bool> alternate_chain, external_account_required;
  std::optional<uint16_t> http01_port, tlsalpn01_port;
  std::optional<int> retry_after, threads, validation_threads;
  std::vector<std::string> listener_names, dns_resolvers, caa_identities, blocked_domains, validation_allow_cidrs;
  // Indexed by server::ra::Limit: events per window (0: off) and the window.
  std::array<std::optional<int64_t>, server::ra::kLimitCount> rate_limit_max;
  std::array<std::optional<std::string>, server::ra::kLimitCount> rate_limit_window;
  std::optional<std::string> public_suffix_list;
  std::vector<std::string> remote_vas;           // NAME=URL
  std::optional<std::string> remote_va_timeout;  // DURATION
};

// Defaults ← TOML file (if flags.config) ← flags. kInvalidArgument naming
// the key or flag for a bad value or an unknown TOML key.
Result<ServeConfig> resolve_config(const ServeFlags& flags);

// An external URL (ServeConfig::external_url) as serve uses it.
struct ExternalUrl {
  std::string base;  // "https://ca.example.net:8443": scheme and host lower-cased, no trailing slash
  std::string host;  // "ca.example.net", "192.0.2.1" or "2001:db8::1" (no brackets): a listener name
};

// "https://HOST[:PORT]" with an optional trailing "/": HOST a DNS name, an
// IPv4 address or a bracketed IPv6 address, PORT 1..65535. Only https
// (RFC 8555 §6.1: ACME is served over HTTPS); no user, path, query or
// fragment. kInvalidArgument naming `what` otherwise.
[[nodiscard]] Result<ExternalUrl> parse_external_url(std::string_view text, std::string_view what);

// A database setting (ServeConfig::database): "", "sqlite:PATH" (PATH not
// empty), or "postgres://..." / "postgresql://..." (libpq checks the rest
// when it connects). kInvalidArgument naming `what` otherwise; the message
// does not repeat the value, which may hold a password.
[[nodiscard]] Status check_database(std::string_view text, std::string_view what);

// A CRL URL base (ServeConfig::crl_url_base): "http://HOST[:PORT]" with an
// optional trailing "/" (dropped); no path, query or user. kInvalidArgument
// naming `what` otherwise.
[[nodiscard]] Result<std::string> parse_crl_url_base(std::string_view text, std::string_view what);

// "90d", "6h", "30m", "45s" or plain seconds.
Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace acmekit::ca_cli
