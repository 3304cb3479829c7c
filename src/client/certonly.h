// certonly's workflow: what to certify (the names given, or a CSR's), which
// lineage, certbot's "already covered and not due: unchanged" rule (cron
// jobs rely on it), RFC 9773 "replaces" for a predecessor from the same CA,
// the account, the issuance, and the install: a lineage, or with a CSR the
// three files asked for.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/account_setup.h"
#include "client/lineage_settings.h"
#include "core/clock.h"
#include "core/error.h"

namespace acmekit::client {

struct CertonlyRequest {
  std::string config_dir;
  LineageSettings settings;  // names empty when csr_path names them
  std::string cert_name;     // empty: the first name ("*." dropped)
  bool force_renewal = false;
  // --csr: finalize with this CSR, write the results to these paths.
  std::string csr_path, cert_path, chain_path, fullchain_path;
  AccountOptions account;  // for a new account (email, ToS, EAB)
  bool register_unsafely_without_email = false;
  // certbot's --expand: names may be added to the lineage the first name
  // picks (without --cert-name) only with it.
  bool expand = false;
  // --new-key: a new key even when settings.reuse_key keeps the old one.
  bool new_key = false;
  // --dry-run: the whole flow against the CA (always ordering), nothing
  // written to the lineage or the --csr paths, no hooks.
  bool dry_run = false;
};

struct CertonlyResult {
  enum class Outcome { kIssued, kUnchanged, kDryRun };
  Outcome outcome = Outcome::kIssued;
  std::vector<std::string> names;
  std::string serial, issuer;
  std::chrono::system_clock::time_point not_after;
  std::string account_url;               // issued only
  std::string profile;                   // the order's profile (draft-ietf-acme-profiles §4); issued, dry run
  std::optional<std::string> cert_name;  // nullopt with --csr
  std::string cert, chain, fullchain;    // paths
  std::optional<std::string> privkey;    // nullopt with --csr
  nlohmann::json to_json() const;        // {"format":1,"status":"issued"|"unchanged"|"dry_run",...[,"profile"]}
};

[[nodiscard]] Result<CertonlyResult> certonly(const CertonlyRequest& request, const Clock& clock);

}  // namespace acmekit::client
