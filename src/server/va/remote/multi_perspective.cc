#include "server/va/remote/multi_perspective.h"

#include <future>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace acmekit::server::va::remote {
namespace {

constexpr const char* kPrimary = "primary";

std::string describe(const Status& s) { return s ? std::string("valid") : s.error().message(); }

}  // namespace

MultiPerspectiveValidator::MultiPerspectiveValidator(std::unique_ptr<Validator> primary,
                                                     std::vector<Perspective> remotes, bool caa_checked)
    : primary_(std::move(primary)), remotes_(std::move(remotes)), caa_checked_(caa_checked) {}

template <typename Call>
Status MultiPerspectiveValidator::corroborate(std::string_view check, const std::string& what, Call call) {
  // Every remote perspective at once (each blocks on its own network I/O,
  // bounded by its timeout), the primary on this thread meanwhile.
  std::vector<std::future<Status>> pending;
  pending.reserve(remotes_.size());
  for (auto& r : remotes_) {
    pending.push_back(std::async(std::launch::async, [&r, &call] { return call(*r.validator); }));
  }
  Status primary = call(*primary_);
  std::vector<PerspectiveResult> results;
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    results.push_back({remotes_[i].name, pending[i].get()});
  }
  Status decision = decide(primary, results, what);
  {
    std::lock_guard lock(mu_);
    ++results_[{kPrimary, std::string(check), std::string(to_string(outcome_of(primary)))}];
    for (const auto& r : results) {
      ++results_[{r.name, std::string(check), std::string(to_string(outcome_of(r.result)))}];
    }
    ++decisions_[{std::string(check), decision.has_value()}];
  }
  spdlog::info("MPIC {}: perspective {}: {}", what, kPrimary, describe(primary));
  for (const auto& r : results) {
    spdlog::info("MPIC {}: perspective {}: {}: {}", what, r.name, to_string(outcome_of(r.result)), describe(r.result));
  }
  spdlog::info("MPIC {}: {}", what, decision ? "corroborated" : "not corroborated: " + decision.error().message());
  return decision;
}

Status MultiPerspectiveValidator::validate(const ValidationRequest& request) {
  const std::string what = fmt::format("{} validation of {}:{}", wire::to_string(request.challenge_type),
                                       request.identifier.type, request.identifier.value);
  return corroborate("validation", what, [&request](Validator& v) { return v.validate(request); });
}

Status MultiPerspectiveValidator::check_caa(const CaaRequest& request) {
  if (!caa_checked_) return {};
  const std::string what = fmt::format("CAA check of {}{}", request.wildcard ? "*." : "", request.name);
  return corroborate("caa", what, [&request](Validator& v) { return v.check_caa(request); });
}

std::string MultiPerspectiveValidator::metrics_text() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP acmekit_ca_va_perspective_results_total Results per validation perspective (Baseline Requirements "
         "3.2.2.9): corroborated, disagreed (answered a problem), unreachable.\n";
  out += "# TYPE acmekit_ca_va_perspective_results_total counter\n";
  for (const auto& [key, n] : results_) {
    const auto& [name, check, result] = key;
    out += fmt::format("acmekit_ca_va_perspective_results_total{{perspective=\"{}\",check=\"{}\",result=\"{}\"}} {}\n",
                       name, check, result, n);
  }
  out += "# HELP acmekit_ca_va_corroboration_total Multi-perspective decisions: corroborated or not.\n";
  out += "# TYPE acmekit_ca_va_corroboration_total counter\n";
  for (const auto& [key, n] : decisions_) {
    out += fmt::format("acmekit_ca_va_corroboration_total{{check=\"{}\",result=\"{}\"}} {}\n", key.first,
                       key.second ? "corroborated" : "not_corroborated", n);
  }
  return out;
}

}  // namespace acmekit::server::va::remote
