// Account key rollover (RFC 8555 §7.3.5) that survives a crash.
//
// rollover_account_key() stages the new key on disk (private_key.next.pem)
// before asking the CA, and renames it over private_key.pem once the CA
// agreed. A process killed in between leaves a staged key, and only the CA
// can say whether the rollover happened: resolve_staged_key() asks it with
// newAccount {"onlyReturnExisting": true} signed by the staged key as a jwk
// (§7.3.1). This account's URL back: the CA switched keys, the staged key is
// committed. accountDoesNotExist: the CA never saw it, the staged file is
// removed. Anything else (network, an unexpected answer): both files stay,
// the current key is used, and the next run asks again.
#pragma once

#include <chrono>

#include "client/api/session.h"
#include "client/store/accounts.h"
#include "core/clock.h"
#include "core/crypto/key.h"

namespace acmekit::client {

enum class StagedKey {
  kNone,        // no staged key
  kCommitted,   // the CA knows the staged key: it is now private_key.pem
  kDiscarded,   // the CA does not know it: the rollover never happened, the file is gone
  kUnresolved,  // the CA could not tell, or another process is rolling over: both files kept
};

// How long to wait for another process's rollover to let go of the account.
inline constexpr std::chrono::seconds kKeyLockWait{30};

// Resolves a key an interrupted rollover left staged for `account`. On
// kCommitted account.key is the staged key. On return the session signs
// with account.key and account.url as kid. Errors only when a local file
// operation fails; the CA's answers decide the outcome.
Result<StagedKey> resolve_staged_key(api::Session& session, store::AccountStore& accounts,
                                     store::StoredAccount& account, Clock& clock);

// §7.3.5 keyChange to new_key, crash-safe: under the account's lock, a
// leftover staged key is resolved first (an unresolved one stops the
// rollover: it may be the key the CA knows), then stage, ask the CA,
// commit. On success account.key is new_key and the session signs with it.
Status rollover_account_key(api::Session& session, store::AccountStore& accounts,
                            store::StoredAccount& account, const crypto::PrivateKey& new_key, Clock& clock);

}  // namespace acmekit::client
