// The ACME resources as they travel on the wire (RFC 8555 §7.1), parsed from
// JSON by wire/json.h. Plain structs: no behaviour, no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace acmekit::wire {

// RFC 8555 §7.1.1
struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
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
  std::string status;  // "valid" | "deactivated" | "revoked"
  std::vector<std::string> contact;
  std::string orders;
};

// RFC 8555 §7.1.5
struct Challenge {
  std::string type;    // "http-01", "dns-01", "tls-alpn-01"
  std::string url;
  std::string status;  // "pending" | "processing" | "valid" | "invalid"
  std::string token;
  std::string validated;
  std::optional<std::string> error_json;  // problem document, raw JSON
};

// RFC 8555 §7.1.4
struct Authorization {
  std::string url;
  Identifier identifier;
  std::string status;  // "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked"
  std::string expires;
  bool wildcard = false;
  std::vector<Challenge> challenges;
};

// RFC 8555 §7.1.3
struct Order {
  std::string url;     // from the Location header
  std::string status;  // "pending" | "ready" | "processing" | "valid" | "invalid"
  std::string expires;
  std::vector<Identifier> identifiers;
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;
  std::optional<std::string> error_json;
  std::string replaces;  // RFC 9773 §5: the certificate identifier this order replaces
};

}  // namespace acmekit::wire
