// `acmekit-ca serve`: the CA's parts wired together (Boulder's components
// in one process), in the order a request meets them.
#include <csignal>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/acmekit-ca/commands.h"
#include "cli/acmekit-ca/long_running.h"
#include "cli/acmekit-ca/maintenance.h"
#include "cli/acmekit-ca/systemd_notify.h"
#include "core/clock.h"
#include "server/ca/authority.h"
#include "server/ca/crl.h"
#include "core/http/server.h"
#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"
#include "server/sa/storage.h"
#include "server/va/remote/credentials.h"
#include "server/va/remote/multi_perspective.h"
#include "server/va/remote/remote_validator.h"
#include "server/va/validator.h"
#include "server/wfe/crl_endpoint.h"
#include "server/wfe/management.h"
#include "server/wfe/problems.h"
#include "server/wfe/wfe.h"

namespace acmekit::ca_cli {

namespace fs = std::filesystem;

// Challenge answers that may wait for their validation at the same time,
// each on a thread (see run_serve).
constexpr int kMaxValidationWaiters = 256;

int run_serve(const ServeConfig& c) {
  // Signals are taken by sigwait only: block them before any thread starts.
  block_stop_signals();

  // Registered domains for the certificates-per-domain limit: the Public
  // Suffix List (Debian's publicsuffix package) unless turned off with "".
  // A missing default file falls back to the last two labels; a file named
  // in the configuration must be there.
  std::shared_ptr<const server::ra::PublicSuffixList> public_suffixes;
  if (!c.public_suffix_list.empty()) {
    auto psl = server::ra::PublicSuffixList::load(c.public_suffix_list);
    if (psl) {
      public_suffixes = std::make_shared<server::ra::PublicSuffixList>(std::move(*psl));
    } else if (c.public_suffix_list == server::ra::kDefaultPublicSuffixList) {
      spdlog::warn("{}; registered domains are the last two labels (install Debian's publicsuffix)",
                   psl.error().message());
    } else {
      return fail("public suffix list", psl.error());
    }
  }

  std::error_code ec;
  fs::create_directories(c.data_dir, ec);
  fs::permissions(c.data_dir, fs::perms::owner_all, ec);

  // sa: durable state, SQLite in the data dir or PostgreSQL (--database).
  auto storage =
      server::sa::open_database(c.database, c.data_dir, {.synchronous = c.sqlite_sync}, c.database_pool);
  if (!storage) return fail("database", storage.error());
  const bool shared_database = (*storage)->engine() != "sqlite";
  spdlog::info("database: {}{}", (*storage)->engine(),
               c.database.empty() ? "" : " " + server::sa::redact_database_url(c.database));
  SystemClock clock;

  // CRLs (RFC 5280 §5), with --crl-listen: a plain-HTTP listener of its own,
  // the same core/http Server the management listener is, serving the CRLs
  // stored in the database (wfe/crl_endpoint). Its own port, not the
  // management one: relying parties anywhere fetch CRLs, while /metrics and
  // /health are for the operator. Started before the CA is loaded, so the
  // URL base written into certificates can carry the port it bound (port 0).
  std::optional<server::wfe::CrlEndpoint> crl_endpoint;
  std::unique_ptr<http::Server> crl_server;
  std::string crl_url_base = c.crl_url_base;
  if (!c.crl_listen.empty()) {
    crl_endpoint.emplace(**storage, clock, c.crl_shards);
    auto s = http::Server::start({.listen = c.crl_listen, .name = "CRL", .threads = 1},
                                 [&crl_endpoint](const http::ServerRequest& r) { return crl_endpoint->handle(r); });
    if (!s) return fail("the CRL listener", s.error());
    crl_server = std::move(*s);
    if (crl_url_base.empty()) {
      // Derived from the address bound; a wildcard address names no host a
      // relying party can reach, so loopback stands in (set --crl-url-base).
      std::string host = host_of(c.crl_listen);
      if (host == "0.0.0.0" || host == "::" || host.empty()) {
        spdlog::warn("--crl-listen {} is a wildcard address: certificates will name CRLs on 127.0.0.1; "
                     "set --crl-url-base to the name relying parties reach",
                     c.crl_listen);
        host = "127.0.0.1";
      }
      if (host.find(':') != std::string::npos) host = "[" + host + "]";
      crl_url_base = fmt::format("http://{}:{}", host, crl_server->port());
    }
  }

  // ca: the root and intermediate, made on first start.
  server::ca::AuthorityOptions ca_options;
  if (c.issuer_key_type == "rsa") ca_options.key_spec = {crypto::KeyAlgorithm::kRsa, 2048};
  ca_options.alternate_chain = c.alternate_chain;
  ca_options.crl_url_base = crl_url_base;
  ca_options.crl_shards = c.crl_shards;
  auto authority = server::ca::Authority::load_or_create(c.data_dir, ca_options);
  if (!authority) return fail("certificate authority in " + c.data_dir.string(), authority.error());

  // va: validation, configured for where it may connect.
  server::va::ValidatorOptions va_options{.http01_port = c.http01_port,
                                          .tlsalpn01_port = c.tlsalpn01_port,
                                          .dns_resolvers = c.dns_resolvers,
                                          .caa_identities = c.caa_identities};
  if (c.caa_identities.empty()) {
    spdlog::info("CAA: not checked (no caa_identities / --caa-identity configured)");
  } else {
    spdlog::info("CAA: checked for {} (re-checked at finalize after {}s)", fmt::join(c.caa_identities, ", "),
                 c.caa_recheck_after.count());
  }
  if (!c.hosts_file.empty()) {
    auto hosts = server::va::read_hosts_file(c.hosts_file);
    if (!hosts) return fail("hosts file", hosts.error());
    va_options.hosts = std::move(*hosts);
  }
  // Issue 17: no validation connects to (and no IP identifier names) a
  // reserved address unless --validation-allow-cidr opens its block.
  auto address_policy = server::va::AddressPolicy::allowing(c.validation_allow_cidrs);
  if (!address_policy) return fail("validation address policy", address_policy.error());
  va_options.address_policy = *address_policy;
  spdlog::info("validation address policy: reserved addresses refused{}",
               c.validation_allow_cidrs.empty()
                   ? std::string()
                   : fmt::format(" except {}", fmt::join(c.validation_allow_cidrs, ", ")));
  std::unique_ptr<server::va::Validator> validator = server::va::make_validator(va_options);
  // Baseline Requirements §3.2.2.9: with remote perspectives, every
  // validation and CAA check is corroborated by them (quorum.h); without,
  // the local validation alone decides, as before.
  server::va::remote::MultiPerspectiveValidator* mpic = nullptr;
  if (!c.remote_vas.empty()) {
    auto creds = server::va::remote::load_or_create_client_credentials(c.data_dir);
    if (!creds) return fail("MPIC credentials in " + (c.data_dir / "mpic").string(), creds.error());
    std::vector<server::va::remote::Perspective> remotes;
    std::vector<std::string> names;
    for (const auto& r : c.remote_vas) {
      remotes.push_back({r.name, server::va::remote::make_remote_validator(
                                     {.name = r.name,
                                      .url = r.url,
                                      .ca_file = creds->ca_file.string(),
                                      .client_cert_pem = creds->cert_pem,
                                      .client_key_pem = creds->key_pem,
                                      .timeout = c.remote_va_timeout,
                                      .caa_identities = c.caa_identities})});
      names.push_back(r.name + " " + r.url);
    }
    spdlog::info("multi-perspective validation: {} remote perspective(s) ({}), at most {} may not corroborate; "
                 "client certificate {}",
                 remotes.size(), fmt::join(names, ", "),
                 server::va::remote::allowed_non_corroborations(remotes.size()),
                 (c.data_dir / "mpic" / "client.pem").string());
    auto multi = std::make_unique<server::va::remote::MultiPerspectiveValidator>(
        std::move(validator), std::move(remotes), !c.caa_identities.empty());
    mpic = multi.get();
    validator = std::move(multi);
  }

  // ra + wfe.
  server::ra::RaOptions ra_options;
  ra_options.policy.blocked_domains = c.blocked_domains;
  ra_options.policy.public_suffixes = public_suffixes;
  ra_options.policy.address_policy = *address_policy;
  ra_options.profiles = c.profiles;
  {
    std::vector<std::string> profiles;
    for (const auto& p : c.profiles.profiles) {
      ra_options.max_certificate_validity = std::max(ra_options.max_certificate_validity, p.validity);
      profiles.push_back(fmt::format("{} {}{}", p.name, server::ra::format_window(p.validity),
                                     p.name == c.profiles.default_name ? " (default)" : ""));
    }
    spdlog::info("certificate profiles: {}", fmt::join(profiles, ", "));
  }
  ra_options.authz_reuse_margin = c.authz_reuse;
  ra_options.validation_threads = c.validation_threads;
  ra_options.validation_wait = c.validation_wait;
  // §7.5.1: every answer to a challenge may wait for its validation (up to
  // validation_threads of them, as many as may validate at once; at most
  // kMaxValidationWaiters). Each waits on a handler thread of its own (the
  // listener's extra ones below), idle until its validation is recorded; with
  // fewer, the answers past them came back "processing" and their clients
  // polled (under load, most of them).
  const int waiters = c.validation_wait.count() > 0 ? std::min(c.validation_threads, kMaxValidationWaiters) : 0;
  ra_options.validation_waiters = waiters;
  ra_options.rate_limits = c.rate_limits;
  ra_options.caa_recheck_after = c.caa_recheck_after;
  // RFC 8657 accounturi of validations resumed after a restart (no request at
  // hand): known only when the URLs do not follow the Host header.
  if (!c.external_url.empty()) ra_options.account_url_prefix = c.external_url + "/acme/acct/";
  ra_options.rate_limits.public_suffixes = public_suffixes;
  {
    std::vector<std::string> limits;
    for (const auto& s : kRateLimitSettings) {
      const auto& l = c.rate_limits[s.limit];
      limits.push_back(fmt::format("{} {}", server::ra::limit_name(s.limit),
                                   l.on() ? fmt::format("{}/{}", l.max, server::ra::format_window(l.window)) : "off"));
    }
    spdlog::info("rate limits: {}", fmt::join(limits, ", "));
  }
  server::ra::RegistrationAuthority ra(**storage, *validator, **authority, clock, ra_options);
  // Validations a killed or stopped process left "processing" run again now,
  // not only when their owner next polls. On SQLite this process is the only
  // one, so every lease in the file is a dead process's; on a shared
  // database only leases that ran out are taken over (here and every few
  // seconds by Maintenance).
  if (auto resumed = ra.resume_interrupted_validations(/*take_over_all=*/!shared_database); !resumed) {
    spdlog::warn("resuming interrupted validations: {}", resumed.error().message());
  } else if (*resumed > 0) {
    spdlog::info("resumed {} validation(s) interrupted by a restart", *resumed);
  }
  // Nonces (RFC 8555 §6.5): in memory for the one process of a SQLite CA;
  // checkable by every instance on a shared database.
  std::unique_ptr<server::nonce::NonceService> nonces;
  server::nonce::SharedNonceService* shared_nonces = nullptr;
  if (shared_database) {
    auto shared = server::nonce::SharedNonceService::open(**storage, clock);
    if (!shared) return fail("nonce key", shared.error());
    shared_nonces = shared->get();
    nonces = std::move(*shared);
  } else {
    nonces = std::make_unique<server::nonce::MemoryNonceService>();
  }
  // The CRL job: a first generation now (when the stored one is a period
  // old), then at Maintenance's ticks.
  std::unique_ptr<server::ca::CrlPublisher> crls;
  if (crl_server) {
    crls = std::make_unique<server::ca::CrlPublisher>(
        **storage, **authority, clock,
        server::ca::CrlOptions{.url_base = crl_url_base, .shards = c.crl_shards, .period = c.crl_period});
    if (auto made = crls->run_once(); !made) spdlog::warn("publishing CRLs: {}", made.error().message());
  }
  Maintenance maintenance(ra, shared_nonces, crls.get());
  server::wfe::Wfe wfe(ra, **storage, *nonces, **authority, clock,
                       {.terms_of_service = c.terms_of_service,
                        .website = c.website,
                        .caa_identities = c.caa_identities,
                        .external_account_required = c.external_account_required,
                        .retry_after_seconds = c.retry_after,
                        .external_url = c.external_url});

  // The HTTPS listener, with a certificate from our own intermediate: for
  // the listen address, loopback, and the external URL's host (a load
  // balancer passing TLS through presents this certificate under that name).
  std::vector<std::string> names = c.listener_names;
  std::string external_host;
  if (!c.external_url.empty()) {
    auto url = parse_external_url(c.external_url, "external_url");
    if (!url) return fail("external URL", url.error());
    external_host = url->host;
    spdlog::info("external URL {}: every URL the CA writes starts with it", c.external_url);
  }
  for (std::string n : {host_of(c.listen), std::string("localhost"), std::string("127.0.0.1"), std::string("::1"),
                        external_host}) {
    if (!n.empty() && n != "0.0.0.0" && n != "::" && std::find(names.begin(), names.end(), n) == names.end()) {
      names.push_back(n);
    }
  }
  auto creds = (*authority)->listener_credentials(names);
  if (!creds) return fail("listener certificate", creds.error());
  // Requests the listener refuses by itself get problem documents too.
  http::ServerOptions http_options{.listen = c.listen,
                                   .name = "ACME",
                                   .tls_chain_pem = creds->first,
                                   .tls_key_pem = creds->second,
                                   // No handoff for what answers at once; what may wait
                                   // holds a pool thread, not an I/O thread.
                                   .run_inline = [](const http::ServerRequest& r) { return !server::wfe::Wfe::may_wait(r); },
                                   .threads = c.threads,
                                   // The challenge answers that wait (validation_wait) wait on these.
                                   .extra_handler_threads = waiters,
                                   .error_response = server::wfe::framing_error_response};
  auto server = http::Server::start(http_options, [&wfe](const http::ServerRequest& r) { return wfe.handle(r); });
  if (!server) return fail("the ACME listener", server.error());

  // Prometheus /metrics and /health on a separate, plain-HTTP management listener.
  server::wfe::Management management_endpoints(wfe, **storage, clock);
  if (crls) management_endpoints.add_metrics([&crls] { return crls->metrics_text(); });
  if (mpic) management_endpoints.add_metrics([mpic] { return mpic->metrics_text(); });
  std::unique_ptr<http::Server> management;
  if (!c.management_listen.empty()) {
    auto m = http::Server::start({.listen = c.management_listen, .name = "management", .threads = 1},
                                 [&management_endpoints](const http::ServerRequest& r) {
                                   return management_endpoints.handle(r);
                                 });
    if (!m) return fail("the management listener", m.error());
    management = std::move(*m);
  }

  spdlog::info("acmekit-ca serving https://{}:{}/directory (trust {}), http-01 port {}, tls-alpn-01 port {}",
               host_of(c.listen).find(':') != std::string::npos ? "[" + host_of(c.listen) + "]" : host_of(c.listen),
               (*server)->port(), (c.data_dir / "root.pem").string(), c.http01_port, c.tlsalpn01_port);
  // The bound ports (a listen address with port 0 gets a free one): tests
  // and supervisors read them from these lines.
  if (management) {
    const std::string host = host_of(c.management_listen);
    spdlog::info("management on http://{}:{}/ (/metrics, /health)",
                 host.find(':') != std::string::npos ? "[" + host + "]" : host, management->port());
  }

  if (crl_server) {
    const std::string host = host_of(c.crl_listen);
    spdlog::info("CRLs on http://{}:{}/crl/0.crl .. /crl/{}.crl, a new generation every {}s; certificates name {}",
                 host.find(':') != std::string::npos ? "[" + host + "]" : host, crl_server->port(), c.crl_shards - 1,
                 c.crl_period.count(), crl_url_base + "/crl/SHARD.crl");
  }

  // Under systemd (Type=notify): started now; the watchdog is fed while the
  // database takes writes, as GET /health reports it (SQLite: a wedged disk
  // is this process's trouble, and a restart may clear it).
  notify_systemd("READY=1\nSTATUS=serving");
  {
    server::sa::Storage& db = **storage;
    // On a shared database (PostgreSQL) an outage is the server's, not this
    // process's: it answers 503 and reconnects by itself, so the watchdog
    // keeps being fed (a restart would not help); /health still says 503.
    Watchdog watchdog([&db, &clock, shared_database] {
      auto healthy = db.check_health(clock.now());
      if (!healthy) spdlog::warn("watchdog: database unavailable: {}", healthy.error().message());
      return healthy.has_value() || shared_database;
    });
    wait_for_stop_signal();
  }
  notify_systemd("STOPPING=1");
  (*server)->stop();
  if (management) management->stop();
  if (crl_server) crl_server->stop();
  return kExitOk;  // ra's destructor waits for validations in flight
}

}  // namespace acmekit::ca_cli
