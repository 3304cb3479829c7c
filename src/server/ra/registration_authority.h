// Registration authority: every state change of the CA goes through here
// (Boulder's RA). It applies policy, asks the VA to validate and the CA to
// sign, and records results through the storage writer. It knows nothing of
// HTTP or JWS: the WFE has already authenticated the caller and hands over
// the verified account or key and the decoded payload fields.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/error.h"
#include "server/ca/authority.h"
#include "server/model.h"
#include "server/profiles.h"
#include "server/ra/policy.h"
#include "server/ra/rate_limits.h"
#include "server/sa/storage.h"
#include "server/va/validator.h"

namespace acmekit::server::ra {

// CA/B Forum Baseline Requirements §3.2.2.8: CAA is checked within 8 hours
// before issuance; an older validation has its CAA checked again at finalize.
inline constexpr std::chrono::seconds kCaaRecheckAfter{std::chrono::hours(8)};

struct RaOptions {
  PolicyOptions policy;
  std::chrono::seconds order_lifetime{std::chrono::hours(24 * 7)};
  std::chrono::seconds pending_authz_lifetime{std::chrono::hours(24 * 7)};
  std::chrono::seconds valid_authz_lifetime{std::chrono::hours(24 * 30)};
  // A valid authorization is reused for a new order of the same account when
  // it is still valid this long from now (0 disables reuse).
  std::chrono::seconds authz_reuse_margin{std::chrono::hours(24)};
  // draft-ietf-acme-profiles: the certificate profiles offered and the
  // default one; each profile's validity is a certificate's lifetime unless
  // the order asks for notBefore/notAfter (at most max_certificate_validity).
  ProfileSet profiles = ProfileSet::builtin();
  std::chrono::seconds max_certificate_validity{std::chrono::hours(24 * 398)};
  // Backdating of notBefore against clock skew (Boulder backdates 1 h).
  std::chrono::seconds backdate{std::chrono::minutes(5)};
  int validation_threads = 16;
  // §7.5.1: how long the answer to a challenge waits for the validation it
  // started, so that a fast validation's outcome is in that answer and the
  // client has nothing to poll for (step-ca answers only once it validated;
  // Boulder answers at once). 0: answer at once, the challenge "processing".
  // At most validation_waiters answers wait at the same time (each holds a
  // request thread); the others answer at once.
  std::chrono::milliseconds validation_wait{0};
  int validation_waiters = 4;
  RateLimitOptions rate_limits;
  // Several instances on one database: this one's name in validation and
  // finalization leases (random per process when empty), how long a
  // validation lease lasts (more than a validation takes: the VA's attempts
  // are 10 s each), and after how long another instance finishes a
  // finalization left "processing" (signing takes milliseconds).
  std::string instance_id;
  std::chrono::seconds validation_lease{std::chrono::seconds(30)};
  std::chrono::seconds finalize_lease{std::chrono::seconds(10)};
  // CAA is checked again at finalize for an authorization validated longer
  // ago than this (kCaaRecheckAfter; tests shorten it).
  std::chrono::seconds caa_recheck_after{kCaaRecheckAfter};
  // The account URL prefix ("https://HOST/acme/acct/") for the CAA
  // accounturi check of validations resumed after a restart, when the URLs
  // do not depend on the request (--external-url); empty: unknown, and an
  // accounturi parameter then does not match.
  std::string account_url_prefix;
};

// The exclusive locks (sa::Storage::exclusive) the RA takes, innermost.
inline constexpr std::string_view kOrdersLock = "orders";              // new-order limit, RFC 9773 replaces
inline constexpr std::string_view kCertificatesLock = "certificates";  // certificate limits

// The derived status of an order (§7.1.6): "ready" when every authorization
// is valid, "invalid" once one failed or expired.
struct OrderView {
  OrderRecord order;
  std::vector<AuthzRecord> authzs;
};

struct NewAccountResult {
  AccountRecord account;
  bool created = false;  // false: the key already had an account (§7.3.1, 200 instead of 201)
};

// Who signed a revocation request (§7.6): an account, or the certificate's key.
struct RevocationSigner {
  std::optional<AccountRecord> account;
  crypto::PublicKey jwk_key;  // set when signed with a jwk
};

class RegistrationAuthority {
 public:
  RegistrationAuthority(sa::Storage& storage, va::Validator& validator, const ca::Authority& authority,
                        const Clock& clock, RaOptions options);
  ~RegistrationAuthority();  // waits for validations in flight

