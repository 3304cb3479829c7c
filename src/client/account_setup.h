// Finding or creating the ACME account for a server (RFC 8555 §7.3), and
// keeping it in the account store.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "client/api/session.h"
#include "client/store/accounts.h"
#include "core/clock.h"
#include "core/crypto/key.h"

namespace acmekit::client {

struct AccountOptions {
  std::optional<std::string> email;  // nullopt with --register-unsafely-without-email
  bool agree_tos = false;
  crypto::KeySpec key_spec;          // for a new account key
  std::string eab_kid, eab_hmac_key; // RFC 8555 §7.3.4, when the CA requires it
  std::string account_id;            // prefer this stored account (renewal), else the oldest
};

// The stored account for this server that requests are signed with:
// `account_id` when it is stored, else the oldest; nullopt when none is
// stored. Every verb that signs with a stored account loads it here, so a
// key that an interrupted rollover left staged is resolved first
// (resolve_staged_key, key_rollover.h: RFC 8555 §7.3.1 asks the CA which
// key it knows). On return the session signs with the account's key and its
// stored URL as kid (§6.2). `clock` (SystemClock when null) bounds the wait
// for another process's rollover.
Result<std::optional<store::StoredAccount>> load_account(api::Session& session, store::AccountStore& accounts,
                                                         std::string_view account_id = {},
                                                         Clock* clock = nullptr);

// Reuses the stored account for this server when there is one (load_account,
// then onlyReturnExisting, §7.3.1, to check that the CA still knows it),
// otherwise registers a new one and saves it. On return the session signs
// with the account's key and kid.
Result<store::StoredAccount> ensure_account(api::Session& session, store::AccountStore& accounts,
                                            const AccountOptions& options, Clock* clock = nullptr);

}  // namespace acmekit::client
