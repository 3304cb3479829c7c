#include "client/challenge/rfc2136.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/dns/credentials.h"
#include "core/dns/message.h"
#include "core/dns/resolver.h"

namespace acmekit::client::challenge {
namespace {

// The DNS server is not the CA: its refusals and timeouts end the run with
// exit status 1 (failure), not 4 (the CA could not be reached).
Status not_the_ca(Status st) {
  if (!st && (st.error().kind == ErrorKind::kUnavailable || st.error().kind == ErrorKind::kTimeout)) {
    st.error().kind = ErrorKind::kIo;
  }
  return st;
}

}  // namespace

Result<std::unique_ptr<Rfc2136Solver>> Rfc2136Solver::from_credentials(const std::string& path,
                                                                       std::vector<std::string> resolvers) {
  ACMEKIT_TRY(auto credentials, dns::load_rfc2136_credentials(path));
  if (credentials.insecure_permissions) {
    spdlog::warn("{} can be read by other users; it holds a TSIG secret (chmod 600 it)", path);
  }
  return std::make_unique<Rfc2136Solver>(dns::update_server(credentials), std::move(resolvers));
}

Rfc2136Solver::Rfc2136Solver(dns::UpdateServer server, std::vector<std::string> resolvers)
    : updater_(std::move(server), clock_), resolvers_(std::move(resolvers)) {}

ChallengeType Rfc2136Solver::type() const { return ChallengeType::kDns01; }

Result<Rfc2136Solver::Target> Rfc2136Solver::target_of(const std::string& dns_name) {
  {
    std::lock_guard lock(mu_);
    if (auto it = targets_.find(dns_name); it != targets_.end()) return it->second;
  }
  Target t{.name = dns_name};
  // RFC 1034 §3.6.2: a CNAME at the name sends the record elsewhere; an
  // update at the name itself would be ignored (RFC 2136 §3.4.2.2). When
  // the resolver cannot tell, the name is used as it is.
  const dns::Resolver resolver(resolvers_, std::chrono::seconds(5));
  if (auto answer = resolver.lookup_txt(dns_name); answer && !answer->name.empty()) {
    if (answer->name != dns::normalize_name(dns_name)) {
      spdlog::info("{} is a CNAME to {}: the record goes there", dns_name, answer->name);
      t.name = answer->name;
    }
  } else if (!answer) {
    spdlog::debug("could not look up {} for a CNAME: {}", dns_name, answer.error().message());
  }
  ACMEKIT_TRY(t.zone, updater_.find_zone(t.name));
  std::lock_guard lock(mu_);
  targets_[dns_name] = t;
  return t;
}

Status Rfc2136Solver::present(const Task& task) { return present_all(std::span(&task, 1)); }

Status Rfc2136Solver::cleanup(const Task& task) { return cleanup_all(std::span(&task, 1)); }

Status Rfc2136Solver::present_all(std::span<const Task> tasks) { return update_all(tasks, true); }

Status Rfc2136Solver::cleanup_all(std::span<const Task> tasks) { return update_all(tasks, false); }

Status Rfc2136Solver::update_all(std::span<const Task> tasks, bool add) {
  struct Batch {
    std::string zone;
    std::vector<dns::TxtRecord> records;
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
  for (const auto& batch : batches) {
    if (add) {
      spdlog::info("{}: adding {} TXT record(s) in zone {} through {}", batch.identifiers, batch.records.size(),
                   batch.zone, updater_.server().endpoint.label());
    }
    const std::span<const dns::TxtRecord> all(batch.records);
    for (size_t at = 0; at < all.size(); at += dns::Updater::kMaxRecordsPerUpdate) {
      const auto part = all.subspan(at, std::min(dns::Updater::kMaxRecordsPerUpdate, all.size() - at));
      Status st = add ? updater_.add_txt(batch.zone, part) : updater_.delete_txt(batch.zone, part);
      if (!st && add) return not_the_ca(std::move(st));
      note(std::move(st));
    }
  }
  return first;
}

}  // namespace acmekit::client::challenge
