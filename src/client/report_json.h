// The pieces every typed result's to_json() shares, so that --json output
// spells times, paths and renewal windows one way. Each top-level result
// carries "format": kJsonFormat, the version of that output.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "client/renewal/due.h"
#include "client/store/lineages.h"

namespace acmekit::client {

// The version of acmekit's --json output; bump it when a field changes
// meaning or goes away (adding one does not).
inline constexpr int kJsonFormat = 1;

// "2026-12-05T09:00:00Z" (whole seconds, UTC).
std::string iso8601(std::chrono::system_clock::time_point t);
// {"cert","chain","fullchain","privkey"} of a lineage.
nlohmann::json paths_json(const store::LineagePaths& paths);
// The CA's renewal window (RFC 9773): {"window_start","window_end","renew_at"[,"explanation_url"]}.
nlohmann::json ari_json(const renewal::AriWindow& window);

}  // namespace acmekit::client
