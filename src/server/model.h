// What the CA stores about ACME resources (RFC 8555 §7.1). Plain records,
// shared by the storage (sa/), the policy layer (ra/) and the HTTP front end
// (wfe/), which alone turns them into wire JSON and URLs.
//
// Identifiers are random base64url strings (crypto::random_bytes, 16 bytes)
// used as the last path segment of the resource's URL, so URLs are not
// guessable and need no counter shared between processes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/wire/types.h"

namespace acmekit::server {

using TimePoint = std::chrono::system_clock::time_point;
using wire::AcmeStatus;
using wire::ChallengeType;

// RFC 8555 §7.1.2. status: valid | deactivated | revoked.
struct AccountRecord {
  std::string id;
  std::string jwk_json;        // the account's public JWK, compact JSON
  std::string key_thumbprint;  // RFC 7638 thumbprint of jwk_json; unique across accounts
  std::vector<std::string> contact;
  AcmeStatus status = AcmeStatus::kValid;
  std::string eab_kid;  // the external account it is bound to (§7.3.4); empty if none
  TimePoint created{};
};

// RFC 8555 §7.1.5, §8. status: pending | processing | valid | invalid.
struct ChallengeRecord {
  ChallengeType type = ChallengeType::kHttp01;
  std::string token;  // base64url, at least 128 bits of entropy (§8.1)
  AcmeStatus status = AcmeStatus::kPending;
  std::optional<TimePoint> validated;
  std::string error_json;  // the problem document when invalid; empty otherwise
};

// RFC 8555 §7.1.4. status as stored: pending | valid | invalid | deactivated
// | revoked; expired is derived from `expires` when read.
struct AuthzRecord {
  std::string id;
  std::string account_id;
  wire::Identifier identifier;  // for a wildcard: the base domain, without "*." (§7.1.4)
  bool wildcard = false;
  AcmeStatus status = AcmeStatus::kPending;
  TimePoint expires{};
  std::vector<ChallengeRecord> challenges;  // in the order they are offered
  // When its validation failed (set with status "invalid" by the RA), for
  // the failed-validations rate limit; unset otherwise.
  std::optional<TimePoint> failed;
};

// RFC 8555 §7.1.3. status as stored: pending | processing | valid | invalid;
// ready, and the invalid state that follows from a failed or expired
// authorization, are derived from the authorizations when read.
struct OrderRecord {
  std::string id;
  std::string account_id;
  AcmeStatus status = AcmeStatus::kPending;
  TimePoint created{};
  TimePoint expires{};
  std::vector<wire::Identifier> identifiers;  // as requested (wildcards keep "*.")
  std::vector<std::string> authz_ids;         // one per identifier, same order
  std::optional<TimePoint> not_before, not_after;
  std::string error_json;      // problem document once invalid
  std::string certificate_id;  // set when valid
  // RFC 9773 §5: the certificate this order replaces, as the client named it
  // ("replaces", reflected in the order) and as our certificate id (serial).
  std::string replaces;
  std::string replaces_certificate_id;
  // draft-ietf-acme-profiles §4: the certificate profile the order was
  // created with (server/profiles.h), reflected in the order; empty for an
  // order stored before profiles existed (issued with the default profile).
  std::string profile;
  // When a finalize claimed the order ("processing", StorageWriter::
  // begin_finalize), which instance, and the CSR (DER): an instance that
  // died mid-way leaves them, and another finishes the issuance.
  std::optional<TimePoint> finalize_started;
  std::string finalize_owner;
  std::string finalize_csr;
};

// An issued certificate. id is the serial in lower-case hex.
struct CertificateRecord {
  std::string id;
  std::string account_id;
  std::string order_id;
  std::string leaf_pem;  // the end-entity certificate; the CA appends its chain when serving
  TimePoint not_before{}, not_after{};
  std::vector<wire::Identifier> identifiers;  // the SANs, for authorization-based revocation (§7.6)
  AcmeStatus status = AcmeStatus::kValid;  // valid | revoked
  int revocation_reason = 0;     // RFC 5280 §5.3.1 CRLReason
  std::optional<TimePoint> revoked_at;
  // RFC 9773 §5: the order that replaced it, set when that order is
  // finalized; empty while not replaced.
  std::string replaced_by_order;
  // For rate limits: when it was issued (the window counts issuances, not
  // the notBefore a client asked for), and whether it renews (its exact
  // name set was issued before, or its order "replaces" one): renewals do
  // not count towards the certificates-per-domain limit.
  TimePoint issued{};
  bool renewal = false;
};

// An external account key made with `acmekit-ca eab add` (RFC 8555 §7.3.4).
struct EabKeyRecord {
  std::string kid;
  std::string hmac_key;  // raw MAC key bytes
  TimePoint created{};
  std::string account_id;  // the account it was bound to; empty while unused
};

}  // namespace acmekit::server
