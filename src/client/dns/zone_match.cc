#include "client/dns/zone_match.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/dns/message.h"

namespace acmekit::client::dns_api {

std::string relative_name(const std::string& zone, std::string_view fqdn, std::string_view apex) {
  const std::string name = acmekit::dns::normalize_name(std::string(fqdn));
  return name == zone ? std::string(apex) : name.substr(0, name.size() - zone.size() - 1);
}

ZoneMatch::ZoneMatch(std::string_view fqdn) : name_(acmekit::dns::normalize_name(std::string(fqdn))) {}

bool ZoneMatch::offer(std::string_view raw) {
  std::string zone = acmekit::dns::normalize_name(std::string(raw));
  if (zone.empty()) return false;
  const bool holds = name_ == zone || name_.ends_with("." + zone);
  if (holds && zone.size() > best_.size()) best_ = zone;
  seen_.insert(std::move(zone));
  return holds;
}

Result<std::string> ZoneMatch::result(std::string_view provider, std::string_view noun,
                                      std::string_view where) const {
  if (!best_.empty()) return best_;
  return make_error(ErrorKind::kFailedPrecondition,
                    fmt::format("{}: no {} for {} {} (it has: {})", provider, noun, name_, where,
                                seen_.empty() ? fmt::format("no {}s", noun) : fmt::format("{}", fmt::join(seen_, ", "))));
}

}  // namespace acmekit::client::dns_api