  // §7.3: create, or find with only_return_existing. eab_account_kid is the
  // external account key id the WFE verified (empty if none).
  Result<NewAccountResult> new_account(const nlohmann::json& jwk, const std::vector<std::string>& contact,
                                       bool only_return_existing, const std::string& eab_kid);
  // §7.3.2: replace the contact list; §7.3.6 status "deactivated".
  Result<AccountRecord> update_account(AccountRecord account, const std::optional<std::vector<std::string>>& contact,
                                       std::optional<AcmeStatus> status);
  // §7.3.5: the new key, already verified by the WFE. conflict (409) if it
  // belongs to another account.
  Result<AccountRecord> change_key(AccountRecord account, const nlohmann::json& new_jwk);

  // §7.4. not_before/not_after as requested (nullopt: default validity).
  // Rate limits (rate_limits.h) are checked before the order is stored:
  // rateLimited (429) with Retry-After.
  // `replaces` (RFC 9773 §5, empty: none) names the certificate this order
  // renews: it must be this account's, share an identifier with the order
  // (else unauthorized / malformed) and have no other live replacement
  // order (else alreadyReplaced, 409). As Boulder does, the link is recorded
  // at creation and marks the certificate replaced when the order is
  // finalized; an order that became invalid or expired releases it.
  // `profile` (draft-ietf-acme-profiles §4; empty: the default profile): one
  // not offered is invalidProfile. The profile's identifier types and
  // max_names apply: a profile the client named that refuses the order is
  // invalidProfile (§4: "incompatible with the rest of the contents of the
  // request"), the default profile's refusal rejectedIdentifier; either
  // with one subproblem per refused identifier (RFC 8555 §6.7.1).
  Result<OrderView> new_order(const AccountRecord& account, const std::vector<wire::Identifier>& identifiers,
                              std::optional<TimePoint> not_before, std::optional<TimePoint> not_after,
                              const std::string& replaces = {}, const std::string& profile = {});
  // §7.4.1 pre-authorization (the failed-validations limit applies).
  Result<AuthzRecord> new_authz(const AccountRecord& account, const wire::Identifier& identifier);

  // Reads with the derived status; kAcme malformed 404 if missing; unauthorized
  // if `account_id` is not the owner (empty account_id: no owner check).
  Result<OrderView> get_order(std::string_view id, std::string_view account_id);
  Result<AuthzRecord> get_authz(std::string_view id, std::string_view account_id);
  Result<std::vector<std::string>> list_orders(const AccountRecord& account, std::string_view after,
                                               std::size_t limit);

  // §7.5.1: starts validating `type` of authorization authz_id in the
  // background and returns the authorization as it is once that validation
  // ended or validation_wait passed, whichever comes first.
  // account_url: the account's URL as the client sees it, for the CAA
  // accounturi check (RFC 8657 §3) once the challenge succeeded.
  Result<AuthzRecord> respond_challenge(const AccountRecord& account, std::string_view authz_id,
                                        ChallengeType type, const std::string& account_url = {});
  // §7.5.2
  Result<AuthzRecord> deactivate_authz(const AccountRecord& account, std::string_view authz_id);

  // §7.4: checks the CSR (DER) against the order, CAA again for dns
  // identifiers validated more than caa_recheck_after ago (account_url as in
  // respond_challenge), then the certificate rate limits (the order stays
  // ready when refused), and issues with the order's profile:
  // invalidProfile when the CA no longer offers it
  // (draft-ietf-acme-profiles §4).
  Result<OrderView> finalize(const AccountRecord& account, std::string_view order_id, std::string_view csr_der,
                             const std::string& account_url = {});

  Result<CertificateRecord> get_certificate(std::string_view id);
  // RFC 9773 §4.1: the certificate an ARI identifier names (its serial, and
  // an authority key identifier that matches). malformed 400 for an id that
  // does not parse, malformed 404 for a certificate this CA did not issue.
  Result<CertificateRecord> certificate_by_ari_id(std::string_view cert_id);
  // §7.6: certificate DER and reason; the signer is checked here.
  Status revoke(const RevocationSigner& signer, std::string_view certificate_der, int reason);

