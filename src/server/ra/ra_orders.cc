// Orders and authorizations: creation (RFC 8555 §7.4, §7.4.1), reads with
// the derived status (§7.1.6), finalize (§7.4).
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/crypto/certificate.h"
#include "core/crypto/csr.h"
#include "core/wire/json.h"
#include "core/wire/renewal_info.h"
#include "core/jose/jwk.h"
#include "core/jose/jws.h"
#include "core/quote.h"
#include "core/wire/problem.h"
#include "server/problems.h"
#include "server/ra/ids.h"
#include "server/ra/registration_authority.h"

namespace acmekit::server::ra {
namespace {

// §7.1.6: pending and valid authorizations past their expiry are "expired".
void apply_expiry(AuthzRecord& authz, TimePoint now) {
  if ((authz.status == AcmeStatus::kPending || authz.status == AcmeStatus::kValid) && now >= authz.expires) {
    authz.status = AcmeStatus::kExpired;
  }
}

// §8: which challenges an identifier gets. Wildcards only dns-01 (§7.1.3);
// IP addresses http-01 and tls-alpn-01 (RFC 8738 §7: no dns-01).
std::vector<ChallengeRecord> challenges_for(const wire::Identifier& id, bool wildcard) {
  std::vector<ChallengeType> types;
  if (wildcard) {
    types = {ChallengeType::kDns01};
  } else if (id.type == "ip") {
    types = {ChallengeType::kHttp01, ChallengeType::kTlsAlpn01};
  } else {
    types = {ChallengeType::kHttp01, ChallengeType::kDns01, ChallengeType::kTlsAlpn01};
  }
  std::vector<ChallengeRecord> out;
  for (const auto t : types) out.push_back(ChallengeRecord{.type = t, .token = new_token()});
  return out;
}

std::string identifier_text(const wire::Identifier& id) { return id.type + ":" + id.value; }

}  // namespace

Result<AuthzRecord> RegistrationAuthority::make_authz(const std::string& account_id, const wire::Identifier& identifier,
                                                      TimePoint now) {
  bool wildcard = identifier.type == "dns" && identifier.value.starts_with("*.");
  wire::Identifier base = identifier;
  if (wildcard) base.value = identifier.value.substr(2);  // §7.1.4: the authorization names the base domain
  return AuthzRecord{.id = new_id(),
                     .account_id = account_id,
                     .identifier = base,
                     .wildcard = wildcard,
                     .status = AcmeStatus::kPending,
                     .expires = now + options_.pending_authz_lifetime,
                     .challenges = challenges_for(base, wildcard)};
}

Result<CertificateRecord> RegistrationAuthority::certificate_by_ari_id(std::string_view cert_id) {
  // RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER content).
  auto id = wire::parse_ari_certificate_id(cert_id);
  if (!id) return malformed(id.error().detail);
  std::string_view serial = id->serial_der;
  while (serial.size() > 1 && serial.front() == '\0') serial.remove_prefix(1);  // our ids have no leading zeros
  std::string hex;
  for (unsigned char c : serial) hex += fmt::format("{:02x}", c);
  ACMEKIT_TRY(auto cert, storage_.get_certificate(hex));
  if (!cert) return not_found("this CA issued no certificate with serial " + hex);
  auto parsed = crypto::parse_pem_chain(cert->leaf_pem);
  if (!parsed || parsed->empty() || (*parsed)[0].authority_key_id != id->authority_key_id) {
    return not_found("this CA issued no certificate " + std::string(cert_id) + " (authority key identifier differs)");
  }
  return *cert;
}

Status RegistrationAuthority::check_replaces(const AccountRecord& account, const std::vector<wire::Identifier>& ids,
                                             const CertificateRecord& old) {
  // RFC 9773 §5: the same account ...
  if (old.account_id != account.id) {
    return unauthorized("the certificate named in \"replaces\" was not issued to this account");
  }
  // ... at least one identifier in common ...
  const bool shared = std::ranges::any_of(ids, [&](const wire::Identifier& id) {
    return std::ranges::find(old.identifiers, id) != old.identifiers.end();
  });
  if (!shared) return malformed("the order shares no identifier with the certificate named in \"replaces\"");
  // ... and not already replaced by another order that is not "invalid"
  // (Boulder: pending, ready, processing or valid, and not expired).
  if (!old.replaced_by_order.empty()) {
    return already_replaced("certificate " + old.id + " was already replaced by order " + old.replaced_by_order);
  }
  ACMEKIT_TRY(auto orders, storage_.list_replacing_order_ids(old.id));
  for (const auto& order_id : orders) {
    ACMEKIT_TRY(auto order, storage_.get_order(order_id));
    if (!order) continue;
    ACMEKIT_TRY(auto view, load_order_view(std::move(*order)));
    if (view.order.status != AcmeStatus::kInvalid) {
      return already_replaced("certificate " + old.id + " already has a replacement order (" + order_id + ", " +
                              wire::to_string(view.order.status) + ")");
    }
  }
  return {};
}

Status RegistrationAuthority::check_profile_identifiers(const CertificateProfile& profile, bool named,
                                                        const std::vector<wire::Identifier>& ids) const {
  // draft-ietf-acme-profiles §4: a profile the client named that cannot
  // take the request is invalidProfile; the default profile, which the
  // client did not choose, refuses identifiers (RFC 8555 §6.7).
  const std::string_view type = named ? "invalidProfile" : "rejectedIdentifier";
  if (ids.size() > profile.max_names) {
    return problem(type, fmt::format("profile {} allows at most {} identifiers per order; this one has {}",
                                     profile.name, profile.max_names, ids.size()));
  }
  std::vector<SubProblem> refused;
  for (const auto& id : ids) {
    if (profile.allows(id)) continue;
    std::vector<std::string> others;
    for (const auto& p : options_.profiles.profiles) {
      if (p.allows(id)) others.push_back(p.name);
    }
    refused.push_back(SubProblem{
        .type = std::string(wire::kErrorPrefix) + "rejectedIdentifier",
        .detail = fmt::format("profile {} does not allow {} identifiers{}", profile.name, id.type,
                              others.empty() ? std::string()
                                             : fmt::format(" (profiles that do: {})", fmt::join(others, ", "))),
        .identifier_type = id.type,
        .identifier_value = id.value});
  }
  if (refused.empty()) return {};
  Error e = acme_problem(type, refused.size() == 1
                                   ? refused.front().detail + ": " + refused.front().identifier_value
                                   : fmt::format("profile {} does not allow {} identifiers of this order",
                                                 profile.name, refused.size()));
  e.subproblems = std::move(refused);
  return std::unexpected(std::move(e));
}

Result<OrderView> RegistrationAuthority::new_order(const AccountRecord& account,
                                                   const std::vector<wire::Identifier>& identifiers,
                                                   std::optional<TimePoint> not_before,
                                                   std::optional<TimePoint> not_after, const std::string& replaces,
                                                   const std::string& profile_name) {
  // draft-ietf-acme-profiles §4: a profile the CA does not advertise is
  // invalidProfile; none named is the default profile, recorded with the
  // order and reflected in it.
  const CertificateProfile* profile = options_.profiles.for_order(profile_name);
  if (!profile) {
    return problem("invalidProfile", fmt::format("this CA offers no profile {} (offered: {})",
                                                 debug_quoted(profile_name), options_.profiles.names()));
  }
  ACMEKIT_TRY(auto ids, check_order_identifiers(identifiers, options_.policy));
  ACMEKIT_CHECK(check_profile_identifiers(*profile, !profile_name.empty(), ids));
  const TimePoint now = clock_.now();
  // §7.4: notBefore/notAfter are requests; refuse what we would not issue.
  if (not_before && not_after && *not_after <= *not_before) return malformed("notAfter must be after notBefore");
  if (not_after && *not_after <= now) return malformed("notAfter is in the past");
  {
    TimePoint nb = not_before.value_or(now);
    TimePoint na = not_after.value_or(nb + profile->validity);
    if (na - nb > options_.max_certificate_validity) {
      return malformed(fmt::format("the requested validity is longer than this CA's maximum of {} days",
                                   options_.max_certificate_validity.count() / 86400));
    }
  }

  OrderRecord order{.id = new_id(),
                    .account_id = account.id,
                    .status = AcmeStatus::kPending,
                    .created = now,
                    .expires = now + options_.order_lifetime,
                    .identifiers = ids,
                    .not_before = not_before,
                    .not_after = not_after,
                    .profile = profile->name};
  // RFC 9773 §5. The certificate's stripe and the "orders" lock (across
  // instances) are held until the order is stored, so two orders cannot
  // both become its replacement.
  std::unique_lock<std::mutex> replaces_lock;
  std::unique_ptr<sa::ExclusiveLock> orders_lock;
  if (!replaces.empty()) {
    ACMEKIT_TRY(auto old, certificate_by_ari_id(replaces));
    replaces_lock = std::unique_lock(lock_for(old.id));
    ACMEKIT_TRY(orders_lock, storage_.exclusive(kOrdersLock));
    ACMEKIT_TRY(old, certificate_by_ari_id(replaces));  // as it is now, under the lock
    ACMEKIT_CHECK(check_replaces(account, ids, old));
    order.replaces = replaces;
    order.replaces_certificate_id = old.id;
  }
  // Rate limits. The new-orders count and the order it counts are one step
  // under the "orders" lock (taken last, after the stripe above), exclusive
  // across every instance on the database.
  if (!orders_lock && limiter_.orders_limited()) {
    ACMEKIT_TRY(orders_lock, storage_.exclusive(kOrdersLock));
  }
  ACMEKIT_CHECK(limiter_.check_new_order(account.id, ids, !order.replaces.empty(), profile->validity));
  std::vector<AuthzRecord> authzs, fresh;
  for (const auto& id : ids) {
    ACMEKIT_TRY(auto authz, make_authz(account.id, id, now));
    if (options_.authz_reuse_margin.count() > 0) {
      // Reuse a valid authorization of this account (Boulder's authz reuse).
      ACMEKIT_TRY(auto reused, storage_.find_valid_authz(account.id, authz.identifier, authz.wildcard,
                                                         now + options_.authz_reuse_margin));
      if (reused) {
        authzs.push_back(*reused);
        continue;
      }
    }
    fresh.push_back(authz);
    authzs.push_back(std::move(authz));
  }
  for (const auto& a : authzs) {
    order.authz_ids.push_back(a.id);
    order.expires = std::min(order.expires, a.expires);  // §7.1.3: an order outlives none of its authorizations
  }
  ACMEKIT_CHECK(storage_.add_order(order, fresh));
  if (!order.replaces.empty()) {
    spdlog::info("order {} replaces certificate {} (RFC 9773)", order.id, order.replaces_certificate_id);
  }
  return load_order_view(std::move(order));
}

Result<AuthzRecord> RegistrationAuthority::new_authz(const AccountRecord& account, const wire::Identifier& identifier) {
  ACMEKIT_TRY(auto id, check_identifier(identifier, options_.policy));
  if (id.type == "dns" && id.value.starts_with("*.")) {
    // §7.4.1: pre-authorization cannot cover a wildcard.
    return problem("rejectedIdentifier", "pre-authorization is not possible for wildcard names (RFC 8555 §7.4.1)");
  }
  ACMEKIT_CHECK(limiter_.check_new_authz(account.id, id));
  ACMEKIT_TRY(auto authz, make_authz(account.id, id, clock_.now()));
  ACMEKIT_CHECK(storage_.add_authz(authz));
  return authz;
}

Result<OrderView> RegistrationAuthority::load_order_view(OrderRecord order) {
  const TimePoint now = clock_.now();
  OrderView view;
  bool all_valid = true, failed = false;
  for (const auto& id : order.authz_ids) {
    ACMEKIT_TRY(auto authz, storage_.get_authz(id));
    if (!authz) return std::unexpected(Error{.kind = ErrorKind::kInternal, .detail = "order " + order.id + " lost authorization " + id});
    apply_expiry(*authz, now);
    if (authz->status != AcmeStatus::kValid) all_valid = false;
    if (authz->status == AcmeStatus::kInvalid || authz->status == AcmeStatus::kDeactivated ||
        authz->status == AcmeStatus::kExpired || authz->status == AcmeStatus::kRevoked) {
      if (!failed && order.error_json.empty()) {
        for (const auto& ch : authz->challenges) {
          if (!ch.error_json.empty()) order.error_json = ch.error_json;
        }
      }
      failed = true;
    }
    view.authzs.push_back(std::move(*authz));
  }
  // §7.1.6: derived states; stored "processing"/"valid"/"invalid" win.
  if (order.status == AcmeStatus::kPending) {
    if (now >= order.expires || failed) {
      order.status = AcmeStatus::kInvalid;
    } else if (all_valid) {
      order.status = AcmeStatus::kReady;
    }
  }
  view.order = std::move(order);
  return view;
}

Result<OrderView> RegistrationAuthority::get_order(std::string_view id, std::string_view account_id) {
  ACMEKIT_TRY(auto order, storage_.get_order(id));
  if (!order) return not_found("no such order");
  if (!account_id.empty() && order->account_id != account_id) return unauthorized("this order belongs to another account");
  return load_order_view(std::move(*order));
}

Result<AuthzRecord> RegistrationAuthority::get_authz(std::string_view id, std::string_view account_id) {
  ACMEKIT_TRY(auto authz, storage_.get_authz(id));
  if (!authz) return not_found("no such authorization");
  if (!account_id.empty() && authz->account_id != account_id) {
    return unauthorized("this authorization belongs to another account");
  }
  recover_if_stuck(*authz, clock_.now());
  apply_expiry(*authz, clock_.now());
  return *authz;
}

Result<AuthzRecord> RegistrationAuthority::deactivate_authz(const AccountRecord& account, std::string_view authz_id) {
  std::lock_guard lock(lock_for(authz_id));
  ACMEKIT_TRY(auto authz, get_authz(authz_id, account.id));
  // §7.5.2: only pending or valid authorizations can be deactivated.
  if (authz.status != AcmeStatus::kPending && authz.status != AcmeStatus::kValid) {
    return malformed("an authorization that is " + wire::to_string(authz.status) + " cannot be deactivated");
  }
  authz.status = AcmeStatus::kDeactivated;
  ACMEKIT_CHECK(storage_.update_authz(authz));
  return authz;
}

Result<OrderView> RegistrationAuthority::finalize(const AccountRecord& account, std::string_view order_id,
                                                  std::string_view csr_der, const std::string& account_url) {
  std::lock_guard lock(lock_for(order_id));
  ACMEKIT_TRY(auto view, get_order(order_id, account.id));
  if (view.order.status != AcmeStatus::kReady) {
    // §7.4: finalizing an order that is not ready is orderNotReady (403).
    return problem("orderNotReady", "the order is " + wire::to_string(view.order.status) + ", not ready");
  }
  // draft-ietf-acme-profiles §4: a profile the CA stopped offering since
  // the order was made is invalidProfile.
  const CertificateProfile* profile = options_.profiles.for_order(view.order.profile);
  if (!profile) {
    return problem("invalidProfile", fmt::format("this CA no longer issues profile {} (offered: {})",
                                                 debug_quoted(view.order.profile), options_.profiles.names()));
  }
  auto csr = crypto::parse_csr(csr_der);
  if (!csr) return problem("badCSR", "the CSR is not valid: " + csr.error().detail);

  // §7.4: the CSR must name exactly the order's identifiers. Its names are
  // its subjectAltNames and its subject commonName, as Boulder counts them:
  // a CSR may carry a name only in the CN (acme-tiny makes such CSRs).
  std::set<std::string> wanted, got;
  for (const auto& id : view.order.identifiers) wanted.insert(identifier_text(id));
  for (const auto& n : csr->dns_names) got.insert("dns:" + n);
  for (const auto& ip : csr->ip_addresses) got.insert("ip:" + ip);
  if (!csr->common_name.empty()) {
    std::string cn = csr->common_name;
    std::transform(cn.begin(), cn.end(), cn.begin(), [](unsigned char c) { return std::tolower(c); });
    got.insert(identifier_text(wire::identifier_for(cn)));
  }
  if (got != wanted) {
    std::vector<std::string> extra, missing;
    std::set_difference(got.begin(), got.end(), wanted.begin(), wanted.end(), std::back_inserter(extra));
    std::set_difference(wanted.begin(), wanted.end(), got.begin(), got.end(), std::back_inserter(missing));
    return problem("badCSR", fmt::format("the CSR does not match the order's identifiers (not in the order: [{}]; "
                                         "missing from the CSR: [{}])",
                                         fmt::join(extra, ", "), fmt::join(missing, ", ")));
  }
  // The key policy of account keys, no account's key (Boulder refuses any
  // account key, not only the requester's), no blocked key.
  if (auto k = check_key(csr->public_key, options_.policy); !k) return problem("badCSR", k.error().detail);
  ACMEKIT_TRY(auto key_holder, storage_.get_account_by_thumbprint(jose::key_thumbprint(csr->public_key)));
  if (key_holder) return problem("badCSR", "the certificate key must not be an account key");
  if (auto blocked = check_not_blocked(csr->public_key); !blocked) return problem("badCSR", blocked.error().detail);

  // CA/B Baseline Requirements §3.2.2.8: CAA checked within kCaaRecheckAfter
  // of issuance; an authorization validated before that (a reused one) has
  // its CAA checked again now. A refusal leaves the order ready.
  for (const auto& authz : view.authzs) {
    if (authz.identifier.type != "dns") continue;
    for (const auto& ch : authz.challenges) {
      if (ch.status != AcmeStatus::kValid) continue;
      if (ch.validated && clock_.now() - *ch.validated <= options_.caa_recheck_after) continue;
      const std::string url = account_url.empty() ? known_account_url(account.id) : account_url;
      if (auto caa = validator_.check_caa(caa_request(authz, ch.type, url)); !caa) return std::unexpected(caa.error());
    }
  }

  // Rate limits on certificates: counted, issued and recorded under the
  // "certificates" lock (after the order's stripe), exclusive across every
  // instance on the database, so concurrent finalizations cannot all pass
  // one count.
  std::unique_ptr<sa::ExclusiveLock> limits_lock;
  if (limiter_.certificates_limited()) {
    ACMEKIT_TRY(limits_lock, storage_.exclusive(kCertificatesLock));
  }
  ACMEKIT_TRY(const bool renewal,
              limiter_.check_issuance(view.order.identifiers, !view.order.replaces.empty(), profile->validity));

  const TimePoint now = clock_.now();
  // §7.4: the order turns "processing". Of two finalize requests for it, on
  // any instance, the database lets one through.
  // The claim keeps the CSR, so if this instance dies before the
  // certificate is recorded another one finishes the issuance
  // (resume_stalled_finalizations) and the client's polling ends.
  ACMEKIT_TRY(const bool claimed, storage_.begin_finalize(view.order.id, options_.instance_id, csr_der, now));
  if (!claimed) return problem("orderNotReady", "the order is being finalized by another request");
  view.order.status = AcmeStatus::kProcessing;
  view.order.finalize_started = now;
  return issue_for_order(std::move(view), csr->public_key, renewal, now);
}

Result<OrderView> RegistrationAuthority::issue_for_order(OrderView view, const crypto::PublicKey& key, bool renewal,
                                                         TimePoint now) {
  // The order's profile (draft-ietf-acme-profiles): its lifetime, keyUsage
  // and extendedKeyUsage.
  const CertificateProfile* profile = options_.profiles.for_order(view.order.profile);
  if (!profile) {
    return abandon_finalize(std::move(view.order), acme_problem("invalidProfile", "this CA no longer issues profile " +
                                                                                      view.order.profile));
  }
  // The backdate never eats the lifetime: a 1-minute certificate is not
  // issued already expired (a tenth of the lifetime at most).
  const auto backdate = std::min<std::chrono::seconds>(options_.backdate, profile->validity / 10);
  TimePoint nb = view.order.not_before.value_or(now - backdate);
  TimePoint na = view.order.not_after.value_or(nb + profile->validity);
  auto issued = authority_.issue(key, view.order.identifiers, nb, na, *profile);
  if (!issued) return abandon_finalize(std::move(view.order), issued.error());
  // The record is keyed by the serial as the certificate parser writes it,
  // which is how revocation and renewalInfo look it up.
  CertificateRecord cert{.id = issued->serial_hex,
                         .account_id = view.order.account_id,
                         .order_id = view.order.id,
                         .leaf_pem = issued->leaf_pem,
                         .not_before = issued->not_before,
                         .not_after = issued->not_after,
                         .identifiers = view.order.identifiers,
                         .issued = now,
                         .renewal = renewal};
  // Also marks the order valid, in one transaction; the first certificate
  // recorded for the order wins.
  if (auto added = storage_.add_certificate(cert); !added) {
    if (added.error().kind != ErrorKind::kFailedPrecondition) return std::unexpected(added.error());
    // This instance was slow and another took the finalization over and
    // recorded its certificate: that one is the order's; this one was never
    // handed out.
    spdlog::warn("order {}: certificate {} not recorded: another instance finished the order first", view.order.id,
                 cert.id);
    return get_order(view.order.id, "");
  }
  view.order.status = AcmeStatus::kValid;
  view.order.certificate_id = cert.id;
  return view;
}

Result<std::size_t> RegistrationAuthority::resume_stalled_finalizations() {
  const TimePoint now = clock_.now();
  ACMEKIT_TRY(auto ids, storage_.list_stalled_finalizations(now - options_.finalize_lease));
  std::size_t resumed = 0;
  for (const auto& id : ids) {
    std::lock_guard lock(lock_for(id));
    ACMEKIT_TRY(auto order, storage_.get_order(id));
    if (!order || order->status != AcmeStatus::kProcessing || !order->certificate_id.empty() ||
        !order->finalize_started) {
      continue;
    }
    // Of several instances sweeping at once, one takes it.
    ACMEKIT_TRY(const bool mine, storage_.take_over_finalize(id, options_.instance_id, *order->finalize_started, now));
    if (!mine) continue;
    spdlog::info("order {}: finishing the finalization instance {} did not", id, order->finalize_owner);
    auto csr = crypto::parse_csr(order->finalize_csr);
    // The CSR passed every check when the order was claimed; the rate limits
    // were counted then too. Only the renewal mark is computed again.
    ACMEKIT_TRY(const bool renewal, limiter_.is_renewal(order->identifiers, !order->replaces.empty()));
    ACMEKIT_TRY(auto view, load_order_view(std::move(*order)));
    if (!csr) {
      (void)abandon_finalize(std::move(view.order), csr.error());
      continue;
    }
    if (auto done = issue_for_order(std::move(view), csr->public_key, renewal, now); !done) {
      spdlog::error("order {}: finishing the finalization failed: {}", id, done.error().message());
      continue;
    }
    ++resumed;
  }
  return resumed;
}

Result<OrderView> RegistrationAuthority::abandon_finalize(OrderRecord order, const Error& cause) {
  spdlog::error("finalize of order {} failed: {}", order.id, cause.message());
  // §7.4: a finalization that fails leaves the order invalid with the problem.
  order.status = AcmeStatus::kInvalid;
  order.error_json = jose::compact_json(
      wire::problem_document(acme_problem("serverInternal", "the certificate could not be issued")));
  if (auto saved = storage_.update_order(order); !saved) {
    spdlog::error("order {}: cannot record the failed finalization: {}", order.id, saved.error().message());
  }
  return std::unexpected(cause);
}

}  // namespace acmekit::server::ra
