// The account's zones, listed once per provider instance (one acmekit run):
// the first find_zone lists them (however the API pages them), every later
// name is matched against that list (zone_match.h), so 1,000 names over 50
// zones cost one listing, not 1,000 (issue 15, "at scale"). A listing that
// fails is not kept: the next name lists again. Thread safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::client::dns_api {

class ZoneCache {
 public:
  // Appends every zone of the account (any case, final dot or not) to `out`.
  using Lister = std::function<Status(std::vector<std::string>& out)>;

  // The longest listed zone holding fqdn, listing first when not yet done;
  // not found: ZoneMatch::result's error (provider, noun, where).
  Result<std::string> find(std::string_view fqdn, const Lister& list, std::string_view provider,
                           std::string_view noun = "zone", std::string_view where = "in this account");
  // How many listings were made (tests: one per run).
  int listings() const;

 private:
  mutable std::mutex mu_;
  std::optional<std::vector<std::string>> zones_;
  int listings_ = 0;
};

// ids[zone], "" when absent, without inserting: the maps a listing fills are
// only read while zones are updated at once (provider.h).
inline std::string id_of(const std::map<std::string, std::string>& ids, const std::string& zone) {
  auto it = ids.find(zone);
  return it == ids.end() ? std::string() : it->second;
}

}  // namespace acmekit::client::dns_api
