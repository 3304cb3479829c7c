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

class Provider {
 public:
  virtual ~Provider() = default;
  // "PowerDNS", "Cloudflare": every error message starts with it.
  virtual std::string name() const = 0;
  // The zone (normalized: lower case, no final dot) that holds fqdn among
  // those the credentials can see. Not found: kFailedPrecondition naming the
  // zones the account can see.
  virtual Result<std::string> find_zone(const std::string& fqdn) = 0;
  // Adds every value (all in `zone`); values already there are fine.
  virtual Status add_txt(const std::string& zone, std::span<const TxtRecord> records) = 0;
  // Removes exactly these values; fine when they are not there.
  virtual Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) = 0;
};

}  // namespace acmekit::client::dns_api
