#include "server/va/remote/quorum.h"

#include <fmt/format.h>

#include "server/problems.h"

namespace acmekit::server::va::remote {

PerspectiveOutcome outcome_of(const Status& result) {
  if (result) return PerspectiveOutcome::kCorroborated;
  return result.error().kind == ErrorKind::kAcme ? PerspectiveOutcome::kDisagreed : PerspectiveOutcome::kUnreachable;
}

std::string_view to_string(PerspectiveOutcome outcome) {
  switch (outcome) {
    case PerspectiveOutcome::kCorroborated: return "corroborated";
    case PerspectiveOutcome::kDisagreed: return "disagreed";
    case PerspectiveOutcome::kUnreachable: return "unreachable";
  }
  return "unknown";
}

std::size_t allowed_non_corroborations(std::size_t remote_count) {
  // BR §3.2.2.9, the table "Quorum Requirements": 2-5 remote perspectives
  // allow 1 non-corroboration, 6 or more allow 2.
  if (remote_count <= 1) return 0;
  if (remote_count <= 5) return 1;
  return 2;
}

Status decide(const Status& primary, const std::vector<PerspectiveResult>& remotes, std::string_view what) {
  // BR §3.2.2.9: the primary network perspective's own result decides first.
  if (!primary) return primary;
  std::vector<std::string> reasons;
  std::string type;
  for (const auto& r : remotes) {
    if (r.result) continue;
    const Error& e = r.result.error();
    if (type.empty() && e.kind == ErrorKind::kAcme) type = e.short_type();
    reasons.push_back(fmt::format("{} ({}): {}", r.name, to_string(outcome_of(r.result)), e.message()));
  }
  const std::size_t allowed = allowed_non_corroborations(remotes.size());
  if (reasons.size() <= allowed) return {};
  return problem(type.empty() ? "serverInternal" : type,
                 fmt::format("{}: {} of {} remote perspectives did not corroborate (at most {} may, Baseline "
                             "Requirements 3.2.2.9): {}",
                             what, reasons.size(), remotes.size(), allowed, fmt::join(reasons, "; ")));
}

}  // namespace acmekit::server::va::remote
