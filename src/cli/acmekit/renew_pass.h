// One renewal pass over every lineage (or --cert-name ones): what `renew`
// runs once and `daemon` runs in a loop.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/acmekit/options.h"
#include "client/store/lineage_index.h"
#include "core/error.h"

namespace acmekit::cli {

struct RenewPass {
  nlohmann::json renewed = nlohmann::json::array();  // names
  // {cert_name, reason}: every lineage tried, and why (due, forced, dry run).
  nlohmann::json due = nlohmann::json::array();
  nlohmann::json not_due = nlohmann::json::array();  // {cert_name, reason, renew_at}
  nlohmann::json failed = nlohmann::json::array();   // {cert_name, error}
  // The lineage that comes due first among those not due, and when.
  std::optional<std::pair<std::string, std::chrono::system_clock::time_point>> next_due;
  // When renewalInfo (RFC 9773 §4.3) is next to be asked for a lineage.
  std::optional<std::chrono::system_clock::time_point> next_ari_fetch;
  // When the earliest rateLimited hold on an account ends (RFC 8555 §6.6).
  std::optional<std::chrono::system_clock::time_point> next_rate_limit_release;
  // Every lineage with its validity as seen at the start of the pass.
  std::vector<client::store::LineageValidity> lineages;
  // Renewal attempts of this pass: name -> nullopt on success, else the error.
  std::map<std::string, std::optional<std::string>> results;
};

// Renews what is due as of `now`: a lineage whose live certificate we revoked
// (store/revocations.h) at once; inside the CA's ARI window where the CA
// offers renewalInfo (fetched for the lineages whose time has come, cached in
// CONFIG_DIR/.index/ari.tsv), else at a third of the lifetime left. Fails
// only when the pre hook fails (then nothing is renewed); per-lineage
// failures are in `failed`.
Result<RenewPass> renew_pass(const GlobalOptions& global, const RenewOptions& options,
                             std::chrono::system_clock::time_point now);

// Now, or ACMEKIT_FAKE_NOW (unix seconds) for tests.
std::chrono::system_clock::time_point now_for_due();

}  // namespace acmekit::cli
