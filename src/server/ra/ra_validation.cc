// Challenge responses (RFC 8555 §7.5.1): validation runs on the RA's worker
// threads through the VA, then CAA for a dns identifier (RFC 8659, after the
// challenge succeeded, as Boulder does); only the RA records the result.
#include <future>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/jose/jws.h"
#include "server/problems.h"
#include "server/ra/registration_authority.h"

namespace acmekit::server::ra {

Result<AuthzRecord> RegistrationAuthority::respond_challenge(const AccountRecord& account, std::string_view authz_id,
                                                             ChallengeType type, const std::string& account_url) {
  std::optional<std::shared_future<void>> started;
  AuthzRecord authz;
  {
    std::lock_guard lock(lock_for(authz_id));
    ACMEKIT_TRY(authz, get_authz(authz_id, account.id));
    auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                           [&](const ChallengeRecord& c) { return c.type == type; });
    if (it == authz.challenges.end()) return not_found("this authorization has no " + wire::to_string(type) + " challenge");
    // §7.5.1: a response to a challenge that is not pending changes nothing;
    // the client gets the current state.
    if (authz.status != AcmeStatus::kPending || it->status != AcmeStatus::kPending) return authz;
    it->status = AcmeStatus::kProcessing;
    ACMEKIT_CHECK(storage_.update_authz(authz));
    // The lease makes this instance the one validating it; another instance
    // that got the same response at the same moment finds it taken.
    ACMEKIT_TRY(const bool mine, claim_validation(authz.id, clock_.now()));
    if (!mine) return authz;
    started = start_validation(authz, *it, account.key_thumbprint,
                               account_url.empty() ? known_account_url(account.id) : account_url);
  }
  // Outside the stripe: recording the outcome takes it.
  if (!wait_for_validation(*started)) return authz;
  // The outcome is recorded; what the client gets is the authorization now.
  auto now = get_authz(authz_id, account.id);
  if (!now) {
    spdlog::warn("authorization {}: validated, but cannot read it back: {}", authz_id, now.error().message());
    return authz;
  }
  return std::move(*now);
}

bool RegistrationAuthority::wait_for_validation(const std::shared_future<void>& done) {
  if (options_.validation_wait <= std::chrono::milliseconds::zero()) return false;
  struct Place {
    std::atomic<int>& waiting;
    ~Place() { waiting.fetch_sub(1); }
  } place{waiting_};
  if (waiting_.fetch_add(1) >= options_.validation_waiters) return false;
  return done.wait_for(options_.validation_wait) == std::future_status::ready;
}

Result<bool> RegistrationAuthority::claim_validation(std::string_view authz_id, TimePoint now) {
  return storage_.claim_validation(authz_id, options_.instance_id, now, clock_.now() + options_.validation_lease);
}

std::string RegistrationAuthority::known_account_url(const std::string& account_id) const {
  return options_.account_url_prefix.empty() ? std::string() : options_.account_url_prefix + account_id;
}

va::CaaRequest RegistrationAuthority::caa_request(const AuthzRecord& authz, ChallengeType method,
                                                  const std::string& account_url) const {
  return va::CaaRequest{.name = authz.identifier.value,
                        .wildcard = authz.wildcard,
                        .method = method,
                        .account_uri = account_url};
}

std::shared_future<void> RegistrationAuthority::start_validation(const AuthzRecord& authz,
                                                                 const ChallengeRecord& challenge,
                                                                 const std::string& thumbprint,
                                                                 const std::string& account_url) {
  auto recorded = std::make_shared<std::promise<void>>();
  std::shared_future<void> done = recorded->get_future().share();
  {
    std::lock_guard lock(inflight_mu_);
    auto [it, fresh] = inflight_.try_emplace(authz.id, done);
    if (!fresh) return it->second;  // already running
  }
  va::ValidationRequest request{.identifier = authz.identifier,
                                .challenge_type = challenge.type,
                                .token = challenge.token,
                                // §8.1: token "." base64url(JWK thumbprint of the account key)
                                .key_authorization = challenge.token + "." + thumbprint};
  std::optional<va::CaaRequest> caa;
  // RFC 8659 §3: CAA applies to domain names (not IP identifiers).
  if (authz.identifier.type == "dns") caa = caa_request(authz, challenge.type, account_url);
  boost::asio::post(validation_pool_,
                    [this, id = authz.id, request = std::move(request), caa = std::move(caa), recorded] {
                      Status result = validator_.validate(request);
                      if (result && caa) result = validator_.check_caa(*caa);
                      record_validation(id, request.challenge_type, result);
                      {
                        std::lock_guard lock(inflight_mu_);
                        inflight_.erase(id);
                      }
                      recorded->set_value();
                    });
  return done;
}

