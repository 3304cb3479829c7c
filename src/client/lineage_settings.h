// What a lineage was obtained with, so renewal can repeat it: the
// [renewalparams] section of renewal/NAME.conf, as a struct.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/store/lineages.h"
#include "core/crypto/key.h"
#include "core/error.h"
#include "core/wire/enums.h"

namespace acmekit::client {

struct LineageSettings {
  std::string server;      // ACME directory URL
  std::string ca_bundle;   // extra trust anchors for the CA's HTTPS
  std::string account;     // account id under accounts/<server>/
  std::vector<std::string> names;
  // How challenges are answered (certbot's authenticator names):
  //   "standalone"   acmekit's own servers: http-01, tls-alpn-01 (RFC 8737)
  //   "webroot"      files under a web server's root: http-01
  //   "manual"       the user's hooks: http-01, dns-01
  //   "dns-rfc2136"  TSIG-signed DNS UPDATEs (RFC 2136): dns-01
  //   "dns-NAME"     a DNS provider's API (client/dns/providers.h: dns-acmedns,
  //                  dns-cloudflare, dns-digitalocean, dns-hetzner, dns-linode,
  //                  dns-powerdns): dns-01
  //   "nginx"        a temporary location in the running nginx: http-01
  //   "apache"       the same in Apache (its installer is another build's)
  std::string authenticator = "standalone";
  // The web server the certificate is installed into and reloaded after
  // each renewal: "" (none), "nginx", "apache" (certbot's installer key).
  std::string installer;
  // Where that server's configuration and control tool are (certbot's keys;
  // saved when the authenticator or installer is that server).
  std::string nginx_server_root = "/etc/nginx";
  std::string nginx_ctl = "nginx";
  std::string apache_server_root = "/etc/apache2";
  std::string apache_ctl = "apache2ctl";
  // --preferred-challenges, in order; empty: the authenticator's default
  // (http-01 first, then dns-01 for manual; dns-01 for dns-rfc2136).
  std::vector<wire::ChallengeType> preferred_challenges;
  int http01_port = 80;
  std::string http01_address;
  int tls_alpn01_port = 443;
  std::string tls_alpn01_address;
  std::string webroot_path;
  // certbot's [[webroot_map]]: name -> webroot, for lineages whose names
  // are served from different roots (read, not written).
  std::map<std::string, std::string> webroot_map;
  std::string manual_auth_hook;
  std::string manual_cleanup_hook;
  std::string rfc2136_credentials;  // certbot's INI file (absolute path)
  // dns-NAME: the provider's credentials file (absolute path), saved as
  // certbot does: dns_NAME_credentials = PATH (the secret stays in the file).
  std::string dns_credentials;
  // dns-01 propagation: a fixed wait in seconds (>= 0) instead of the
  // active check, or -1 for the check: every authoritative server polled
  // every `interval` seconds until it serves the record, at most `timeout`.
  int dns_propagation_seconds = -1;
  int dns_propagation_timeout = 120;
  int dns_propagation_interval = 2;
  std::vector<std::string> dns_resolvers;  // HOST[:PORT]; empty: /etc/resolv.conf
  std::string key_type = "ecdsa";  // certbot's names
  std::string elliptic_curve = "secp256r1";
  int rsa_key_size = 2048;
  std::string preferred_chain;
  // draft-ietf-acme-profiles: certbot 4's preferred_profile / required_profile
  // (client/profile_choice.h). Saved only when set.
  std::string preferred_profile;
  std::string required_profile;
  std::string deploy_hook;  // run after each successful renewal
  // certbot's pre_hook / post_hook: run once per renew pass (each distinct
  // command once) before the first and after the last renewal. Saved only
  // when set.
  std::string pre_hook, post_hook;
  // certbot's reuse_key: renewals keep the lineage's private key (a new one
  // when the key type or size changed). Saved only when true.
  bool reuse_key = false;
  // certbot's autorenew: false leaves the lineage to certonly and to
  // `renew --force-renewal`; `renew` and the daemon skip it. Saved only
  // when false.
  bool autorenew = true;

  // The challenge types this lineage answers, in preference order: the
  // authenticator's types, filtered and ordered by preferred_challenges.
  // kInvalidArgument when the preference leaves none.
  Result<std::vector<wire::ChallengeType>> challenge_types() const;

  Result<crypto::KeySpec> key_spec() const {
    return crypto::key_spec_from_names(key_type, elliptic_curve, rsa_key_size);
  }
  store::RenewalConfig to_config() const;
  // certonly names no installer, so a lineage that `run` / `install` gave
  // one keeps it: when `installer` is empty, `saved`'s installer and the
  // location of its server (root and ctl; the flags' own when this
  // authenticator is that same server, which they then name) are taken.
  void keep_installer_of(const LineageSettings& saved);
  // Errors name the missing or malformed key. `names` may come back empty:
  // certbot's renewal confs do not list them (load_lineage_settings reads
  // them from the certificate).
  static Result<LineageSettings> from_config(const store::RenewalConfig& config);
};

// renewal/NAME.conf as settings; names from live/NAME/cert.pem when the conf
// lists none (certbot's), so they are never empty on success.
Result<LineageSettings> load_lineage_settings(const store::LineageStore& lineages, const std::string& name);

}  // namespace acmekit::client
