// acmekit-ca's command line: every verb and flag with its help text, built
// in one place for main() and for the man page and bash completion that
// src/cli/docgen writes from it.
#include "cli/acmekit-ca/app.h"

#include <fmt/format.h>

#include "core/version.h"

namespace acmekit::ca_cli {
namespace {

constexpr const char* kFooter = R"(
EXAMPLES
  acmekit-ca serve --data-dir /var/lib/acmekit-ca --listen 0.0.0.0:443
  acmekit-ca serve --config /etc/acmekit-ca/config.toml --management-listen 127.0.0.1:9109
  acmekit-ca serve --data-dir ./ca --listen 127.0.0.1:14000 --http01-port 5002 \
      --tlsalpn01-port 5001 --dns-resolver 127.0.0.1:8053       (a test setup)
  acmekit-ca eab add --data-dir /var/lib/acmekit-ca
  acmekit-ca status --data-dir /var/lib/acmekit-ca --cert fullchain.pem
  acmekit-ca migrate --data-dir /var/lib/acmekit-ca --to postgresql://acmekit-ca@db.internal/acmekit_ca
  acmekit-ca va-credentials --data-dir /var/lib/acmekit-ca --name va1 --host va1.internal --out ./va1
  acmekit-ca va --credentials /etc/acmekit-ca/va1 --listen 0.0.0.0:8443      (on the perspective's host)
  acmekit-ca serve --data-dir /var/lib/acmekit-ca --remote-va va1=https://va1.internal:8443 \
      --remote-va va2=https://va2.internal:8443 --remote-va va3=https://va3.internal:8443
  certbot certonly --server https://ca.internal/directory --standalone -d host.internal
      (clients must trust DATA_DIR/root.pem, e.g. REQUESTS_CA_BUNDLE for certbot)

FILES
  DATA_DIR/root.pem                  the root: trust it for the listener and for what it issues
  DATA_DIR/intermediate.pem          the issuing intermediate (sent after each certificate)
  DATA_DIR/*.key.pem                 the CA keys (mode 0600)
  DATA_DIR/acmekit-ca.db             SQLite (WAL): accounts, orders, authorizations, certificates
  DATA_DIR/mpic/                     the private PKI of remote perspectives: ca.pem + ca.key.pem, the
                                     CA's client certificate client.pem + client.key.pem (keys 0600)

CONFIG FILE (TOML; every key is optional, flags override it)
  data_dir = "/var/lib/acmekit-ca"        listen = "0.0.0.0:443"
  management_listen = "127.0.0.1:9109"    listener_names = ["ca.internal"]
  issuer_key_type = "ecdsa"               alternate_chain = false
  http01_port = 80                        tlsalpn01_port = 443
  dns_resolvers = ["127.0.0.1:53"]        hosts_file = "/etc/acmekit-ca/hosts"
  external_account_required = false       terms_of_service = "https://ca.internal/tos"
  website = "https://ca.internal"         caa_identities = ["ca.internal"]
  blocked_domains = ["example.com"]       certificate_validity = "90d"
  authz_reuse = "1d"                      retry_after = 1
  threads = 4                             validation_threads = 32
  validation_wait = "1s"
  sqlite_sync = "normal"                  log_level = "info"
  external_url = "https://ca.internal"    database = "postgresql://acmekit-ca@db.internal/acmekit_ca"
  database_pool = 8                       caa_recheck_after = "8h"
  validation_allow_cidr = ["10.0.0.0/8", "fd00::/8"]
  crl_listen = "0.0.0.0:4002"
  crl_url_base = "http://crl.internal:4002"  crl_period = "1h"     crl_shards = 128
  rate_limit_new_orders_per_account = 300       rate_limit_new_orders_per_account_window = "3h"
  rate_limit_certificates_per_domain = 50       rate_limit_certificates_per_domain_window = "7d"
  rate_limit_certificates_per_name_set = 5      rate_limit_certificates_per_name_set_window = "7d"
  rate_limit_failed_validations = 5             rate_limit_failed_validations_window = "1h"
  public_suffix_list = "/usr/share/publicsuffix/public_suffix_list.dat"
  default_profile = "classic"
  [profiles.classic]                      validity = "90d"
  description = "90-day certificates"     identifier_types = ["dns"]       (dns, ip)
  max_names = 100                         key_usage = ["digitalSignature", "keyEncipherment"]
  ext_key_usage = ["serverAuth", "clientAuth"]
  remote_va_timeout = "30s"
  [[remote_va]]                           name = "va1"     url = "https://va1.internal:8443"

CERTIFICATE PROFILES (draft-ietf-acme-profiles)
  Offered in the directory's meta.profiles (name -> description) and chosen with a newOrder
  "profile"; an order without one gets default_profile, and the order shows its profile.
  Without [profiles.NAME] tables the CA offers Let's Encrypt's: classic (90 days, dns,
  serverAuth + clientAuth; the default), tlsserver (45 days, dns, serverAuth) and
  shortlived (160 hours, dns and ip, serverAuth). Tables replace those; default_profile is
  needed with more than one. A profile's keys: validity, description, identifier_types,
  max_names, key_usage (digitalSignature required; keyEncipherment only for RSA keys),
  ext_key_usage. An unknown profile is invalidProfile (400); a named profile refusing an
  identifier type or the number of names is invalidProfile, the default profile's refusal
  rejectedIdentifier. certificate_validity (--certificate-validity) overrides the default
  profile's validity. ARI windows follow each certificate's own lifetime; the
  certificates-per-name-set window is at most the profile's validity.

CAA (RFC 8659, RFC 8657)
  With caa_identities set, a dns name is issued for only when the first CAA RRset found at
  the name or a parent (below the TLD; CNAMEs followed) lets one of them issue: issue, or
  issuewild for a wildcard when present; ";" lets nobody; accounturi= must be the account
  URL (with external_url when set), validationmethods= must list the challenge used; an
  unknown critical (128) property refuses; iodef and other tags are ignored. A lookup that
  fails (SERVFAIL, REFUSED, timeout) refuses. Refusal: urn:ietf:params:acme:error:caa.
  Checked after the challenge succeeds and again at finalize past caa_recheck_after.

RATE LIMITS
  Sliding windows counted from the database (a restart keeps them), as Let's Encrypt's:
  new orders per account; certificates per registered domain (public suffix list, or the
  last two labels with public_suffix_list = ""; renewals of an issued name set exempt);
  certificates per exact name set; failed validations per account and name (checked at
  newOrder/newAuthz). RFC 9773 "replaces" orders are exempt from both certificate limits,
  not from new orders. 0 disables a limit. Refused requests get
  HTTP 429 urn:ietf:params:acme:error:rateLimited with Retry-After; counted per limit in
  /metrics as acmekit_ca_rate_limited_total{limit="..."}.

POLICY
  Keys (accounts, key changes, CSRs): ECDSA P-256 or P-384, RSA 2048-4096 bits (a multiple
  of 8) with exponent 65537; else badPublicKey (badCSR at finalize). A CSR may not carry
  an account's key; a key revoked for keyCompromise is blocked for good. Accounts are
  found by the RFC 7638 thumbprint of the parsed key. Names: no public suffix or wildcard
  of one, xn-- labels must be valid IDNA A-labels. A CSR's names are its SANs and its
  subject CN, exactly the order's identifiers. The 5-minute backdate is at most a tenth
  of the profile's validity. Validations a killed process left processing restart at start.

VALIDATION ADDRESSES
  http-01 (every redirect hop) and tls-alpn-01 connect only to addresses outside the reserved
  ranges: loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16, fe80::/10),
  multicast, and every other entry of IANA's IPv4 and IPv6 special-purpose registries
  (::ffff:a.b.c.d counts as a.b.c.d; IPv6 outside 2000::/3 too). A name's reserved addresses
  are skipped; a name with no other address fails with a connection problem naming them. An
  IP identifier in a reserved range is rejectedIdentifier at newOrder. --validation-allow-cidr
  (validation_allow_cidr) opens blocks, e.g. 10.0.0.0/8 for an internal CA, 127.0.0.0/8 and
  ::1/128 for tests on loopback.

BEHIND A LOAD BALANCER
  With --external-url https://ca.internal (external_url), the directory, the Location and
  Link headers and every resource URL are https://ca.internal/..., whatever Host a request
  carries, and a JWS url (RFC 8555 §6.4) must be external_url + path, else unauthorized.
  Its host is added to the listener's certificate. Only https:// (RFC 8555 §6.1), no path.

CRLS
  With --crl-listen, every certificate issued carries a CRL distribution point (RFC 5280
  §4.2.1.13) http://BASE/crl/SHARD.crl, SHARD = (notAfter in days since 1970) mod
  crl_shards, and every crl_period the CA signs with the intermediate a v2 CRL per shard
  (issuingDistributionPoint, CRL number = thisUpdate in ms, reason codes; an entry stays
  until a period after its certificate's notAfter). On a shared database one instance
  makes each generation (a lock) and every instance serves the stored ones. /metrics:
  acmekit_ca_crl_last_generation_timestamp_seconds, acmekit_ca_crl_generated_total.

MULTI-PERSPECTIVE VALIDATION (Baseline Requirements 3.2.2.9)
  `acmekit-ca va` runs a remote validation perspective on another network; `va-credentials`
  issues its certificate bundle from DATA_DIR/mpic (made on first use). With --remote-va
  NAME=URL (repeatable; [[remote_va]]), every challenge validation and CAA check runs locally
  (the primary perspective) and at every remote perspective at once, over mutual TLS (each
  side trusts only DATA_DIR/mpic/ca.pem). The primary must succeed, and of N remote
  perspectives at most 1 (N <= 5) or 2 (N >= 6) may not corroborate: a perspective that
  answers a problem, or does not answer within remote_va_timeout (down, refused), does not.
  Otherwise the validation fails with the first disagreeing problem type (serverInternal when
  none answered), its detail naming each perspective and why. Each perspective's result is
  logged ("MPIC ...: perspective NAME: ...") and counted in /metrics:
  acmekit_ca_va_perspective_results_total{perspective,check,result} and
  acmekit_ca_va_corroboration_total{check,result}. Without remote perspectives the local
  validation alone decides.

EXIT STATUS
  0 stopped cleanly (SIGTERM/SIGINT), 1 failure (the reason is logged), 2 bad usage.)";

// `eab add` and `status` read and write the database `serve` uses.
constexpr const char* kAdminDatabaseHelp =
    "The database serve runs with (--database): sqlite:PATH or a postgres:// URI [DATA_DIR/acmekit-ca.db]";

CLI::App* add_serve(CLI::App& app, ServeFlags& f) {
  auto* s = app.add_subcommand("serve", "Run the CA: the ACME server, validation and issuance");
  s->add_option("--config", f.config, "TOML file with any of the settings below (flags override it)")->type_name("FILE");
  s->add_option("--data-dir", f.data_dir, "Where the CA keeps its keys, certificates and database (created on first start)")->type_name("DIR");
  s->add_option("--listen", f.listen, "HTTPS address HOST:PORT of the ACME server [127.0.0.1:14000]")->type_name("HOST:PORT");
  s->add_option("--management-listen", f.management_listen, "HOST:PORT serving Prometheus /metrics and GET /health over plain HTTP [off]")->type_name("HOST:PORT");
  s->add_option("--crl-listen", f.crl_listen,
                "HOST:PORT serving the CA's CRLs (RFC 5280) over plain HTTP, GET /crl/SHARD.crl; also puts a CRL "
                "distribution point in every certificate issued [off]")
      ->type_name("HOST:PORT");
  s->add_option("--crl-url-base", f.crl_url_base,
                "Base of the CRL URLs written into certificates, http://HOST[:PORT] (a load balancer's) "
                "[http:// + --crl-listen's host and port]")
      ->type_name("URL");
  s->add_option("--crl-period", f.crl_period,
                "How often new CRLs are made: a revocation is listed within this time; nextUpdate is twice it "
                "(at least period + 1m) [1h]")
      ->type_name("DURATION");
  s->add_option("--crl-shards", f.crl_shards,
                "CRLs the revocations are spread over by expiry day, 1..4096; keep it once certificates carry the URLs [128]")
      ->type_name("N");
  s->add_option("--listener-name", f.listener_names, "Extra DNS name or IP for the listener's certificate (repeatable)")->type_name("NAME");
  s->add_option("--external-url", f.external_url,
                "Base URL clients reach the CA at, https://HOST[:PORT] (a load balancer's): every URL the CA "
                "writes and the JWS url it expects use it, not the Host header; HOST joins the listener's "
                "certificate [the request's Host]")
      ->type_name("URL");
  s->add_option("--issuer-key-type", f.issuer_key_type, "Key of a new root and intermediate: ecdsa (P-256) or rsa [ecdsa]")->check(CLI::IsMember({"ecdsa", "rsa"}));
  s->add_flag("--alternate-chain", f.alternate_chain, "Also serve a cross-signed alternate chain (Link: rel=\"alternate\")");
  s->add_option("--http01-port", f.http01_port, "Port http-01 validation connects to [80]")->type_name("PORT");
  s->add_option("--tlsalpn01-port", f.tlsalpn01_port, "Port tls-alpn-01 validation connects to [443]")->type_name("PORT");
  s->add_option("--dns-resolver", f.dns_resolvers, "DNS server HOST[:PORT] for validation lookups (repeatable) [/etc/resolv.conf]")->type_name("HOST[:PORT]");
  s->add_option("--hosts-file", f.hosts_file, "/etc/hosts-style file the validator consults before DNS (http-01, tls-alpn-01)")->type_name("FILE");
  s->add_option("--validation-allow-cidr", f.validation_allow_cidrs,
                "Let validation connect to, and IP identifiers name, this reserved block, e.g. 10.0.0.0/8 or "
                "fd00::/8 (repeatable) [none: loopback, private, link-local and the other special-purpose "
                "addresses are refused]")
      ->type_name("CIDR");
  s->add_flag("--external-account-required", f.external_account_required, "Require external account binding (keys from `eab add`)");
  s->add_option("--terms-of-service", f.terms_of_service, "Terms of service URL; new accounts must agree to it")->type_name("URL");
  s->add_option("--website", f.website, "Website URL for the directory's meta")->type_name("URL");
  s->add_option("--caa-identity", f.caa_identities,
                "Issuer domain CAA records name this CA by (repeatable; meta.caaIdentities): with one, CAA "
                "(RFC 8659, RFC 8657 accounturi/validationmethods) is checked for every dns name after its "
                "challenge succeeds, and at finalize when that was over 8h ago; a caa problem refuses. "
                "Without any, CAA is not checked [none]")
      ->type_name("DOMAIN");
  s->add_option("--caa-recheck-after", f.caa_recheck_after,
                "Check CAA again at finalize for validations older than this (Baseline Requirements "
                "3.2.2.8: at most 8h) [8h]")
      ->type_name("DURATION");
  s->add_option("--blocked-domain", f.blocked_domains, "Refuse names at or under this domain (repeatable)")->type_name("DOMAIN");
  s->add_option("--certificate-validity", f.certificate_validity, "Lifetime of the default profile's certificates (overrides its validity): 90d, 6h, 3600 [the profile's]")->type_name("DURATION");
  s->add_option("--authz-reuse", f.authz_reuse, "Reuse a valid authorization while it has this much life left; 0 disables [1d]")->type_name("DURATION");
  s->add_option("--retry-after", f.retry_after, "Retry-After seconds on resources being validated; 0 sends none [1]")->type_name("SECONDS");
  s->add_option("--threads", f.threads, "Threads serving HTTPS [4]")->type_name("N");
  s->add_option("--validation-threads", f.validation_threads, "Validations that may run at once [32]")->type_name("N");
  s->add_option("--validation-wait", f.validation_wait,
                "How long a challenge's answer waits for its validation, so a fast one answers \"valid\"; 0 answers at once [1s]")
      ->type_name("DURATION");
  s->add_option("--sqlite-sync", f.sqlite_sync, "normal: durable across a crash of the process; full: fsync every commit [normal]")->check(CLI::IsMember({"normal", "full"}));
  s->add_option("--database", f.database,
                "Database: sqlite:PATH, or a postgres:// / postgresql:// URI (libpq) several instances share "
                "[DATA_DIR/acmekit-ca.db]")
      ->type_name("URL");
  s->add_option("--database-pool", f.database_pool, "Database connections per instance, 1..256 [8]")->type_name("N");
  s->add_option("--log-level", f.log_level, "debug, info, warn or error [info]")->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  ServeConfig defaults_config;
  // "3h", "7d": how a default window reads in the help.
  auto window_text = [](std::chrono::seconds w) {
    if (w.count() % 86400 == 0) return fmt::format("{}d", w.count() / 86400);
    if (w.count() % 3600 == 0) return fmt::format("{}h", w.count() / 3600);
    return fmt::format("{}s", w.count());
  };
  for (const auto& setting : kRateLimitSettings) {
    const auto i = static_cast<std::size_t>(setting.limit);
    const auto& d = defaults_config.rate_limits[setting.limit];
    s->add_option(rate_limit_flag(setting.limit), f.rate_limit_max[i],
                  fmt::format("{} per window; 0 disables [{}]", setting.help, d.max))
        ->type_name("N");
    s->add_option(rate_limit_flag(setting.limit, "-window"), f.rate_limit_window[i],
                  fmt::format("Window of {}: 3h, 7d, 3600 [{}]", rate_limit_flag(setting.limit),
                              window_text(d.window)))
        ->type_name("DURATION");
  }
  s->add_option("--public-suffix-list", f.public_suffix_list,
                "Public Suffix List file for registered domains; \"\" uses the last two labels "
                "[/usr/share/publicsuffix/public_suffix_list.dat]")->type_name("FILE");
  s->add_option("--remote-va", f.remote_vas,
                "A remote validation perspective NAME=https://HOST:PORT (`acmekit-ca va`; repeatable): every "
                "validation and CAA check needs its corroboration (Baseline Requirements 3.2.2.9) [none]")
      ->type_name("NAME=URL");
  s->add_option("--remote-va-timeout", f.remote_va_timeout,
                "How long a remote perspective may take to answer; no answer counts as not corroborating [30s]")
      ->type_name("DURATION");
  return s;
}

void add_va(CLI::App& app, Invocation& inv) {
  auto* v = app.add_subcommand("va",
                               "Run a remote validation perspective (Baseline Requirements 3.2.2.9) the CA asks "
                               "over mutual TLS");
  inv.va_cmd = v;
  VaOptions& o = inv.va;
  v->add_option("--credentials", o.credentials,
                "The bundle `va-credentials` wrote: ca.pem (client certificates must chain to it), va.pem, va.key.pem")
      ->type_name("DIR")
      ->required();
  v->add_option("--listen", o.listen, "HTTPS address HOST:PORT the CA reaches this perspective at [127.0.0.1:0]")
      ->type_name("HOST:PORT");
  v->add_option("--http01-port", o.http01_port, "Port http-01 validation connects to [80]")->type_name("PORT");
  v->add_option("--tlsalpn01-port", o.tlsalpn01_port, "Port tls-alpn-01 validation connects to [443]")->type_name("PORT");
  v->add_option("--dns-resolver", o.dns_resolvers, "DNS server HOST[:PORT] for validation and CAA lookups (repeatable) [/etc/resolv.conf]")->type_name("HOST[:PORT]");
  v->add_option("--hosts-file", o.hosts_file, "/etc/hosts-style file consulted before DNS (http-01, tls-alpn-01)")->type_name("FILE");
  v->add_option("--validation-allow-cidr", o.validation_allow_cidrs,
                "Let validation connect to this reserved block (repeatable), as serve's flag [none]")
      ->type_name("CIDR");
  v->add_option("--log-level", o.log_level, "debug, info, warn or error [info]")->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  v->footer(R"(
Answers POST /validate and POST /caa (JSON) and GET /health, over HTTPS with
va.pem; a client without a certificate chaining to ca.pem (EKU clientAuth)
is refused in the TLS handshake. Validation is the CA's own, from this
host's network: its DNS view, hosts file and address policy. CAA is checked
for the issuer domains the CA sends. Exit status 0 on SIGTERM/SIGINT, 1 on
failure, 2 on bad usage.)");

  auto* c = app.add_subcommand("va-credentials",
                               "Issue a remote perspective's certificate bundle (ca.pem, va.pem, va.key.pem) from "
                               "DATA_DIR/mpic");
  inv.va_credentials_cmd = c;
  c->add_option("--data-dir", inv.va_credentials.data_dir, "The CA's data directory")->type_name("DIR")->required();
  c->add_option("--name", inv.va_credentials.name, "The perspective's name (as in --remote-va NAME=URL)")
      ->type_name("NAME")
      ->required();
  c->add_option("--host", inv.va_credentials.hosts,
                "DNS name or IP address the CA's URL for it names (repeatable) [NAME]")
      ->type_name("HOST");
  c->add_option("--out", inv.va_credentials.out, "Directory to write the bundle to (created 0700; key 0600)")
      ->type_name("DIR")
      ->required();
}

void add_migrate(CLI::App& app, Invocation& inv) {
  auto* m = app.add_subcommand("migrate",
                               "Copy a SQLite CA's whole state into an empty PostgreSQL database, to serve it "
                               "with --database");
  inv.migrate_cmd = m;
  auto* data_dir = m->add_option("--data-dir", inv.migrate.data_dir,
                                 "The CA's data directory: migrate DATA_DIR/acmekit-ca.db")
                       ->type_name("DIR");
  auto* from = m->add_option("--from", inv.migrate.from, "The SQLite database: sqlite:PATH or PATH")
                   ->type_name("DATABASE");
  from->excludes(data_dir);
  m->add_option("--to", inv.migrate.to,
                "The PostgreSQL database, a postgres:// or postgresql:// URI (libpq); it must hold no CA state")
      ->type_name("URL")
      ->required();
  m->add_flag("--json", inv.migrate.json, "Print {\"from\", \"to\", \"tables\": {TABLE: ROWS}, ...} as JSON");
  m->footer(R"(
Copies accounts (with their ids, so account URLs stay valid), orders (with
their sequence), authorizations, certificates (revocable as before), EAB
keys, blocked keys and shared secrets: every table but redeemed nonces and
the health probe's row. The SQLite database is read in one transaction, a
consistent snapshot even while the CA is serving (WAL), and not written to
(only a schema older than this build's is upgraded first, as `serve` would).
PostgreSQL is written in one transaction: all of the rows or, on any error,
none. The target's schema is created first; a target that already holds CA
state, or whose columns differ from the source's, is refused. The password
in --to is never printed.

Afterwards stop the SQLite CA (what it changes after the snapshot is not
copied) and start each instance with --database URL and a copy of the same
data dir: the CA keys and certificates stay files there.

  acmekit-ca migrate --data-dir /var/lib/acmekit-ca \
      --to postgresql://acmekit-ca@db.internal/acmekit_ca
  acmekit-ca serve --data-dir /var/lib/acmekit-ca \
      --database postgresql://acmekit-ca@db.internal/acmekit_ca

Exit status 0 when copied, 1 on failure (no rows written), 2 on bad usage.)");
}

}  // namespace

std::unique_ptr<CLI::App> make_app(Invocation& inv) {
  auto owned = std::make_unique<CLI::App>(
      "acmekit-ca: an ACME (RFC 8555) certificate authority for internal networks and tests", "acmekit-ca");
  CLI::App& app = *owned;
  app.footer(kFooter);
  app.require_subcommand(1);
  app.set_version_flag("--version", "acmekit-ca " + std::string(kVersion), "Print the version and exit");
  inv.serve_cmd = add_serve(app, inv.serve);
  auto* eab_cmd = app.add_subcommand("eab", "External account binding keys (RFC 8555 §7.3.4)");
  eab_cmd->require_subcommand(1);
  inv.eab_add_cmd = eab_cmd->add_subcommand("add", "Create a key: prints its kid and base64url MAC key, once");
  inv.eab_add_cmd->add_option("--data-dir", inv.eab.data_dir, "The CA's data directory")->type_name("DIR")->required();
  inv.eab_add_cmd->add_option("--database", inv.eab.database, kAdminDatabaseHelp)->type_name("URL");
  inv.eab_add_cmd->add_option("--kid", inv.eab.kid, "Key id to use [random]")->type_name("KID");
  inv.eab_add_cmd->add_flag("--json", inv.eab.json, "Print {\"kid\", \"hmac_key\"} as JSON");
  inv.status_cmd =
      app.add_subcommand("status", "Show one certificate's record (valid/revoked, names, dates) as JSON");
  inv.status_cmd->add_option("--data-dir", inv.status.data_dir, "The CA's data directory")->type_name("DIR")->required();
  inv.status_cmd->add_option("--database", inv.status.database, kAdminDatabaseHelp)->type_name("URL");
  auto* by_cert = inv.status_cmd->add_option("--cert", inv.status.cert_path, "PEM file of the certificate")->type_name("FILE");
  auto* by_serial = inv.status_cmd->add_option("--serial", inv.status.serial, "Serial number, hex")->type_name("HEX");
  by_cert->excludes(by_serial);
  // --data-dir, one of --cert / --serial (run_status checks which), and --database if given.
  inv.status_cmd->require_option(2, 3);
  add_migrate(app, inv);
  add_va(app, inv);
  return owned;
}

}  // namespace acmekit::ca_cli
