#include "client/challenge/dns_propagation.h"

#include <spdlog/spdlog.h>

#include "core/dns/propagation.h"
#include "core/dns/resolver.h"

namespace acmekit::client::challenge {

DnsPropagationWait::DnsPropagationWait(DnsPropagationOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock ? *clock : system_clock_) {}

Status DnsPropagationWait::wait_visible(const std::vector<Task>& tasks) {
  if (tasks.empty()) return {};
  if (options_.fixed_seconds >= 0) {
    if (options_.fixed_seconds > 0) {
      spdlog::info("waiting {} s for {} DNS record(s) to propagate (--dns-propagation-seconds)",
                   options_.fixed_seconds, tasks.size());
      clock_.sleep_for(std::chrono::seconds(options_.fixed_seconds));
    }
    return {};
  }
  std::vector<dns::TxtRecord> records;
  for (const auto& t : tasks) records.push_back({.fqdn = t.dns_name, .value = t.dns_value});
  dns::Resolver resolver(options_.resolvers, std::chrono::seconds(5));
  spdlog::info("checking that every authoritative server serves the {} TXT record(s) (up to {} s)",
               records.size(), options_.timeout_seconds);
  return dns::wait_for_propagation(records, resolver,
                                   dns::PropagationOptions{.timeout = std::chrono::seconds(options_.timeout_seconds),
                                                           .interval = std::chrono::seconds(options_.interval_seconds)},
                                   clock_);
}

}  // namespace acmekit::client::challenge
