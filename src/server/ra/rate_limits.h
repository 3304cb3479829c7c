// Rate limits (Boulder's, as Let's Encrypt documents them), over sliding
// windows counted from the database, so a restart keeps them:
//   new_orders_per_account      newOrder per account                300 / 3 h
//   certificates_per_domain     certificates per registered domain   50 / 7 d
//                               (renewals of an issued name set, and
//                               RFC 9773 "replaces" orders, exempt)
//   certificates_per_name_set   certificates per exact name set       5 / 7 d
//                               (RFC 9773 "replaces" orders exempt: a
//                               certificate is replaced once; the window
//                               is at most the lifetime of the order's
//                               profile, see below)
//   failed_validations          failed validations per account and    5 / 1 h
//                               identifier
// Profiles (draft-ietf-acme-profiles) follow their lifetime in the one limit
// where a lifetime matters: certificates_per_name_set exists against
// duplicates, certificates of one name set valid at the same time. Counted
// over a window no longer than the profile's lifetime, the count bounds
// those: a shortlived (160 h) certificate renewed at two thirds of its life
// never meets the limit a 7-day window would set for 90-day certificates,
// while five copies of it at once still do. The other limits count requests
// and failures, not certificates' lives, and are the same for every profile.
//
// A refusal is rateLimited, HTTP 429 (RFC 8555 §6.7), naming the limit, its
// window and count, with Retry-After (§6.6) = the seconds until the event
// that has to leave the window does. A limit with max 0 is off.
//
// The RA asks before it writes; to keep a check and the write that records
// its event together (256 concurrent newOrders of one account, on any
// instances, must not all see 299), it holds the storage's exclusive lock
// (registration_authority.h: kOrdersLock, kCertificatesLock) from the check
// to the write. That lock is the innermost: nothing else is locked while it
// is held.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/wire/types.h"
#include "server/ra/public_suffix.h"
#include "server/sa/storage.h"

namespace acmekit::server::ra {

struct RateLimit {
  std::size_t max = 0;  // events per window; 0: off
  std::chrono::seconds window{0};
  bool on() const { return max > 0 && window.count() > 0; }
};

enum class Limit { kNewOrdersPerAccount, kCertificatesPerDomain, kCertificatesPerNameSet, kFailedValidations };
inline constexpr std::size_t kLimitCount = 4;

struct RateLimitOptions {
  RateLimit new_orders_per_account{300, std::chrono::hours(3)};
  RateLimit certificates_per_domain{50, std::chrono::hours(24 * 7)};
  RateLimit certificates_per_name_set{5, std::chrono::hours(24 * 7)};
  RateLimit failed_validations{5, std::chrono::hours(1)};
  // Registered domains for certificates_per_domain; null: the last two labels.
  std::shared_ptr<const PublicSuffixList> public_suffixes;

  // The limit by its name.
  const RateLimit& operator[](Limit limit) const;
  RateLimit& operator[](Limit limit) { return const_cast<RateLimit&>(std::as_const(*this)[limit]); }
};
// "new_orders_per_account", ...: the metric label (and the stem of the
// TOML keys and flags).
std::string_view limit_name(Limit limit);

// "1h0m", "168h0m", "30m", "45s": a window in the detail of a refusal.
std::string format_window(std::chrono::seconds window);

class RateLimiter {
 public:
  RateLimiter(sa::StorageReader& storage, const Clock& clock, RateLimitOptions options);

  // newOrder (RFC 8555 §7.4), before the order is stored, in this order: the
  // account's new orders, each identifier's failed validations, then (as
  // at finalize) the certificates per registered domain, unless a renewal,
  // and per name set. `replaces`: the order names a certificate it replaces
  // (RFC 9773 §5): a renewal, and exempt from the name-set limit.
  // `lifetime`: the validity of the order's profile (the name-set window's
  // cap).
  Status check_new_order(std::string_view account_id, const std::vector<wire::Identifier>& identifiers,
                         bool replaces, std::chrono::seconds lifetime);
  // newAuthz (§7.4.1): the identifier's failed validations.
  Status check_new_authz(std::string_view account_id, const wire::Identifier& identifier);
  // finalize (§7.4), before issuing: certificates per registered domain and
  // per name set. Returns whether the certificate is a renewal (its name set
  // was issued before, or `replaces`), which the certificate record keeps.
  Result<bool> check_issuance(const std::vector<wire::Identifier>& identifiers, bool replaces,
                              std::chrono::seconds lifetime);
  // Whether a certificate for these identifiers is a renewal: `replaces`, or
  // its name set was issued before (what check_issuance returns, unchecked).
  Result<bool> is_renewal(const std::vector<wire::Identifier>& identifiers, bool replaces);

  // Whether new orders / certificates are limited: only then does a check
  // need the exclusive lock until its event is written.
  bool orders_limited() const { return options_.new_orders_per_account.on(); }
  bool certificates_limited() const {
    return options_.certificates_per_domain.on() || options_.certificates_per_name_set.on();
  }

  // Requests refused, per limit (indexed by Limit), since start.
  std::array<std::uint64_t, kLimitCount> refused() const;

  // The registered domain of a dns identifier (public suffix list or last
  // two labels); an ip identifier is its own.
  wire::Identifier registered_domain(const wire::Identifier& identifier) const;

 private:
  // rateLimited when `counted` fills `limit`: detail "<what>: N in the last
  // <window> (limit M); retry after <time>", Retry-After until the max-th
  // newest event leaves the window.
  Status judge(Limit which, const RateLimit& limit, const sa::WindowCount& counted, const std::string& what,
               TimePoint now);
  Status check_failed_validations(std::string_view account_id, const wire::Identifier& identifier, TimePoint now);
  Status check_certificates(const std::vector<wire::Identifier>& identifiers, bool renewal, bool replaces,
                            std::chrono::seconds lifetime, TimePoint now);

  sa::StorageReader& storage_;
  const Clock& clock_;
  RateLimitOptions options_;
  std::array<std::atomic<std::uint64_t>, kLimitCount> refused_{};
};

}  // namespace acmekit::server::ra
