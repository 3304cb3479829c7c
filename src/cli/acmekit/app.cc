// acmekit's command line: every verb and flag with its help text, built in
// one place for main() and for the man page and bash completion that
// src/cli/docgen writes from it (so neither can drift from --help).
#include "cli/acmekit/app.h"

#include <iterator>

#include "cli/acmekit/commands.h"
#include "client/dns/providers.h"
#include "core/version.h"

namespace acmekit::cli {
namespace {

constexpr const char* kFooter = R"(
EXAMPLES
  acmekit --nginx -d example.com -d www.example.com --redirect
  acmekit install --nginx --cert-name example.com --dry-run
  acmekit certonly --standalone -d example.com --email admin@example.com --agree-tos
  acmekit certonly --webroot -w /var/www/html -d example.com -d www.example.com
  acmekit certonly --dns-rfc2136 --dns-rfc2136-credentials /etc/acmekit/rfc2136.ini \
      -d example.com -d '*.example.com'
  acmekit certonly --dns-cloudflare --dns-cloudflare-credentials /etc/acmekit/cloudflare.ini \
      -d example.com -d '*.example.com'
  acmekit certonly --manual --preferred-challenges dns-01 \
      --manual-auth-hook /usr/local/bin/add-txt --manual-cleanup-hook /usr/local/bin/del-txt -d example.com
  acmekit certonly --standalone --preferred-challenges tls-alpn-01 -d example.com -d 192.0.2.1
  acmekit certonly --csr req.pem --standalone --fullchain-path /etc/nginx/fullchain.pem
  acmekit certificates --json
  acmekit renew --deploy-hook "systemctl reload nginx"
  acmekit revoke --cert-name example.com --reason keycompromise --delete-after-revoke
  acmekit check example.com www.example.com:8443 --days 21

FILES
  CONFIG_DIR/live/NAME/{cert,chain,fullchain,privkey}.pem   the current certificate
  CONFIG_DIR/archive/NAME/                                  every version
  CONFIG_DIR/renewal/NAME.conf                              settings for renewal
  CONFIG_DIR/accounts/SERVER/ID/                            ACME account keys

ENVIRONMENT
  ACMEKIT_CA_BUNDLE   extra trust anchors for HTTPS (like --ca-bundle)
  REQUESTS_CA_BUNDLE  certbot's name for it, used when neither is given

EXIT STATUS
  0 success, 1 failure, 2 bad usage or input, 3 the CA refused (the problem
  type is printed), 4 the CA could not be reached (network or TLS).)";

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--config-dir", g.config_dir, "Where accounts and certificates live")->type_name("DIR")
      ->capture_default_str();
  app.add_option("--server", g.server,
                 "ACME directory URL, or a known CA: letsencrypt, letsencrypt-staging, zerossl, "
                 "google, google-staging, buypass, buypass-staging")->type_name("URL")
      ->capture_default_str();
  app.add_flag("--staging,--test-cert", g.staging, "Use Let's Encrypt's staging server");
  app.add_option("--ca-bundle", g.ca_bundle,
                 "PEM file of extra trust anchors for the CA's HTTPS certificate and a DNS "
                 "provider's API (verification is always on; the system store is always trusted)")->type_name("FILE")
      ->envname("ACMEKIT_CA_BUNDLE");
  app.add_flag("-v,--verbose", g.verbose, "More output; repeat for debug detail");
  app.add_flag("-q,--quiet", g.quiet, "Only errors");
  app.add_flag("--json", g.json, "Machine-readable output on stdout");
  app.add_flag("-n,--non-interactive,--noninteractive", g.non_interactive,
               "Never prompt (acmekit never does; accepted for certbot compatibility)");
  app.add_option("-m,--email", g.email, "Contact address for a new account")->type_name("EMAIL");
  app.add_flag("--register-unsafely-without-email", g.register_unsafely_without_email,
               "Register an account without a contact address");
  app.add_flag("--agree-tos", g.agree_tos, "Agree to the CA's terms of service");
  app.add_option("--eab-kid", g.eab_kid, "External account binding key id (CAs that require EAB)")->type_name("KID");
  app.add_option("--eab-hmac-key", g.eab_hmac_key,
                 "External account binding HMAC key (base64url); never logged")->type_name("KEY");
  app.add_option("--user-agent", g.user_agent,
                 "User-Agent header of every request to the CA (default: acmekit/VERSION)")->type_name("UA");
}

// certbot's authenticator names, the DNS providers' (dns-NAME) among them.
std::vector<std::string> authenticator_names() {
  std::vector<std::string> names{"standalone", "webroot", "manual", "dns-rfc2136", "nginx", "apache"};
  for (const auto& p : client::dns_api::providers()) names.push_back(std::string("dns-") + p.name);
  return names;
}

