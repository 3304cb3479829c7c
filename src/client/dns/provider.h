// A DNS provider's API as dns-01 needs it: which of the account's zones
// holds a name, add TXT values there, remove exactly the values we added
// (other TXT values at the same name stay). One small interface so each
// provider is one small file (powerdns.cc, cloudflare.cc); the solver on top
// (client/challenge/dns_provider.h) follows CNAMEs, groups records by zone
// and calls add_txt/delete_txt once per zone, so a provider whose API
// batches does one request per zone.
#pragma once

#include <span>
#include <string>

#include "core/dns/message.h"
#include "core/error.h"

namespace acmekit::client::dns_api {

using acmekit::dns::TxtRecord;

// The TTL of the challenge records we publish.
inline constexpr int kChallengeTtl = 60;

// Zones updated at once through one provider (the solver's threads, and the
// HTTPS connections make_provider opens for them): a few, so 50 zones do not
// wait for each other one by one, nor flood the API (whose request rate
// rate_limit.h limits apart).
inline constexpr int kDefaultParallelZones = 4;

class Provider {
 public:
  virtual ~Provider() = default;
  // "PowerDNS", "Cloudflare": every error message starts with it.
  virtual std::string name() const = 0;
  // How many zones the solver may update at once through this provider.
  virtual int parallel_zones() const { return kDefaultParallelZones; }
  // The zone (normalized: lower case, no final dot) that holds fqdn among
  // those the credentials can see. Not found: kFailedPrecondition naming the
  // zones the account can see.
  virtual Result<std::string> find_zone(const std::string& fqdn) = 0;
  // add_txt and delete_txt may run at once for different zones, each zone
  // returned by find_zone first (client/challenge/dns_provider.h runs a few
  // zones in parallel); find_zone is never called at the same time as them.
  // Adds every value (all in `zone`); values already there are fine.
  virtual Status add_txt(const std::string& zone, std::span<const TxtRecord> records) = 0;
  // Removes exactly these values; fine when they are not there.
  virtual Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) = 0;
};

}  // namespace acmekit::client::dns_api
