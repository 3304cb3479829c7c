// Certificate revocation (RFC 8555 §7.6).
#include <fmt/format.h>

#include "core/crypto/certificate.h"
#include "server/problems.h"
#include "server/ra/registration_authority.h"

namespace acmekit::server::ra {
namespace {

// RFC 5280 §5.3.1 reasons we accept, as Let's Encrypt does: unspecified,
// keyCompromise, affiliationChanged, superseded, cessationOfOperation.
bool accepted_reason(int reason) { return reason == 0 || reason == 1 || reason == 3 || reason == 4 || reason == 5; }

}  // namespace

Status RegistrationAuthority::revoke(const RevocationSigner& signer, std::string_view certificate_der, int reason) {
  auto parsed = crypto::parse_certificate_der(certificate_der);
  if (!parsed) return malformed("the certificate to revoke cannot be parsed: " + parsed.error().detail);
  if (!accepted_reason(reason)) {
    return problem("badRevocationReason",
                   fmt::format("revocation reason {} is not accepted (0, 1, 3, 4 or 5)", reason));
  }
  std::lock_guard lock(lock_for(parsed->serial_hex));
  ACMEKIT_TRY(auto record, storage_.get_certificate(parsed->serial_hex));
  if (!record) return not_found("this CA did not issue that certificate");
  auto ours = crypto::parse_pem_chain(record->leaf_pem);
  if (!ours || ours->empty() || (*ours)[0].der != parsed->der) return not_found("this CA did not issue that certificate");

  // §7.6: the certificate's key, the account that ordered it, or an account
  // holding valid authorizations for every name in it.
  bool allowed = false;
  if (signer.jwk_key.impl_) {
    allowed = parsed->public_key.impl_ && signer.jwk_key == parsed->public_key;
    if (!allowed) return unauthorized("the request is not signed by the certificate's key");
  } else if (signer.account) {
    allowed = signer.account->id == record->account_id;
    if (!allowed) {
      allowed = true;
      const TimePoint now = clock_.now();
      for (const auto& id : record->identifiers) {
        bool wildcard = id.type == "dns" && id.value.starts_with("*.");
        wire::Identifier base{id.type, wildcard ? id.value.substr(2) : id.value};
        ACMEKIT_TRY(auto authz, storage_.find_valid_authz(signer.account->id, base, wildcard, now));
        if (!authz) {
          allowed = false;
          break;
        }
      }
    }
    if (!allowed) return unauthorized("this account did not order the certificate and is not authorized for all its names");
  }
  if (!allowed) return unauthorized("the revocation request is not authorized");
  if (record->status == AcmeStatus::kRevoked) return problem("alreadyRevoked", "the certificate is already revoked");
  // RFC 5280 §5.3.1 keyCompromise: the key may never be used again
  // (Boulder's blockedKeys), for any account, key change or certificate.
  constexpr int kKeyCompromise = 1;
  const std::string block = reason == kKeyCompromise ? key_block_id(parsed->public_key) : std::string();
  auto done = storage_.revoke_certificate(record->id, reason, clock_.now(), block);
  if (!done && done.error().kind == ErrorKind::kFailedPrecondition) {
    return problem("alreadyRevoked", "the certificate is already revoked");
  }
  return done;
}

}  // namespace acmekit::server::ra
