#include "client/dns/zone_cache.h"

#include "client/dns/zone_match.h"

namespace acmekit::client::dns_api {

Result<std::string> ZoneCache::find(std::string_view fqdn, const Lister& list, std::string_view provider,
                                    std::string_view noun, std::string_view where) {
  std::lock_guard lock(mu_);
  if (!zones_) {
    std::vector<std::string> listed;
    ++listings_;
    ACMEKIT_CHECK(list(listed));
    zones_ = std::move(listed);
  }
  ZoneMatch match(fqdn);
  for (const auto& zone : *zones_) match.offer(zone);
  return match.result(provider, noun, where);
}

int ZoneCache::listings() const {
  std::lock_guard lock(mu_);
  return listings_;
}

}  // namespace acmekit::client::dns_api
