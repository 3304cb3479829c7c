// The CRL job (RFC 5280 §5): every period, the CRL of every shard
// (crl_shard.h) signed by the intermediate and stored in the database, which
// every instance serves from (wfe/crl_endpoint.h). Boulder's crl-updater in
// one loop, run by cli/acmekit-ca/maintenance.
//
// Several instances on one database: a pass runs under the storage's
// exclusive lock "crl" and first looks at what is stored, so one instance
// makes a generation and the others find it fresh; the (shard, number)
// primary key refuses a second CRL of a number in any case. The database
// holds the only copy that is served: two instances never publish two
// different CRLs of one number.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/error.h"
#include "server/ca/authority.h"
#include "server/sa/storage.h"

namespace acmekit::server::ca {

struct CrlOptions {
  std::string url_base;  // "http://HOST:PORT": shard N is url_base/crl/N.crl (crl_url)
  int shards = 128;
  // A revocation is listed by the CRL made at most one period (plus the 2 s
  // maintenance tick) after it.
  std::chrono::seconds period{std::chrono::hours(1)};
};

// nextUpdate (RFC 5280 §5.1.2.5) = thisUpdate + period + grace, grace = one
// period (at least a minute): the next CRL is made a period later; the grace
// covers a pass that a restart or a database outage delays, so a relying
// party holding this CRL does not find it stale before a newer one exists.
std::chrono::seconds crl_next_update_after(std::chrono::seconds period);

// The entries of one shard's CRL at `now`: the revoked certificates of that
// shard, each until one period after its notAfter (so the CRL that was
// current when it expired still lists it). Exposed for tests.
std::vector<crypto::RevokedEntry> crl_entries(const std::vector<sa::RevokedCertificate>& revoked, int shard,
                                              int shards, TimePoint now, std::chrono::seconds period);

class CrlPublisher {
 public:
  CrlPublisher(sa::Storage& storage, const Authority& authority, const Clock& clock, CrlOptions options)
      : storage_(storage), authority_(authority), clock_(clock), options_(std::move(options)) {}

  // One pass: when the newest stored generation is a period old (or there
  // is none), makes and stores the next one, all shards in one transaction.
  // Returns the number of CRLs made (0: the stored ones are fresh, maybe
  // made by another instance). Cheap to call often: between passes it only
  // compares the clock with the time it noted.
  Result<int> run_once();

  // Prometheus text: the last generation's time, CRLs made, entries, errors.
  std::string metrics_text() const;

  const CrlOptions& options() const { return options_; }

 private:
  Result<int> generate(TimePoint now);

  sa::Storage& storage_;
  const Authority& authority_;
  const Clock& clock_;
  const CrlOptions options_;
  std::mutex mu_;  // one pass at a time in this process
  TimePoint next_check_{};
  std::atomic<std::int64_t> last_generation_ms_{0}, last_number_{0};
  std::atomic<std::uint64_t> crls_made_{0}, last_entries_{0}, errors_{0};
};

}  // namespace acmekit::server::ca
