// reconfigure (certbot 2.3+'s verb): change the renewal settings of one
// lineage -- the authenticator and its options, the challenge preference,
// the deploy hook, the profile choice -- after a dry-run renewal with the
// new settings succeeded (the same issuance certonly --dry-run does:
// nothing saved, no hooks run). Only then is renewal/NAME.conf replaced,
// atomically; on any failure it stays byte-identical. The names, the key
// and the CA are not changed here (certbot refuses them too: certonly
// --cert-name NAME does that with a new certificate).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/account_setup.h"
#include "client/lineage_settings.h"
#include "core/error.h"
#include "core/wire/enums.h"

namespace acmekit::client {

// Each field set replaces the saved setting; unset ones are kept.
struct SettingsChange {
  std::optional<std::string> authenticator;  // certbot's names
  std::optional<std::vector<wire::ChallengeType>> preferred_challenges;
  std::optional<std::string> webroot_path;   // absolute
  std::optional<int> http01_port;
  std::optional<std::string> http01_address;
  std::optional<int> tls_alpn01_port;
  std::optional<std::string> tls_alpn01_address;
  std::optional<std::string> manual_auth_hook, manual_cleanup_hook;
  std::optional<std::string> rfc2136_credentials;  // absolute
  std::optional<std::string> dns_credentials;      // dns-NAME's credentials file, absolute
  std::optional<std::string> deploy_hook;
  // draft-ietf-acme-profiles: one of the two replaces both saved ones.
  std::optional<std::string> preferred_profile, required_profile;
};

struct ReconfigureRequest {
  std::string config_dir;
  std::string cert_name;
  SettingsChange change;
  AccountOptions account;  // only when the dry run needs a new account (none stored)
};

struct ReconfigureResult {
  std::string cert_name;
  std::string renewal_conf;  // its path
  // [renewalparams] keys whose value changed, appeared or went away, sorted,
  // with the old and new value ("" when absent).
  struct Changed {
    std::string key, old_value, new_value;
  };
  std::vector<Changed> changed;  // empty: nothing to change, nothing was tried
  std::string dry_run_serial;    // the dry run's certificate (thrown away)
  nlohmann::json to_json() const;  // {"format":1,"cert_name","renewal_conf","changed":[{key,old,new}],"saved"}
};

// kNotFound without renewal/NAME.conf; kInvalidArgument for settings that
// cannot work (e.g. --webroot without a path); the dry run's error (with
// context) when it fails. The conf is only written after the dry run.
[[nodiscard]] Result<ReconfigureResult> reconfigure(const ReconfigureRequest& request);

// The saved settings with `change` applied (no I/O), for the CLI and tests.
[[nodiscard]] Result<LineageSettings> apply_change(LineageSettings settings, const SettingsChange& change);

}  // namespace acmekit::client