// --dns-NAME and --dns-NAME-credentials FILE for each DNS provider
// (certbot's plugin flags).
void add_dns_provider_options(CLI::App& sub, CertonlyOptions& o, bool renew) {
  for (const auto& p : client::dns_api::providers()) {
    auto& slot = o.dns_providers[p.name];
    const std::string flag = std::string("--dns-") + p.name;
    sub.add_flag(flag, slot.enabled,
                 (renew ? std::string("Renew through ") : std::string("Answer dns-01 through ")) + p.title +
                    "'s API (" + (p.credentials_optional ? "optional " : "") + flag + "-credentials)");
    sub.add_option(flag + "-credentials", slot.credentials,
                   std::string("With ") + flag + ": " + (p.credentials_optional ? "an optional " : "") +
                       (p.format == client::dns_api::CredentialsFormat::kJson ? "JSON file (" : "INI file (") +
                       p.keys + "); mode 0600 or refused")
        ->type_name("FILE");
    if (!renew) {
      sub.add_option(flag + "-propagation-seconds", slot.propagation_seconds,
                     std::string("With ") + flag + ": as --dns-propagation-seconds (certbot's flag)")
          ->type_name("SECONDS")->check(CLI::Range(0, 86400));
    }
  }
}

// draft-ietf-acme-profiles: certbot 4's flags (saved with the lineage).
void add_profile_options(CLI::App& sub, std::string& preferred, std::string& required) {
  auto* p = sub.add_option("--preferred-profile", preferred,
                           "Ask the CA for this certificate profile (draft-ietf-acme-profiles) when its "
                           "directory offers it; otherwise warn and take the CA's default (saved for "
                           "renewal; `acmekit show_account` lists the profiles)")->type_name("PROFILE");
  auto* r = sub.add_option("--required-profile", required,
                           "Ask the CA for this certificate profile; fail before ordering when its "
                           "directory does not offer it (saved for renewal)")->type_name("PROFILE");
  p->excludes(r);
}

