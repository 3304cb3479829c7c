#include "client/challenge/solver_set.h"

#include <algorithm>

namespace acmekit::client::challenge {

void SolverSet::add(std::unique_ptr<Solver> owned) {
  order_.push_back(owned.get());
  owned_.push_back(std::move(owned));
}

void SolverSet::add(Solver& borrowed) { order_.push_back(&borrowed); }

std::string SolverSet::types() const {
  std::string out;
  for (const auto* s : order_) out += (out.empty() ? "" : ", ") + std::string(wire::to_string(s->type()));
  return out;
}

SolverSet::Choice SolverSet::choose(const wire::Authorization& authz) const {
  for (auto* solver : order_) {
    const ChallengeType type = solver->type();
    auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                           [&](const wire::Challenge& c) { return c.type == type; });
    if (it != authz.challenges.end()) return {solver, &*it};
  }
  return {};
}

Result<std::vector<ChallengeType>> parse_preferred_challenges(const std::string& text) {
  std::vector<ChallengeType> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
    if (item.empty()) continue;
    if (item == "http" || item == "dns" || item == "tls-alpn") item += "-01";  // certbot's short names
    const auto type = wire::parse_challenge_type(item);
    if (!type) {
      return make_error(ErrorKind::kInvalidArgument,
                        "unknown challenge type \"" + item + "\" (use http-01, dns-01 or tls-alpn-01)");
    }
    if (std::find(out.begin(), out.end(), *type) == out.end()) out.push_back(*type);
  }
  return out;
}

std::string join_types(const std::vector<ChallengeType>& types, std::string_view separator) {
  std::string out;
  for (const auto t : types) out += (out.empty() ? "" : std::string(separator)) + std::string(wire::to_string(t));
  return out;
}

}  // namespace acmekit::client::challenge
