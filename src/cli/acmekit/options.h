// Every flag of the acmekit command line, as plain data. certbot's names
// wherever certbot has the option, so users can switch. The options of
// renew, daemon, revoke and check are the client's own request types.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/check.h"
#include "client/daemon.h"
#include "client/renewal/pass.h"
#include "client/revoke.h"

namespace acmekit::cli {

struct GlobalOptions {
  std::string config_dir = "/etc/acmekit";
  std::string server = "letsencrypt";  // URL or a known CA's short name
  bool server_given = false;           // --server was on the command line
  bool staging = false;
  std::string ca_bundle;  // also ACMEKIT_CA_BUNDLE
  int verbose = 0;
  bool quiet = false;
  bool json = false;
  bool non_interactive = false;
  // Account registration (any verb may need to register, as in certbot).
  std::string email;
  bool register_unsafely_without_email = false;
  bool agree_tos = false;
  std::string eab_kid;
  std::string eab_hmac_key;
  std::string user_agent;  // --user-agent; empty: acmekit/VERSION
};

// --dns-NAME and --dns-NAME-credentials of one DNS provider (client/dns/providers.h).
struct DnsProviderOptions {
  bool enabled = false;
  std::string credentials;
  int propagation_seconds = -1;  // --dns-NAME-propagation-seconds (certbot's); -1: not given
};

struct CertonlyOptions {
  std::vector<std::string> domains;
  // The authenticator: one of the flags, or -a NAME (certbot's names).
  bool standalone = false;
  bool webroot = false;
  bool manual = false;
  bool dns_rfc2136 = false;
  bool nginx = false;   // certbot's --nginx: authenticator (certonly) and installer (run)
  bool apache = false;  // certbot's --apache
  std::string authenticator;
  std::string nginx_server_root = "/etc/nginx";
  std::string nginx_ctl = "nginx";
  std::string apache_server_root = "/etc/apache2";
  std::string apache_ctl = "apache2ctl";
  std::string preferred_challenges;  // "dns-01,http-01", certbot's spellings
  std::string webroot_path;
  int http01_port = 80;
  std::string http01_address;
  int tls_alpn01_port = 443;
  std::string tls_alpn01_address;
  std::string manual_auth_hook;
  std::string manual_cleanup_hook;
  std::string rfc2136_credentials;
  std::map<std::string, DnsProviderOptions> dns_providers;  // by provider name ("cloudflare")
  int dns_propagation_seconds = -1;  // -1: the active check
  int dns_propagation_timeout = 120;
  int dns_propagation_interval = 2;
  std::vector<std::string> dns_resolvers;
  std::string cert_name;
  std::string key_type = "ecdsa";
  std::string elliptic_curve = "secp256r1";
  int rsa_key_size = 2048;
  std::string csr;
  std::string cert_path = "cert.pem";
  std::string chain_path = "chain.pem";
  std::string fullchain_path = "fullchain.pem";
  std::string preferred_chain;
  std::string preferred_profile;  // draft-ietf-acme-profiles, certbot 4's flags
  std::string required_profile;
  std::string deploy_hook;  // saved in the lineage, run after each renewal
  bool force_renewal = false;  // issue even if the lineage is not due
  bool expand = false;         // certbot's --expand
  bool reuse_key = false;      // saved: renewals keep the key
  bool new_key = false;        // a new key this time
  bool no_autorenew = false;   // saved: renew and the daemon skip the lineage
  bool dry_run = false;        // order and validate, save nothing
};

// What `run` and `install` do to the web server (certbot's installer flags).
struct InstallOptions {
  std::string cert_name;  // install: the lineage
  bool nginx = false;
  bool apache = false;
  std::string installer;  // -i NAME
  std::string nginx_server_root = "/etc/nginx";
  std::string nginx_ctl = "nginx";
  std::string apache_server_root = "/etc/apache2";
  std::string apache_ctl = "apache2ctl";
  bool redirect = false;
  bool no_redirect = false;
  bool hsts = false;
  int https_port = 443;
  bool dry_run = false;  // install: the diff only
};

// reconfigure: certonly's authenticator and renewal flags, of which only
// those given change the lineage (cmd_reconfigure asks the parser which).
struct ReconfigureOptions {
  CertonlyOptions settings;
};

// The verbs whose flags bind straight into the client's request types.
using client::CheckOptions;
using client::DaemonOptions;
using client::RenewOptions;
using client::RevokeOptions;

}  // namespace acmekit::cli