void add_certonly_options(CLI::App& sub, CertonlyOptions& o) {
  sub.add_option("-d,--domains,--domain", o.domains,
                 "A name to certify (DNS name or IP address); repeat or comma-separate")->type_name("NAME")
      ->delimiter(',');
  sub.add_option("--cert-name", o.cert_name, "Lineage name (default: the first name)")->type_name("CERTNAME");
  sub.add_flag("--standalone", o.standalone,
               "Answer http-01 (or tls-alpn-01) with acmekit's own server on this host");
  sub.add_flag("--webroot", o.webroot, "Answer http-01 by writing files under a web server's root");
  sub.add_flag("--manual", o.manual,
               "Answer http-01 or dns-01 with your hooks (--manual-auth-hook, --manual-cleanup-hook)");
  sub.add_flag("--dns-rfc2136", o.dns_rfc2136,
               "Answer dns-01 with TSIG-signed DNS UPDATEs (RFC 2136) to your DNS server");
  add_dns_provider_options(sub, o, false);
  sub.add_flag("--nginx", o.nginx,
               "Answer http-01 through the running nginx (a temporary location in each server block "
               "of the names, then reload); with run: install into it too");
  sub.add_flag("--apache", o.apache, "The same through the running Apache");
  sub.add_option("--nginx-server-root", o.nginx_server_root, "With --nginx: the directory of nginx.conf")
      ->type_name("DIR")->capture_default_str();
  sub.add_option("--nginx-ctl", o.nginx_ctl, "With --nginx: the nginx binary (-t, -s reload)")
      ->type_name("PATH")->capture_default_str();
  sub.add_option("--apache-server-root", o.apache_server_root, "With --apache: Apache's configuration directory")
      ->type_name("DIR")->capture_default_str();
  sub.add_option("--apache-ctl", o.apache_ctl, "With --apache: apachectl (configtest, graceful)")
      ->type_name("PATH")->capture_default_str();
  sub.add_option("-a,--authenticator", o.authenticator, "The authenticator by name (instead of the flags above)")
      ->check(CLI::IsMember(authenticator_names()));
  sub.add_option("--preferred-challenges", o.preferred_challenges,
                 "Challenge types to use, most wanted first, comma-separated: http-01, dns-01, "
                 "tls-alpn-01 (or http, dns). Each name gets the first one the CA offers for it; "
                 "a wildcard only gets dns-01, an IP address never dns-01")->type_name("TYPES");
  sub.add_option("-w,--webroot-path", o.webroot_path,
                 "With --webroot: the root directory the web server serves for these names")->type_name("DIR");
  sub.add_option("--http-01-port", o.http01_port, "With --standalone: http-01 port to listen on")->type_name("PORT")
      ->capture_default_str();
  sub.add_option("--http-01-address", o.http01_address,
                 "With --standalone: http-01 address to listen on (default: all IPv4)")->type_name("ADDRESS");
  sub.add_option("--tls-alpn-01-port", o.tls_alpn01_port,
                 "With --standalone and tls-alpn-01 preferred: TLS port to listen on (RFC 8737)")->type_name("PORT")
      ->capture_default_str();
  sub.add_option("--tls-alpn-01-address", o.tls_alpn01_address,
                 "With --standalone: tls-alpn-01 address to listen on (default: all IPv4)")->type_name("ADDRESS");
  sub.add_option("--manual-auth-hook", o.manual_auth_hook,
                 "With --manual: command (/bin/sh -c) that publishes the response; it gets "
                 "CERTBOT_DOMAIN, CERTBOT_VALIDATION, CERTBOT_TOKEN (http-01), "
                 "CERTBOT_REMAINING_CHALLENGES, CERTBOT_ALL_DOMAINS in its environment")->type_name("COMMAND");
  sub.add_option("--manual-cleanup-hook", o.manual_cleanup_hook,
                 "With --manual: command that removes it again; also gets CERTBOT_AUTH_OUTPUT "
                 "(the auth hook's stdout). Runs also when issuance fails")->type_name("COMMAND");
  sub.add_option("--dns-rfc2136-credentials", o.rfc2136_credentials,
                 "With --dns-rfc2136: certbot's INI file (dns_rfc2136_server, _port, _name, _secret, "
                 "_algorithm); keep it mode 0600")->type_name("FILE");
  sub.add_option("--dns-propagation-seconds,--dns-rfc2136-propagation-seconds", o.dns_propagation_seconds,
                 "dns-01: wait this many seconds after publishing instead of checking the "
                 "authoritative servers (0: do not wait)")->type_name("SECONDS")
      ->check(CLI::Range(0, 86400));
  sub.add_option("--dns-propagation-timeout", o.dns_propagation_timeout,
                 "dns-01: give up when some authoritative server still lacks a record after this "
                 "many seconds (the error names it)")->type_name("SECONDS")
      ->check(CLI::Range(1, 86400))->capture_default_str();
  sub.add_option("--dns-propagation-interval", o.dns_propagation_interval,
                 "dns-01: at most this many seconds between two checks of the authoritative servers (the first come after 0.25 s, doubling)")->type_name("SECONDS")
      ->check(CLI::Range(1, 3600))->capture_default_str();
  sub.add_option("--dns-resolver", o.dns_resolvers,
                 "dns-01: HOST[:PORT] of a resolver used to find each zone and its authoritative "
                 "servers (repeatable; default: /etc/resolv.conf)")->type_name("HOST[:PORT]");
  sub.add_option("--key-type", o.key_type, "Certificate key: ecdsa or rsa")
      ->check(CLI::IsMember({"ecdsa", "rsa"}))->capture_default_str();
  sub.add_option("--elliptic-curve", o.elliptic_curve, "With ecdsa: secp256r1 or secp384r1")
      ->check(CLI::IsMember({"secp256r1", "secp384r1"}))->capture_default_str();
  sub.add_option("--rsa-key-size", o.rsa_key_size, "With rsa: 2048, 3072 or 4096")
      ->check(CLI::IsMember({2048, 3072, 4096}))->capture_default_str();
  sub.add_option("--csr", o.csr, "Finalize with this CSR (PEM or DER); names come from it and "
                                 "the files go to --cert-path, --chain-path, --fullchain-path")->type_name("FILE");
  sub.add_option("--cert-path", o.cert_path, "With --csr: where to write the certificate")->type_name("FILE")->capture_default_str();
  sub.add_option("--chain-path", o.chain_path, "With --csr: where to write the chain")->type_name("FILE")->capture_default_str();
  sub.add_option("--fullchain-path", o.fullchain_path, "With --csr: where to write the full chain")->type_name("FILE")
      ->capture_default_str();
  sub.add_option("--preferred-chain", o.preferred_chain,
                 "Prefer the chain whose topmost certificate is issued by this CN")->type_name("ISSUER_CN");
  add_profile_options(sub, o.preferred_profile, o.required_profile);
  sub.add_flag("--force-renewal,--renew-by-default", o.force_renewal,
               "Issue even when the lineage already covers these names and is not due");
  sub.add_option("--deploy-hook,--renew-hook", o.deploy_hook,
                 "Command saved with the lineage and run (via /bin/sh -c) after each renewal, "
                 "with RENEWED_LINEAGE and RENEWED_DOMAINS in its environment (--renew-hook: "
                 "certbot's old name)")->type_name("COMMAND");
  sub.add_flag("--expand", o.expand,
               "Add names to the lineage of the first name when it covers fewer (certbot's rule: "
               "without --expand or --cert-name that is refused; a set of names that is not a "
               "superset goes to a new lineage NAME-0001)");
  sub.add_flag("--reuse-key", o.reuse_key,
               "Keep the lineage's private key for this certificate and its renewals (saved)");
  sub.add_flag("--new-key", o.new_key, "A new private key this time, even with --reuse-key saved");
  sub.add_flag("--no-autorenew", o.no_autorenew,
               "Save the lineage with autorenew off: renew and the daemon skip it unless "
               "--force-renewal");
  sub.add_flag("--dry-run", o.dry_run,
               "Order and validate against the CA (Let's Encrypt's staging server instead of its "
               "production one), save nothing, run no hooks");
  sub.footer(R"(
CHALLENGES
  Every name of the order is solved at once. Each gets the first challenge
  type in --preferred-challenges that both the authenticator answers and the
  CA offers for it: --standalone answers http-01 (default) and tls-alpn-01,
  --webroot http-01, --manual http-01 then dns-01, --dns-rfc2136 and each
  DNS provider (--dns-NAME, below) dns-01.
  Wildcards (-d '*.example.com') need dns-01; IP addresses (-d 192.0.2.1,
  -d 2001:db8::1, RFC 8738) need http-01 or tls-alpn-01. When validation
  fails, every failing name is reported with the CA's problem. Cleanup (token
  files, TXT records, the cleanup hook) runs whatever happened.

DNS-01 PROPAGATION
  Before the CA is asked to look, acmekit finds each record's zone and its
  authoritative servers (through /etc/resolv.conf or --dns-resolver) and
  polls every one of them directly until it serves the TXT value (after
  0.25 s, 0.5 s, 1 s, ..., then every --dns-propagation-interval seconds)
  for up to --dns-propagation-timeout; on
  timeout the error names the servers that lag. A CNAME at
  _acme-challenge.NAME is followed. --dns-propagation-seconds N waits a
  fixed time instead.

RFC 2136 CREDENTIALS (certbot's format)
  dns_rfc2136_server = 192.0.2.1        # IP address of the primary server
  dns_rfc2136_port = 53                 # optional
  dns_rfc2136_name = acmekit-key.       # TSIG key name
  dns_rfc2136_secret = base64==         # TSIG secret, never logged
  dns_rfc2136_algorithm = HMAC-SHA256   # HMAC-MD5 (default, as certbot), -SHA1, -SHA224,
                                        # -SHA256, -SHA384, -SHA512
  dns_rfc2136_sign_query = false        # optional: sign the SOA queries too
  The zone is found by asking that server for the SOA; every record of one
  zone is added in one UPDATE (over TCP; at most 100 records a message, all
  or nothing, RFC 2136 §3.8) and deleted value by value in one UPDATE, so
  apex and wildcard share the name and the zone's serial moves once.
  A CNAME at _acme-challenge.NAME is followed: the record goes to its target.

DNS PROVIDERS (certbot's plugin flags and credentials keys)
  --dns-cloudflare --dns-cloudflare-credentials FILE
      dns_cloudflare_api_token = TOKEN   # Zone:Read and DNS:Edit (or dns_cloudflare_email
                                         # + dns_cloudflare_api_key, the global key)
  --dns-digitalocean --dns-digitalocean-credentials FILE
      dns_digitalocean_token = TOKEN     # a token with write scope
  --dns-hetzner --dns-hetzner-credentials FILE
      dns_hetzner_api_token = TOKEN
  --dns-linode --dns-linode-credentials FILE
      dns_linode_key = TOKEN             # Domains read/write (API v4)
  --dns-powerdns --dns-powerdns-credentials FILE   (PowerDNS Authoritative's HTTP API)
      dns_powerdns_api_url = https://pdns.example.com:8081
      dns_powerdns_api_key = KEY
  --dns-acmedns --dns-acmedns-credentials FILE     (acme-dns; _acme-challenge.NAME is a
      dns_acmedns_api_url = https://auth.example.org   CNAME to the domain's acme-dns subdomain)
      dns_acmedns_registration_file = /etc/acmekit/acmedns.json
      The registration file (0600) holds an account per domain; a domain not in it is
      registered and saved, and the run stops naming the CNAME to create.
  The file must be mode 0600 (refused otherwise); the renewal conf keeps its
  path (dns_cloudflare_credentials = FILE), never the secret. The record's
  zone is the provider's longest zone holding the name (after a CNAME at
  _acme-challenge); other TXT values at the name are left alone and exactly
  our values are removed afterwards (acme-dns has no delete: it keeps the two
  newest values of a subdomain). Provider trouble (token refused, no such
  zone, rate limited after the API's Retry-After, API down) is one line naming
  the provider, exit status 1.)");
}

// --redirect, --hsts, --https-port: shared by run and install.
void add_enhancement_options(CLI::App& sub, InstallOptions& o) {
  sub.add_flag("--redirect", o.redirect, "Answer plain HTTP with a 301 to https in the names' server blocks");
  sub.add_flag("--no-redirect", o.no_redirect, "No redirect (the default)");
  sub.add_flag("--hsts", o.hsts, "Send Strict-Transport-Security from the HTTPS server blocks");
  sub.add_option("--https-port", o.https_port, "The port an added HTTPS server block listens on")
      ->type_name("PORT")->check(CLI::Range(1, 65535))->capture_default_str();
}

constexpr const char* kInstallFooter = R"(
INSTALLING
  Every server block whose server_name matches a name (wildcards too, as
  nginx picks them) gets ssl_certificate and ssl_certificate_key pointing at
  CONFIG_DIR/live/NAME/fullchain.pem and privkey.pem; a name served only over
  HTTP gets an HTTPS copy of its block. Every other byte of the configuration
  stays. Each changed file is first copied under CONFIG_DIR/backups/nginx/
  <time>-<pid>/; then `nginx -t` and `nginx -s reload`. When either fails, the
  files are put back byte for byte and nginx is reloaded with them: the site
  keeps serving what it served. The lineage remembers the installer
  (installer = nginx in renewal/NAME.conf): `renew` reloads nginx once after
  the renewals; `certonly` on the lineage later keeps it.
  Apache the same: SSLCertificateFile and SSLCertificateKeyFile in each
  <VirtualHost> with SSLEngine on whose ServerName or ServerAlias matches; a
  name served only over HTTP gets an HTTPS copy of its virtual host in
  NAME-le-ssl.conf beside it (with the Listen and the modules it needs);
  `apache2ctl configtest` and `apache2ctl graceful`, with APACHE_CONFDIR set
  to --apache-server-root.
  `install --dry-run` prints the unified diff of the edits and changes
  nothing; `run --dry-run` orders against the CA as `certonly --dry-run`
  does, then prints the diff the install would make.)";

void add_renew_options(CLI::App& sub, RenewOptions& o) {
  sub.add_option("--cert-name", o.cert_names, "Renew only this lineage (repeatable)")->type_name("CERTNAME");
  sub.add_flag("--force-renewal,--renew-by-default", o.force_renewal, "Renew even if not due");
  sub.add_flag("--dry-run", o.dry_run,
               "Run the whole flow against the CA but install nothing and run no hooks");
  sub.add_option("--pre-hook", o.pre_hook, "Command run once before the first renewal of this run")->type_name("COMMAND");
  sub.add_option("--post-hook", o.post_hook, "Command run once after the renewals of this run")->type_name("COMMAND");
  sub.add_option("--deploy-hook,--renew-hook", o.deploy_hook,
                 "Command run after each successful renewal, with RENEWED_LINEAGE and RENEWED_DOMAINS "
                 "(--renew-hook: certbot's old name)")->type_name("COMMAND");
  sub.add_flag("--reuse-key", o.reuse_key, "Keep each renewed lineage's private key, and save that");
  sub.add_flag("--new-key", o.new_key, "New private keys this time, even where --reuse-key is saved");
  add_profile_options(sub, o.preferred_profile, o.required_profile);
  sub.add_option("--max-parallel", o.max_parallel,
                 "Renew up to N lineages at once (standalone ones share one http-01 server); "
                 "a rateLimited answer holds that account's renewals until the CA's Retry-After, "
                 "also in later runs")->type_name("N")
      ->check(CLI::Range(1, 256))->capture_default_str();
  sub.add_flag("--no-directory-hooks", o.no_directory_hooks,
               "Do not run CONFIG_DIR/renewal-hooks/{pre,deploy,post}/*");
  sub.footer(R"(
A lineage is due at once when `acmekit revoke` revoked its live certificate
(and kept the lineage); else at the moment chosen in the CA's renewal window
when the CA offers ARI (RFC 9773); else when less than a third of its
certificate's lifetime is left (a 90-day certificate at 30 days). Each lineage
renews with the settings saved in CONFIG_DIR/renewal/NAME.conf. The summary
says why each was renewed (--json: "due": [{cert_name, reason}]). A failing
lineage does not stop the others; its current certificate stays live. Exit
status 1 when any renewal failed.)");
}

void add_reconfigure_options(CLI::App& sub, ReconfigureOptions& r) {
  CertonlyOptions& o = r.settings;
  sub.add_option("--cert-name", o.cert_name, "The lineage to change")->type_name("CERTNAME")->required();
  sub.add_option("-d,--domains,--domain", o.domains,
                 "Refused: reconfigure does not change names (certonly --cert-name NAME -d ... does)")
      ->type_name("NAME")->delimiter(',');
  sub.add_flag("--standalone", o.standalone, "Renew with acmekit's own http-01 (or tls-alpn-01) server");
  sub.add_flag("--webroot", o.webroot, "Renew by writing http-01 files under --webroot-path");
  sub.add_flag("--manual", o.manual, "Renew with your hooks (--manual-auth-hook, --manual-cleanup-hook)");
  sub.add_flag("--dns-rfc2136", o.dns_rfc2136, "Renew with RFC 2136 DNS UPDATEs (--dns-rfc2136-credentials)");
  add_dns_provider_options(sub, o, true);
  sub.add_option("-a,--authenticator", o.authenticator, "The authenticator by name")
      ->check(CLI::IsMember(authenticator_names()));
  sub.add_option("--preferred-challenges", o.preferred_challenges,
                 "Challenge types, most wanted first, comma-separated (as certonly)")->type_name("TYPES");
  sub.add_option("-w,--webroot-path", o.webroot_path, "With --webroot: the web server's root directory")
      ->type_name("DIR");
  sub.add_option("--http-01-port", o.http01_port, "With --standalone: http-01 port")->type_name("PORT");
  sub.add_option("--http-01-address", o.http01_address, "With --standalone: http-01 address")->type_name("ADDRESS");
  sub.add_option("--tls-alpn-01-port", o.tls_alpn01_port, "With --standalone: tls-alpn-01 port")->type_name("PORT");
  sub.add_option("--tls-alpn-01-address", o.tls_alpn01_address, "With --standalone: tls-alpn-01 address")
      ->type_name("ADDRESS");
  sub.add_option("--manual-auth-hook", o.manual_auth_hook, "With --manual: the command that publishes the response")
      ->type_name("COMMAND");
  sub.add_option("--manual-cleanup-hook", o.manual_cleanup_hook, "With --manual: the command that removes it")
      ->type_name("COMMAND");
  sub.add_option("--dns-rfc2136-credentials", o.rfc2136_credentials, "With --dns-rfc2136: certbot's INI file")
      ->type_name("FILE");
  sub.add_option("--deploy-hook,--renew-hook", o.deploy_hook,
                 "Command run after each renewal of this lineage (empty string: none)")->type_name("COMMAND");
  add_profile_options(sub, o.preferred_profile, o.required_profile);
  sub.footer(R"(
As certbot's reconfigure: only the flags given change the lineage's
renewal settings (CONFIG_DIR/renewal/NAME.conf). The new settings are first
tried with a dry-run renewal against the lineage's CA (the issuance of
certonly --dry-run: nothing installed, no hooks run); only when it succeeds
is the renewal conf replaced, atomically, and the changed settings are
listed. On failure the conf stays byte for byte as it was and the error says
why. The names, the key and the CA are not changed here: use
`certonly --cert-name NAME` for that.)");
}

void add_revoke_options(CLI::App& sub, RevokeOptions& o) {
  sub.add_option("--cert-path", o.cert_path, "The certificate (PEM, the first one of a chain counts)")->type_name("FILE");
  sub.add_option("--cert-name", o.cert_name, "Or a lineage; its saved server and CA bundle are used")->type_name("CERTNAME");
  sub.add_option("--key-path", o.key_path,
                 "Sign with the certificate's own private key instead of the account key")->type_name("FILE");
  sub.add_option("--reason", o.reason, "unspecified, keycompromise, affiliationchanged, superseded, "
                                       "cessationofoperation")
      ->check(CLI::IsMember({"unspecified", "keycompromise", "affiliationchanged", "superseded",
                             "cessationofoperation"}, CLI::ignore_case))
      ->capture_default_str();
  sub.add_flag("--delete-after-revoke", o.delete_after_revoke, "With --cert-name: delete the lineage afterwards");
  sub.footer(R"(
Without --delete-after-revoke, revoking a lineage's live certificate (by
--cert-name, or --cert-path naming its live cert.pem or that archive file in
this --config-dir) records it in CONFIG_DIR/archive/NAME/revoked.tsv: the
next `acmekit renew` renews that lineage at once, and `certonly` on its names
issues instead of answering "not yet due". --json names it as "lineage".)");
}