void RegistrationAuthority::record_validation(const std::string& authz_id, ChallengeType type,
                                              const Status& result) {
  std::lock_guard lock(lock_for(authz_id));
  auto loaded = storage_.get_authz(authz_id);
  if (!loaded || !*loaded) {
    spdlog::error("validation of authorization {}: cannot reload it: {}", authz_id,
                  loaded ? "gone" : loaded.error().message());
    return;
  }
  AuthzRecord authz = **loaded;
  auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                         [&](const ChallengeRecord& c) { return c.type == type; });
  if (it == authz.challenges.end() || it->status != AcmeStatus::kProcessing) return;
  const TimePoint now = clock_.now();
  if (result) {
    it->status = AcmeStatus::kValid;
    it->validated = now;
    authz.status = AcmeStatus::kValid;
    authz.expires = now + options_.valid_authz_lifetime;
  } else {
    // §7.1.5: the challenge carries the problem; §7.1.6 the authorization turns invalid.
    Error e = result.error();
    if (e.kind != ErrorKind::kAcme) {
      e = acme_problem("connection", e.message());
    }
    it->status = AcmeStatus::kInvalid;
    it->error_json = jose::compact_json(wire::problem_document(e));
    authz.status = AcmeStatus::kInvalid;
    authz.failed = now;  // the failed-validations rate limit counts it
  }
  spdlog::info("validation {} {} {}:{}: {}", authz_id, type, authz.identifier.type, authz.identifier.value,
               result ? "valid" : "invalid: " + result.error().message());
  if (auto w = storage_.update_authz(authz); !w) {
    spdlog::error("validation of authorization {}: cannot record the result: {}", authz_id, w.error().message());
  }
}

Result<std::size_t> RegistrationAuthority::resume_interrupted_validations(bool take_over_all) {
  // Taking over every lease: as if they had all run out.
  const TimePoint now = take_over_all ? TimePoint::max() - std::chrono::hours(24 * 365) : clock_.now();
  ACMEKIT_TRY(auto ids, storage_.list_validating_authz_ids(now));
  std::size_t resumed = 0;
  for (const auto& id : ids) {
    std::lock_guard lock(lock_for(id));
    ACMEKIT_TRY(auto authz, storage_.get_authz(id));
    // Expired meanwhile: the owner sees it invalid (§7.1.6), nothing to do.
    if (!authz || authz->status != AcmeStatus::kPending || authz->expires <= clock_.now()) continue;
    if (recover_if_stuck(*authz, now)) ++resumed;
  }
  return resumed;
}

bool RegistrationAuthority::recover_if_stuck(const AuthzRecord& authz, TimePoint now) {
  if (authz.status != AcmeStatus::kPending) return false;
  for (const auto& ch : authz.challenges) {
    if (ch.status != AcmeStatus::kProcessing) continue;
    {
      std::lock_guard lock(inflight_mu_);
      if (inflight_.contains(authz.id)) return false;
    }
    // Only the instance whose claim succeeds validates: the owner's lease
    // has run out (it stopped or died), or nobody held one.
    auto mine = claim_validation(authz.id, now);
    if (!mine || !*mine) return false;
    auto account = storage_.get_account(authz.account_id);
    if (!account || !*account) return false;
    spdlog::info("authorization {}: taking over the {} validation its instance did not finish", authz.id,
                 wire::to_string(ch.type));
    start_validation(authz, ch, (*account)->key_thumbprint, known_account_url(authz.account_id));
    return true;
  }
  return false;
}

}  // namespace acmekit::server::ra
