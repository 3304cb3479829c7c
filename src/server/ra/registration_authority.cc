#include "server/ra/registration_authority.h"

#include <unistd.h>

#include <array>
#include <functional>

#include <fmt/format.h>

#include "core/base64url.h"
#include "core/crypto/digest.h"
#include "core/jose/jwk.h"
#include "core/jose/jws.h"
#include "server/problems.h"
#include "server/ra/ids.h"

namespace acmekit::server::ra {

RegistrationAuthority::RegistrationAuthority(sa::Storage& storage, va::Validator& validator,
                                             const ca::Authority& authority, const Clock& clock, RaOptions options)
    : storage_(storage),
      validator_(validator),
      authority_(authority),
      clock_(clock),
      options_(std::move(options)),
      limiter_(storage_, clock_, options_.rate_limits),
      validation_pool_(static_cast<std::size_t>(std::max(1, options_.validation_threads))) {
  if (options_.instance_id.empty()) {
    // host:pid:random, readable in the database's lease_owner column.
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
    options_.instance_id = fmt::format("{}:{}:{}", host.data(), ::getpid(), base64url_encode(crypto::random_bytes(6)));
  }
}

RegistrationAuthority::~RegistrationAuthority() { validation_pool_.join(); }

std::mutex& RegistrationAuthority::lock_for(std::string_view id) {
  return stripes_[std::hash<std::string_view>{}(id) % stripes_.size()];
}

// ---------------------------------------------------------------- keys

Status RegistrationAuthority::check_not_blocked(const nlohmann::json& jwk) {
  auto key = crypto::PublicKey::from_jwk(jwk);
  if (!key) return problem("badPublicKey", "unusable JWK: " + key.error().detail);
  return check_not_blocked(*key);
}

Status RegistrationAuthority::check_not_blocked(const crypto::PublicKey& key) {
  ACMEKIT_TRY(const bool blocked, storage_.is_key_blocked(key_block_id(key)));
  if (blocked) return problem("badPublicKey", "this key is blocked: a certificate of it was revoked for keyCompromise");
  return {};
}

// ---------------------------------------------------------------- accounts

Result<NewAccountResult> RegistrationAuthority::new_account(const nlohmann::json& jwk,
                                                            const std::vector<std::string>& contact,
                                                            bool only_return_existing, const std::string& eab_kid) {
  const std::string thumbprint = jose::thumbprint(jwk);
  ACMEKIT_TRY(auto existing, storage_.get_account_by_thumbprint(thumbprint));
  if (existing) {
    // §7.3.1: the key already has an account: return it (200).
    if (existing->status != AcmeStatus::kValid) return unauthorized("the account of this key is " + wire::to_string(existing->status));
    return NewAccountResult{*existing, false};
  }
  if (only_return_existing) return problem("accountDoesNotExist", "no account exists with this key");
  ACMEKIT_CHECK(check_contacts(contact));
  ACMEKIT_CHECK(check_not_blocked(jwk));

  AccountRecord account{.id = new_id(),
                        .jwk_json = jose::compact_json(jwk),
                        .key_thumbprint = thumbprint,
                        .contact = contact,
                        .status = AcmeStatus::kValid,
                        .eab_kid = eab_kid,
                        .created = clock_.now()};
  // §7.3.4: the external account key is bound in the same transaction, so
  // a crash or a race cannot burn it on an account that was never made.
  auto added = storage_.add_account(account);
  if (!added) {
    if (added.error().kind == ErrorKind::kFailedPrecondition) {
      return unauthorized("the external account key " + eab_kid + " is already bound to an account");
    }
    if (added.error().kind == ErrorKind::kNotFound) return unauthorized("unknown external account key id");
    if (added.error().kind != ErrorKind::kAlreadyExists) return std::unexpected(added.error());
    // Another request created the account for this key in the meantime.
    ACMEKIT_TRY(auto raced, storage_.get_account_by_thumbprint(thumbprint));
    if (!raced) return std::unexpected(added.error());
    return NewAccountResult{*raced, false};
  }
  return NewAccountResult{account, true};
}

Result<AccountRecord> RegistrationAuthority::update_account(AccountRecord account,
                                                            const std::optional<std::vector<std::string>>& contact,
                                                            std::optional<AcmeStatus> status) {
  std::lock_guard lock(lock_for(account.id));
  if (contact) {
    ACMEKIT_CHECK(check_contacts(*contact));
    account.contact = *contact;
  }
  if (status && *status != account.status) {
    // §7.3.6: the only status change a client may ask for.
    if (*status != AcmeStatus::kDeactivated) {
      return malformed("an account can only be changed to status \"deactivated\"");
    }
    account.status = AcmeStatus::kDeactivated;
  }
  ACMEKIT_CHECK(storage_.update_account(account));
  return account;
}

Result<AccountRecord> RegistrationAuthority::change_key(AccountRecord account, const nlohmann::json& new_jwk) {
  std::lock_guard lock(lock_for(account.id));
  ACMEKIT_CHECK(check_not_blocked(new_jwk));
  const std::string thumbprint = jose::thumbprint(new_jwk);
  ACMEKIT_TRY(auto holder, storage_.get_account_by_thumbprint(thumbprint));
  if (holder) {
    // §7.3.5: 409 Conflict when the new key is already an account's key.
    return conflict("the new key is already in use by an account");
  }
  account.jwk_json = jose::compact_json(new_jwk);
  account.key_thumbprint = thumbprint;
  auto updated = storage_.update_account(account);
  if (!updated) {
    if (updated.error().kind == ErrorKind::kAlreadyExists) {
      return conflict("the new key is already in use by an account");
    }
    return std::unexpected(updated.error());
  }
  return account;
}

// ---------------------------------------------------------------- reads

Result<CertificateRecord> RegistrationAuthority::get_certificate(std::string_view id) {
  ACMEKIT_TRY(auto cert, storage_.get_certificate(id));
  if (!cert) return not_found("no such certificate");
  return *cert;
}

Result<std::vector<std::string>> RegistrationAuthority::list_orders(const AccountRecord& account,
                                                                    std::string_view after, std::size_t limit) {
  return storage_.list_order_ids(account.id, after, limit);
}

std::size_t RegistrationAuthority::validations_in_flight() const {
  std::lock_guard lock(inflight_mu_);
  return inflight_.size();
}

}  // namespace acmekit::server::ra
