// Which CRL lists a certificate (RFC 5280 §5: a CA may partition its CRLs,
// each naming its scope in the issuingDistributionPoint, §5.2.5). Sharded by
// expiry, as Boulder's crl-updater does: the shard is a function of the
// certificate's notAfter only, so it is fixed at issuance (the certificate's
// cRLDistributionPoints names it, §4.2.1.13) and every instance computes the
// same one, with no column to keep.
//
// The notAfter axis is cut into one-day chunks; chunk k goes to shard
// k mod shards. With the default 128 shards and 90-day certificates, the
// certificates of a shard that are still unexpired all expire on one UTC day,
// so a CRL holds about 1/90 of the live revocations, and a certificate drops
// out of its CRL as soon as its day has passed (plus one period). Lifetimes
// over `shards` days make a shard hold several days: larger, still correct.
// Changing crl_shards moves every certificate to another shard, while the
// URLs in certificates already issued keep naming the old one: choose it
// once.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace acmekit::server::ca {

inline constexpr std::chrono::seconds kCrlShardWidth = std::chrono::hours(24);
inline constexpr int kDefaultCrlShards = 128;
inline constexpr int kMaxCrlShards = 4096;

// floor(notAfter / width) mod shards, in whole seconds since the epoch
// (notAfter is encoded in whole seconds, RFC 5280 §4.1.2.5), for any
// notAfter, before 1970 included. shards >= 1.
inline int crl_shard(std::chrono::system_clock::time_point not_after, int shards) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(not_after.time_since_epoch()).count();
  const long long width = kCrlShardWidth.count();
  long long chunk = seconds / width;
  if (seconds % width != 0 && seconds < 0) --chunk;  // floor, not truncation
  long long shard = chunk % shards;
  if (shard < 0) shard += shards;
  return static_cast<int>(shard);
}

// The distribution point of a shard: BASE/crl/SHARD.crl. base is
// "http://HOST:PORT" (a trailing "/" is dropped).
inline std::string crl_url(std::string_view base, int shard) {
  while (base.ends_with('/')) base.remove_suffix(1);
  return fmt::format("{}/crl/{}.crl", base, shard);
}

}  // namespace acmekit::server::ca
