// One renewal pass over every lineage (or the named ones): what `acmekit
// renew` runs once and the daemon runs in a loop. Scans the lineages through
// the index, asks the CAs that offer ARI for the windows that are due to be
// asked, decides per lineage (renewal_due), runs the pre hook once, renews
// what is due (up to max_parallel at once, with each lineage's saved
// settings), installs, runs deploy hooks, then the post hook. A rateLimited
// answer holds that account's renewals until the CA's Retry-After, in this
// pass and later ones. One lineage failing does not stop the others.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/challenge/solver_pool.h"
#include "client/lineage_settings.h"
#include "client/obtain.h"
#include "client/renewal/ari_fetch.h"
#include "client/renewal/due.h"
#include "client/store/lineage_index.h"
#include "core/clock.h"
#include "core/error.h"

namespace acmekit::client {

// What a pass is asked to do (renew's and the daemon's flags bind here).
struct RenewOptions {
  std::vector<std::string> cert_names;  // empty: every lineage
  bool force_renewal = false;
  bool dry_run = false;  // the whole flow against the CA, nothing installed, no hooks
  std::string pre_hook, post_hook, deploy_hook;
  bool no_directory_hooks = false;  // CONFIG_DIR/renewal-hooks/{pre,deploy,post}/ not run
  int max_parallel = 1;             // lineages renewed at once
  bool reuse_key = false;  // --reuse-key: keep each renewed lineage's key, and save reuse_key
  bool new_key = false;    // --new-key: a new key this time even where reuse_key is saved
  // --preferred-profile / --required-profile: replace each renewed lineage's
  // saved profile choice (and are saved with it), as certbot's renew does.
  std::string preferred_profile, required_profile;
  // --ca-bundle: trust for the CA's HTTPS where a lineage's conf names none
  // (certbot's confs never do: certbot reads REQUESTS_CA_BUNDLE).
  std::string ca_bundle;
};

// A due lineage and what it is renewed with.
struct RenewalCandidate {
  std::string name;
  LineageSettings settings;
  std::string replaces;  // RFC 9773 §5: the live certificate's identifier ("" on a dry run)
  bool new_key = false;  // RenewOptions::new_key
};

// How a pass reaches the world. The defaults (real_renew_deps) are the real
// ones; unit tests give a fake clock, a fake CA for renewalInfo and a fake
// issuance.
struct RenewDeps {
  const Clock* clock = nullptr;
  // One issuance for a due lineage; `solvers` is shared by the pass's
  // concurrent renewals (one standalone server per address:port).
  std::function<Result<Obtained>(const RenewalCandidate&, challenge::SolverPool& solvers)> obtain;
  renewal::HttpClientFactory ari_http;  // renewalInfo (RFC 9773) GETs
  renewal::RandomFraction random;       // where in an ARI window to renew
};
// The real dependencies for CONFIG_DIR: obtain_certificate with the
// lineage's saved account, curl, the system clock given.
RenewDeps real_renew_deps(const std::string& config_dir, const Clock& clock);

// What a pass did, typed; to_json() is renew --json.
struct RenewReport {
  struct Due {
    std::string cert_name;
    std::string reason;  // why it was tried: due, forced, dry run
  };
  struct NotDue {
    std::string cert_name;
    std::string reason;
    std::chrono::system_clock::time_point renew_at;
    std::optional<renewal::AriWindow> ari;
  };
  struct Failure {
    std::optional<std::string> cert_name;  // nullopt: the post hook or a reload failed
    std::string error;
  };

  bool dry_run = false;
  std::vector<std::string> renewed;  // sorted
  std::vector<std::string> reloaded;  // the installers reloaded after the renewals ("nginx")
  std::vector<Due> due;              // every lineage tried, in scan order
  std::vector<NotDue> not_due;
  std::vector<Failure> failed;
  // The lineage that comes due first among those not due, and when.
  std::optional<std::pair<std::string, std::chrono::system_clock::time_point>> next_due;
  // When renewalInfo (RFC 9773 §4.3) is next to be asked for a lineage.
  std::optional<std::chrono::system_clock::time_point> next_ari_fetch;
  // When the earliest rateLimited hold on an account ends (RFC 8555 §6.6).
  std::optional<std::chrono::system_clock::time_point> next_rate_limit_release;
  // Every lineage with its validity as seen at the start of the pass.
  std::vector<store::LineageValidity> lineages;
  // This pass's renewal attempts: name -> nullopt on success, else the error.
  std::map<std::string, std::optional<std::string>> results;

  // {"format":1,"dry_run","renewed","due","not_due","failed","reloaded"}
  nlohmann::json to_json() const;
};

// Fails only when the pre hook fails (then nothing is renewed); per-lineage
// failures are in RenewReport::failed.
[[nodiscard]] Result<RenewReport> run_renewal_pass(const std::string& config_dir, const RenewOptions& options,
                                                   const RenewDeps& deps);

}  // namespace acmekit::client
