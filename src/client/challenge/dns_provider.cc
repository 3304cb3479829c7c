#include "client/challenge/dns_provider.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "client/challenge/bounded_run.h"
#include "core/dns/message.h"
#include "core/dns/resolver.h"

namespace acmekit::client::challenge {
namespace {

// The provider is not the CA: its trouble ends the run with exit status 1,
// not 4 (the CA could not be reached) nor 2 (bad usage).
Status not_the_ca(Status st) {
  if (!st && (st.error().kind == ErrorKind::kUnavailable || st.error().kind == ErrorKind::kTimeout ||
              st.error().kind == ErrorKind::kNotFound)) {
    st.error().kind = ErrorKind::kIo;
  }
  return st;
}

}  // namespace

DnsProviderSolver::DnsProviderSolver(std::unique_ptr<dns_api::Provider> provider, std::vector<std::string> resolvers,
                                     int max_parallel)
    : provider_(std::move(provider)),
      resolvers_(std::move(resolvers)),
      max_parallel_(std::max(max_parallel > 0 ? max_parallel : provider_->parallel_zones(), 1)) {}

ChallengeType DnsProviderSolver::type() const { return ChallengeType::kDns01; }

Result<DnsProviderSolver::Target> DnsProviderSolver::target_of(const std::string& dns_name) {
  if (auto it = targets_.find(dns_name); it != targets_.end()) return it->second;
  Target t{.name = acmekit::dns::normalize_name(dns_name)};
  // RFC 1034 §3.6.2: a CNAME at the name sends the record elsewhere (maybe
  // another zone of the provider). When the resolver cannot tell, the name
  // is used as it is.
  const acmekit::dns::Resolver resolver(resolvers_, std::chrono::seconds(5));
  if (auto answer = resolver.lookup_txt(dns_name); answer && !answer->name.empty()) {
    if (answer->name != t.name) {
      spdlog::info("{} is a CNAME to {}: the record goes there", dns_name, answer->name);
      t.name = answer->name;
    }
  } else if (!answer) {
    spdlog::debug("could not look up {} for a CNAME: {}", dns_name, answer.error().message());
  }
  ACMEKIT_TRY(t.zone, provider_->find_zone(t.name));
  targets_[dns_name] = t;
  return t;
}

Status DnsProviderSolver::present(const Task& task) { return present_all(std::span(&task, 1)); }
Status DnsProviderSolver::cleanup(const Task& task) { return cleanup_all(std::span(&task, 1)); }
Status DnsProviderSolver::present_all(std::span<const Task> tasks) { return update_all(tasks, true); }
Status DnsProviderSolver::cleanup_all(std::span<const Task> tasks) { return update_all(tasks, false); }

Status DnsProviderSolver::update_all(std::span<const Task> tasks, bool add) {
  std::lock_guard lock(mu_);
  struct Batch {
    std::string zone;
    std::vector<dns_api::TxtRecord> records;
    std::string identifiers;  // for the log line
  };
  std::vector<Batch> batches;  // zones in first-seen order
  Status first;
  auto note = [&first](Status st) {
    if (!st && first) first = not_the_ca(std::move(st));
  };
  for (const auto& task : tasks) {
    auto target = target_of(task.dns_name);
    if (!target) {
      if (add) return not_the_ca(std::unexpected(std::move(target).error()));
      note(std::unexpected(std::move(target).error()));  // cleanup goes on with the others
      continue;
    }
    auto it = std::find_if(batches.begin(), batches.end(), [&](const Batch& b) { return b.zone == target->zone; });
    if (it == batches.end()) it = batches.insert(batches.end(), Batch{.zone = target->zone});
    it->records.push_back({.fqdn = target->name, .value = task.dns_value});
    it->identifiers += std::string(it->identifiers.empty() ? "" : ", ") + (task.wildcard ? "*." : "") + task.identifier;
  }
  // Every zone's batch, max_parallel_ at once (Provider: add_txt / delete_txt
  // of different zones may run at once). Adding stops at a failure (the
  // SolverSet cleans up all); cleanup goes on past failures.
  Status st = run_bounded(batches.size(), max_parallel_, add, [&](std::size_t i) -> Status {
    const Batch& batch = batches[i];
    spdlog::info("{}: {} {} TXT record(s) in zone {} at {}", batch.identifiers, add ? "adding" : "removing",
                 batch.records.size(), batch.zone, provider_->name());
    return add ? provider_->add_txt(batch.zone, batch.records) : provider_->delete_txt(batch.zone, batch.records);
  });
  if (!st && add) return not_the_ca(std::move(st));
  note(std::move(st));
  return first;
}

}  // namespace acmekit::client::challenge
