// The corroboration rule of multi-perspective issuance corroboration (CA/B
// Forum Baseline Requirements §3.2.2.9): the primary perspective must
// succeed, and of N remote perspectives at most 1 (N <= 5) or 2 (N >= 6)
// may fail to corroborate it. A perspective that answered with a problem,
// or did not answer (down, timeout, refused), does not corroborate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::server::va::remote {

// How a perspective's result counts (and its label in /metrics).
enum class PerspectiveOutcome {
  kCorroborated,  // the check succeeded there too
  kDisagreed,     // it answered with a problem
  kUnreachable,   // no answer (transport error, timeout, bad answer)
};
PerspectiveOutcome outcome_of(const Status& result);
std::string_view to_string(PerspectiveOutcome outcome);

struct PerspectiveResult {
  std::string name;
  Status result;
};

// BR §3.2.2.9's table: remote perspectives that may not corroborate for N
// remote perspectives: 0 for N <= 1, 1 for 2..5, 2 for 6 and more.
std::size_t allowed_non_corroborations(std::size_t remote_count);

// The decision: the primary's problem when it failed; else {} when enough
// remotes corroborated; else a problem (the first disagreeing answer's
// type, serverInternal when none answered) whose detail names every
// perspective that did not corroborate and why. what: "validation of
// dns:example.com" for the detail.
Status decide(const Status& primary, const std::vector<PerspectiveResult>& remotes, std::string_view what);

}  // namespace acmekit::server::va::remote
