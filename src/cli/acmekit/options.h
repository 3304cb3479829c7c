// Every flag of the acmekit command line, as plain data. certbot's names
// wherever certbot has the option, so users can switch.
#pragma once

#include <string>
#include <vector>

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
};

struct CertonlyOptions {
  std::vector<std::string> domains;
  // The authenticator: one of the flags, or -a NAME (certbot's names).
  bool standalone = false;
  bool webroot = false;
  bool manual = false;
  bool dns_rfc2136 = false;
  std::string authenticator;
  std::string preferred_challenges;  // "dns-01,http-01", certbot's spellings
  std::string webroot_path;
  int http01_port = 80;
  std::string http01_address;
  int tls_alpn01_port = 443;
  std::string tls_alpn01_address;
  std::string manual_auth_hook;
  std::string manual_cleanup_hook;
  std::string rfc2136_credentials;
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
  std::string deploy_hook;  // saved in the lineage, run after each renewal
  bool force_renewal = false;  // issue even if the lineage is not due
};

struct RenewOptions {
  std::vector<std::string> cert_names;  // empty: every lineage
  bool force_renewal = false;
  bool dry_run = false;
  std::string pre_hook, post_hook, deploy_hook;
  bool no_directory_hooks = false;
  int max_parallel = 1;  // lineages renewed at once
};

struct DaemonOptions {
  RenewOptions renew;               // hooks and --cert-name apply to every pass
  std::string metrics_listen = "127.0.0.1:9108";  // "" disables metrics
  int check_interval = 43200;       // longest sleep between passes, seconds
  int jitter = 600;                 // random extra delay before a due renewal, seconds
};

struct RevokeOptions {
  std::string cert_path;  // a certificate (or full chain) PEM
  std::string cert_name;  // or a lineage
  std::string key_path;   // sign with the certificate's key instead of the account
  std::string reason = "unspecified";
  bool delete_after_revoke = false;
};

struct CheckOptions {
  std::vector<std::string> targets;  // HOST[:PORT], [IPv6]:PORT
  long days = 14;                    // fail at or below this many days left
  std::string servername;            // SNI and the name checked (default: each HOST)
  double connect_timeout = 10;       // seconds, for the connect and for the handshake
};

// Known CAs by short name (certbot users type URLs; lego users names).
// Returns the URL for a short name, or the argument when it is a URL.
std::string resolve_server(const std::string& server, bool staging);

}  // namespace acmekit::cli