  // Validates again every challenge left "processing" by an instance that
  // stopped or died (§7.5.1: the client polls and must see it finish), so
  // none waits for its owner to poll first: those whose lease ran out, or,
  // with take_over_all (at the start of the one process of a SQLite CA),
  // every one. Each is claimed first, so of several instances sweeping at
  // once one validates it. Run at start and every few seconds. Returns how
  // many were resumed.
  Result<std::size_t> resume_interrupted_validations(bool take_over_all = false);
  // Finishes finalizations an instance claimed (order "processing", its CSR
  // stored) and did not record a certificate for within finalize_lease: it
  // stopped or died. Each is taken over in the database first, so one
  // instance issues it. Run every few seconds. Returns how many were issued.
  Result<std::size_t> resume_stalled_finalizations();

  // The profiles offered (the directory's meta.profiles).
  const ProfileSet& profiles() const { return options_.profiles; }

  // Validations started and not yet recorded (for metrics).
  std::size_t validations_in_flight() const;
  // Requests refused with rateLimited since start, per limit (rate_limits.h).
  std::array<std::uint64_t, kLimitCount> rate_limited_counts() const { return limiter_.refused(); }

 private:
  // badPublicKey when a certificate of this key was revoked for keyCompromise.
  Status check_not_blocked(const nlohmann::json& jwk);
  Status check_not_blocked(const crypto::PublicKey& key);
  Result<AuthzRecord> make_authz(const std::string& account_id, const wire::Identifier& identifier, TimePoint now);
  Result<OrderView> load_order_view(OrderRecord order);
  // RFC 9773 §5 checks of a newOrder "replaces" against the certificate.
  Status check_replaces(const AccountRecord& account, const std::vector<wire::Identifier>& ids,
                        const CertificateRecord& old);
  // Claims the validation lease of authz for this instance (sa::StorageWriter::
  // claim_validation); `now` may be pushed ahead to take over any lease.
  Result<bool> claim_validation(std::string_view authz_id, TimePoint now);
  // Ready once the outcome is recorded; the running one's when authz is
  // already being validated here.
  std::shared_future<void> start_validation(const AuthzRecord& authz, const ChallengeRecord& challenge,
                                            const std::string& thumbprint, const std::string& account_url);
  // Waits up to validation_wait for `done` when a waiter's place is free;
  // true when the validation ended in that time.
  bool wait_for_validation(const std::shared_future<void>& done);
  // The CAA request of a dns authorization validated by `method`.
  va::CaaRequest caa_request(const AuthzRecord& authz, ChallengeType method, const std::string& account_url) const;
  // The account URL when the client's is not at hand (account_url_prefix).
  std::string known_account_url(const std::string& account_id) const;
  // An order whose certificate could not be issued after it was claimed:
  // recorded invalid, and the cause returned.
  Result<OrderView> abandon_finalize(OrderRecord order, const Error& cause);
  // Signs the certificate of a claimed order and records it (the order
  // turns valid). When another instance recorded one first, the order as it
  // is now.
  Result<OrderView> issue_for_order(OrderView view, const crypto::PublicKey& key, bool renewal, TimePoint now);
  // The profile's identifier types and max_names (see new_order).
  Status check_profile_identifiers(const CertificateProfile& profile, bool named,
                                   const std::vector<wire::Identifier>& ids) const;
  void record_validation(const std::string& authz_id, ChallengeType type, const Status& result);
  std::mutex& lock_for(std::string_view id);
  // A challenge left "processing" by an instance that stopped or died is
  // validated again, once its lease ran out (now: when the lease is judged).
  // True when it claimed the validation and started it.
  bool recover_if_stuck(const AuthzRecord& authz, TimePoint now);

  sa::Storage& storage_;
  va::Validator& validator_;
  const ca::Authority& authority_;
  const Clock& clock_;
  RaOptions options_;
  RateLimiter limiter_;  // its lock is taken last (after a stripe), never before one
  std::array<std::mutex, 64> stripes_;  // serialises read-modify-write per resource id
  mutable std::mutex inflight_mu_;
  // authz ids being validated, each with what becomes ready once its outcome is recorded
  std::map<std::string, std::shared_future<void>, std::less<>> inflight_;
  std::atomic<int> waiting_{0};  // challenge answers waiting for their validation
  boost::asio::thread_pool validation_pool_;
};

}  // namespace acmekit::server::ra
