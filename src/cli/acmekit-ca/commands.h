// The verbs of acmekit-ca. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/acmekit-ca/config.h"

namespace acmekit::ca_cli {

// Runs the CA until SIGTERM or SIGINT.
int run_serve(const ServeConfig& config);

struct EabAddOptions {
  std::string data_dir;
  std::string database;  // serve's --database; "" is DATA_DIR/acmekit-ca.db
  std::string kid;  // empty: a random one
  bool json = false;
};
// Creates an external account key and prints its kid and base64url MAC key.
int run_eab_add(const EabAddOptions& options);

struct StatusOptions {
  std::string data_dir;
  std::string database;   // serve's --database; "" is DATA_DIR/acmekit-ca.db
  std::string cert_path;  // a PEM certificate, or
  std::string serial;     // its serial, lower-case hex
};
// Prints the certificate's record as JSON: status, reason, names, dates.
int run_status(const StatusOptions& options);

struct MigrateOptions {
  std::string from;      // sqlite:PATH or PATH; empty: DATA_DIR/acmekit-ca.db
  std::string data_dir;
  std::string to;        // postgres:// or postgresql:// URL
  bool json = false;
};
// Copies the SQLite CA's state into an empty PostgreSQL database and prints
// the rows copied per table.
int run_migrate(const MigrateOptions& options);

// `acmekit-ca va`: a remote validation perspective (Baseline Requirements
// §3.2.2.9) serving the CA over mutual TLS until SIGTERM or SIGINT.
struct VaOptions {
  std::string listen = "127.0.0.1:0";
  std::string credentials;  // the bundle dir `va-credentials` wrote
  uint16_t http01_port = 80, tlsalpn01_port = 443;
  std::vector<std::string> dns_resolvers, validation_allow_cidrs;
  std::string hosts_file;
  std::string log_level = "info";
};
int run_va(const VaOptions& options);

struct VaCredentialsOptions {
  std::string data_dir;
  std::string name;
  std::vector<std::string> hosts;
  std::string out;
};
// Issues a perspective's certificate bundle from DATA_DIR/mpic into OUT.
int run_va_credentials(const VaCredentialsOptions& options);

// Exit codes: 0 ok, 1 failure, 2 usage.
inline constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2;

}  // namespace acmekit::ca_cli