void add_check_options(CLI::App& sub, CheckOptions& o) {
  sub.add_option("targets", o.targets, "HOST[:PORT] to check (port 443 by default; IPv6 as [::1]:443)")->type_name("HOST[:PORT]")
      ->required();
  sub.add_option("--days", o.days, "Fail when the certificate has this many days left or fewer")->type_name("DAYS")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  sub.add_option("--servername", o.servername,
                 "Name sent as SNI and checked against the certificate (default: each HOST)")->type_name("NAME");
  sub.add_option("--connect-timeout", o.connect_timeout, "Seconds for the TCP connect, and again for the TLS handshake")->type_name("SECONDS")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub.footer(R"(
Connects to each target, does a TLS handshake with SNI and reports the
certificate served -- even an expired or untrusted one: its names, issuer,
serial, expiry and days left; whether it verifies against the system trust
store plus --ca-bundle; whether it is valid for the name; and which lineage
in CONFIG_DIR/live/ it is, and whether it is that lineage's live certificate
("stale" when the server still serves an older one: reload it).
With --json: {"checks": [...]}, one object per target.

EXIT STATUS
  0 every target reachable, verified, valid for its name, and more than --days
    days left
  1 some target fails one of those checks
  2 bad usage (e.g. a malformed target or an unreadable --ca-bundle)
  4 some target could not be reached (TCP connect or TLS handshake failed))");
}

}  // namespace

