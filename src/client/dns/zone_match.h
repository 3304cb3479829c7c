// Which of an account's zones holds a name: the longest zone that is the name
// or a parent of it (example.com and sub.example.com both listed: a name under
// sub.example.com goes to sub.example.com, as a delegation would). Providers
// list the account's zones (however their API pages them) into a ZoneMatch,
// then ask for the result or the "not found" error naming what was seen.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::client::dns_api {

// fqdn (any case, final dot or not; inside zone, which is normalized)
// relative to zone, as record APIs name records: "_acme-challenge.www" for
// _acme-challenge.www.example.com in example.com, `apex` for the zone's own
// name ("@" for most APIs, "" for OVH's subDomain).
std::string relative_name(const std::string& zone, std::string_view fqdn, std::string_view apex = "@");

class ZoneMatch {
 public:
  // fqdn: any case, final dot or not.
  explicit ZoneMatch(std::string_view fqdn);

  // One zone of the account; returns whether it holds the name.
  bool offer(std::string_view zone);

  const std::string& name() const { return name_; }
  // The zones offered so far, normalized and sorted.
  const std::set<std::string>& seen() const { return seen_; }

  // The longest zone holding the name, or kFailedPrecondition:
  // "PROVIDER: no NOUN for NAME WHERE (it has: a.test, b.test)", e.g.
  // "Linode: no domain for x.test in this account (it has: no domains)".
  Result<std::string> result(std::string_view provider, std::string_view noun = "zone",
                             std::string_view where = "in this account") const;

 private:
  std::string name_;
  std::string best_;
  std::set<std::string> seen_;
};

}  // namespace acmekit::client::dns_api
