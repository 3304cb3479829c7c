// The ACME resources as they travel on the wire (RFC 8555 §7.1), parsed from
// JSON by wire/json.h. Plain structs: no behaviour, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/enums.h"

namespace acmekit::wire {

// draft-ietf-acme-profiles §3: one entry of meta.profiles.
struct Profile {
  std::string name;
  std::string description;  // the CA's prose or a URL
  bool operator==(const Profile&) const = default;
};

// RFC 8555 §7.1.1
struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  // draft-ietf-acme-profiles §3: the profiles the CA offers, sorted by name;
  // empty when the directory has no meta.profiles.
  std::vector<Profile> profiles;

  const Profile* find_profile(std::string_view name) const {
    for (const auto& p : profiles) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
};

struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string new_authz;  // optional (§7.4.1)
  std::string revoke_cert;
  std::string key_change;
  std::string renewal_info;  // RFC 9773 §4, optional
  DirectoryMeta meta;
};

// RFC 8555 §9.7.7 "dns"; RFC 8738 §3 "ip".
struct Identifier {
  std::string type;
  std::string value;
  bool operator==(const Identifier&) const = default;
};

// RFC 8555 §7.1.2
struct Account {
  std::string url;  // from the Location header, not the body
  AcmeStatus status = AcmeStatus::kValid;  // valid | deactivated | revoked
  std::vector<std::string> contact;
  std::string orders;
};

// RFC 8555 §7.1.5
struct Challenge {
  ChallengeType type = ChallengeType::kHttp01;
  std::string url;
  AcmeStatus status = AcmeStatus::kPending;  // pending | processing | valid | invalid
  std::string token;
  std::string validated;
  std::optional<std::string> error_json;  // problem document, raw JSON
};

// RFC 8555 §7.1.4
struct Authorization {
  std::string url;
  Identifier identifier;
  AcmeStatus status = AcmeStatus::kPending;  // pending | valid | invalid | deactivated | expired | revoked
  std::string expires;
  bool wildcard = false;
  std::vector<Challenge> challenges;  // of the types this code base knows (§7.1.4: others are ignored)
};

// RFC 8555 §7.1.3
struct Order {
  std::string url;     // from the Location header
  AcmeStatus status = AcmeStatus::kPending;  // pending | ready | processing | valid | invalid
  std::string expires;
  std::vector<Identifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  std::optional<std::string> error_json;
  std::string replaces;  // RFC 9773 §5: the certificate identifier this order replaces
  std::string profile;   // draft-ietf-acme-profiles §4: the profile the CA chose ("" if none)
};

}  // namespace acmekit::wire
