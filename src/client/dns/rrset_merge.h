// For APIs whose TXT record set at a name is one object holding every value
// (Gandi LiveDNS rrsets, Azure and Google record sets): the set to write back
// so that ours are added, or removed, and every other value stays. Values are
// compared as the API spells them (a quoted "..." for Gandi): callers put ours
// in that form first.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <vector>

namespace acmekit::client::dns_api {

// existing in its order, then each of ours not already there (once).
[[nodiscard]] inline std::vector<std::string> rrset_with(std::span<const std::string> existing,
                                                         std::span<const std::string> ours) {
  std::vector<std::string> out(existing.begin(), existing.end());
  for (const auto& v : ours) {
    if (std::ranges::find(out, v) == out.end()) out.push_back(v);
  }
  return out;
}

// existing without any of ours, in its order. Empty: nothing else was there,
// so the whole set is to be deleted (most APIs refuse an empty set).
[[nodiscard]] inline std::vector<std::string> rrset_without(std::span<const std::string> existing,
                                                            std::span<const std::string> ours) {
  std::vector<std::string> out;
  for (const auto& v : existing) {
    if (std::ranges::find(ours, v) == ours.end()) out.push_back(v);
  }
  return out;
}

}  // namespace acmekit::client::dns_api
