// The account verbs, certbot's names: register, show_account,
// update_account, unregister; and rollover_key (RFC 8555 §7.3.5), which
// certbot lacks. Each talks to one CA with the account stored for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/wire/types.h"

namespace acmekit::client {

struct AccountRequest {
  std::string config_dir;
  std::string server;     // directory URL
  std::string ca_bundle;  // extra trust anchors for its HTTPS
  std::string email;      // register, update_account
  bool register_unsafely_without_email = false;
  bool agree_tos = false;
  std::string eab_kid, eab_hmac_key;  // RFC 8555 §7.3.4
};

struct AccountResult {
  std::string url, id;
  std::string status;  // "valid", "deactivated", ... ("rolled over" after rollover_key)
  std::vector<std::string> contact;
  bool has_contact = true;         // rollover_key reports no contact
  // show_account: the certificate profiles the CA's directory offers
  // (draft-ietf-acme-profiles §3), empty when none; nullopt for the other verbs.
  std::optional<std::vector<wire::Profile>> profiles;
  // {"format":1,"url","id","status"[,"contact"][,"profiles":[{"name","description"}]]}
  nlohmann::json to_json() const;
};

[[nodiscard]] Result<AccountResult> register_account(const AccountRequest& request);
[[nodiscard]] Result<AccountResult> show_account(const AccountRequest& request);
// Replaces the contact with `email` (none with register_unsafely_without_email).
[[nodiscard]] Result<AccountResult> update_account(const AccountRequest& request);
// RFC 8555 §7.3.6: deactivates the account and forgets it locally.
[[nodiscard]] Result<AccountResult> unregister_account(const AccountRequest& request);
// RFC 8555 §7.3.5 with a new P-256 key, crash-safe (key_rollover.h).
[[nodiscard]] Result<AccountResult> rollover_key(const AccountRequest& request);

}  // namespace acmekit::client