std::unique_ptr<CLI::App> make_app(Invocation& inv) {
  auto owned = std::make_unique<CLI::App>("acmekit: obtain and manage TLS certificates from an ACME CA (RFC 8555)",
                                          "acmekit");
  CLI::App& app = *owned;
  app.footer(kFooter);
  app.require_subcommand(1);
  app.set_version_flag("--version", "acmekit " + std::string(kVersion), "Print the version and exit");
  add_global_options(app, inv.global);

  inv.certonly_cmd = app.add_subcommand("certonly", "Obtain a certificate and save it as a lineage");
  inv.certonly_cmd->fallthrough();
  add_certonly_options(*inv.certonly_cmd, inv.certonly);
  inv.run_cmd = app.add_subcommand(
      "run", "Obtain a certificate and install it into the web server (also: no verb with --nginx)");
  inv.run_cmd->fallthrough();
  add_certonly_options(*inv.run_cmd, inv.certonly);
  add_enhancement_options(*inv.run_cmd, inv.install);
  inv.run_cmd->footer(kInstallFooter);
  inv.install_cmd = app.add_subcommand("install", "Install a lineage's certificate into the web server");
  inv.install_cmd->fallthrough();
  {
    auto& sub = *inv.install_cmd;
    auto& o = inv.install;
    sub.add_option("--cert-name", o.cert_name, "The lineage to install")->type_name("CERTNAME")->required();
    sub.add_flag("--nginx", o.nginx, "Install into nginx");
    sub.add_flag("--apache", o.apache, "Install into Apache");
    sub.add_option("-i,--installer", o.installer, "The installer by name")->check(CLI::IsMember({"nginx", "apache"}));
    sub.add_option("--nginx-server-root", o.nginx_server_root, "The directory of nginx.conf")
        ->type_name("DIR")->capture_default_str();
    sub.add_option("--nginx-ctl", o.nginx_ctl, "The nginx binary (-t, -s reload)")->type_name("PATH")
        ->capture_default_str();
    sub.add_option("--apache-server-root", o.apache_server_root, "Apache's configuration directory")
        ->type_name("DIR")->capture_default_str();
    sub.add_option("--apache-ctl", o.apache_ctl, "apachectl (configtest, graceful)")->type_name("PATH")
        ->capture_default_str();
    add_enhancement_options(sub, o);
    sub.add_flag("--dry-run", o.dry_run, "Print the unified diff of the edits; change nothing");
    sub.footer(kInstallFooter);
  }
  inv.certificates_cmd = app.add_subcommand("certificates", "List the certificates acmekit manages");
  inv.certificates_cmd->fallthrough();
  inv.renew_cmd = app.add_subcommand("renew", "Renew every certificate that is due");
  inv.renew_cmd->fallthrough();
  add_renew_options(*inv.renew_cmd, inv.renew);
  auto* daemon_cmd = inv.daemon_cmd = app.add_subcommand("daemon", "Stay up, renew when due, serve Prometheus metrics");
  daemon_cmd->fallthrough();
  add_renew_options(*daemon_cmd, inv.daemon.renew);
  daemon_cmd->add_option("--metrics-listen", inv.daemon.metrics_listen,
                         "ADDR:PORT for GET /metrics (empty string: no metrics)")
      ->type_name("ADDR:PORT")->capture_default_str();
  daemon_cmd->add_option("--check-interval", inv.daemon.check_interval,
                         "Longest sleep between renewal passes, in seconds")->type_name("SECONDS")->capture_default_str();
  daemon_cmd->add_option("--jitter", inv.daemon.jitter,
                         "Random extra delay (0..N seconds) before renewing what comes due")
      ->type_name("SECONDS")->capture_default_str();
  daemon_cmd->footer(R"(
Each pass renews what is due, exactly as `acmekit renew` does, then sleeps
until the next lineage comes due (plus jitter), at most --check-interval;
after a failure it retries within the hour. Logs go to stderr (journald).
Metrics: acmekit_certificates_managed, acmekit_certificate_expiry_seconds,
acmekit_renewal_last_result, acmekit_renewal_last_success_timestamp_seconds,
acmekit_renewal_passes_total, acmekit_renewal_failures_total. SIGTERM or
SIGINT stops it (exit 0).)");
  inv.reconfigure_cmd = app.add_subcommand("reconfigure",
                                           "Change a lineage's renewal settings after a dry run with them succeeded");
  inv.reconfigure_cmd->fallthrough();
  add_reconfigure_options(*inv.reconfigure_cmd, inv.reconfigure);
  inv.revoke_cmd = app.add_subcommand("revoke", "Revoke a certificate (RFC 8555 §7.6)");
  inv.revoke_cmd->fallthrough();
  add_revoke_options(*inv.revoke_cmd, inv.revoke);
  inv.check_cmd = app.add_subcommand("check", "Check the certificate a TLS server serves (for monitoring)");
  inv.check_cmd->fallthrough();
  add_check_options(*inv.check_cmd, inv.check);
  inv.delete_cmd = app.add_subcommand("delete", "Delete a lineage: live/, archive/ and renewal/ files");
  inv.delete_cmd->fallthrough();
  inv.delete_cmd->add_option("--cert-name", inv.delete_names, "The lineage to delete (repeatable)")
      ->type_name("CERTNAME")->required();
  inv.import_certbot_cmd = app.add_subcommand(
      "import-certbot", "Copy certbot's accounts and lineages into --config-dir (certbot's dir is only read)");
  inv.import_certbot_cmd->fallthrough();
  inv.import_certbot_cmd->add_option("--from", inv.import_from, "certbot's config dir")
      ->type_name("DIR")->capture_default_str();
  inv.import_certbot_cmd->footer(R"(
For users who want a clean acmekit dir. Every account is copied as it is
(certbot's private_key.json is used as such); every lineage (certbot's
renewal/*.conf) with its whole archive/NAME/ history, put in acmekit's layout
(live/NAME -> live/.NAME.vN) with a renewal conf in acmekit's words: the
names read from the certificate, certbot's settings carried over. A lineage
already in --config-dir, or with a setting acmekit cannot honour, is left
out and named; the rest are imported. Without importing, `acmekit renew
--config-dir /etc/letsencrypt` renews certbot's lineages in place, in
certbot's layout, so certbot can still read and renew them.)");
  // Account verbs take only the global options (--server, --email, ...).
  const std::pair<const char*, const char*> kAccountVerbs[] = {
      {"register", "Create an ACME account with --email / --agree-tos"},
      {"show_account", "Show the account's URL, status and contact, and the certificate profiles the CA offers"},
      {"update_account", "Replace the account's contact with --email"},
      {"unregister", "Deactivate the account (RFC 8555 §7.3.6) and forget it locally"},
      {"rollover_key", "Replace the account key (RFC 8555 §7.3.5); the old key stops working"}};
  int (*const kAccountFns[])(const GlobalOptions&) = {cmd_register, cmd_show_account, cmd_update_account,
                                                       cmd_unregister, cmd_rollover_key};
  for (size_t i = 0; i < std::size(kAccountVerbs); ++i) {
    auto* sub = app.add_subcommand(kAccountVerbs[i].first, kAccountVerbs[i].second);
    sub->fallthrough();
    inv.account_verbs.emplace_back(sub, kAccountFns[i]);
  }
  return owned;
}

}  // namespace acmekit::cli
