// Finding or creating the ACME account for a server (RFC 8555 §7.3), and
// keeping it in the account store.
#pragma once

#include <optional>
#include <string>

#include "client/api/session.h"
#include "client/store/accounts.h"
#include "core/crypto/key.h"

namespace acmekit::client {

struct AccountOptions {
  std::optional<std::string> email;  // nullopt with --register-unsafely-without-email
  bool agree_tos = false;
  crypto::KeySpec key_spec;          // for a new account key
  std::string eab_kid, eab_hmac_key; // RFC 8555 §7.3.4, when the CA requires it
  std::string account_id;            // prefer this stored account (renewal), else the oldest
};

// Reuses the stored account for this server when there is one (checking with
// onlyReturnExisting, §7.3.1, that the CA still knows it), otherwise
// registers a new one and saves it. On return the session signs with the
// account's key and kid.
Result<store::StoredAccount> ensure_account(api::Session& session, store::AccountStore& accounts,
                                            const AccountOptions& options);

}  // namespace acmekit::client
