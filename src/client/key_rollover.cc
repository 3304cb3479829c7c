#include "client/key_rollover.h"

#include <optional>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "core/test_point.h"

namespace acmekit::client {
namespace {

using KeyLock = store::AccountStore::KeyLock;

// The account's key lock, waiting up to kKeyLockWait for another process's
// rollover (one keyChange request) to finish. nullopt: still held.
Result<std::optional<KeyLock>> lock_key(store::AccountStore& accounts, std::string_view server,
                                        const store::StoredAccount& account, Clock& clock) {
  const auto deadline = clock.now() + kKeyLockWait;
  for (;;) {
    ACMEKIT_TRY(auto lock, accounts.try_lock_key(server, account));
    if (lock || clock.now() >= deadline) return lock;
    clock.sleep_for(std::chrono::milliseconds(200));
  }
}

void sign_with(api::Session& session, const store::StoredAccount& account) {
  session.set_account_key(account.key);
  session.set_account_url(account.url);  // §6.2: kid
}

struct Resolution {
  StagedKey outcome = StagedKey::kNone;
  std::optional<Error> why;  // for kUnresolved: what kept the CA from telling
};

// With the account's key lock held. Leaves the session signing with the
// staged key and no kid; the callers put the account back.
Result<Resolution> resolve_locked(api::Session& session, store::AccountStore& accounts,
                                  store::StoredAccount& account) {
  const std::string& server = session.directory_url();
  auto staged = accounts.staged_key(server, account);
  if (!staged) {
    spdlog::warn("account {}: the key staged by an interrupted key rollover is unreadable ({}); "
                 "using the current key", account.url, staged.error().message());
    return Resolution{.outcome = StagedKey::kUnresolved, .why = std::move(staged).error()};
  }
  if (!*staged) {
    // Nothing staged (any more): whoever held the lock before us may have
    // committed it, so the key read before locking can be stale.
    ACMEKIT_TRY(account.key, accounts.current_key(server, account));
    return Resolution{};
  }

  // RFC 8555 §7.3.1: onlyReturnExisting signed by the staged key (as "jwk")
  // finds the account that key belongs to, if any. After a keyChange
  // (§7.3.5) the CA knows the account by its new key only.
  session.set_account_key(**staged);
  session.set_account_url("");
  auto found = api::new_account(session, {.only_return_existing = true});
  if (found && found->url == account.url) {
    ACMEKIT_CHECK(accounts.commit_key(server, account));
    account.key = std::move(**staged);
    spdlog::warn("account {}: the CA had accepted the key of an interrupted key rollover; "
                 "recovered it as the account key", account.url);
    return Resolution{.outcome = StagedKey::kCommitted};
  }
  if (!found && found.error().is_acme("accountDoesNotExist")) {
    ACMEKIT_CHECK(accounts.discard_staged_key(server, account));
    spdlog::info("account {}: the CA never saw the key of an interrupted key rollover; "
                 "discarded it, the current key stays", account.url);
    return Resolution{.outcome = StagedKey::kDiscarded};
  }
  Error why = found ? Error{.kind = ErrorKind::kProtocol,
                            .detail = "the CA knows the staged key as another account, " + found->url}
                    : std::move(found).error();
  spdlog::warn("account {}: could not find out whether the CA took the key staged by an interrupted "
               "key rollover ({}); keeping both keys and using the current one", account.url, why.message());
  return Resolution{.outcome = StagedKey::kUnresolved, .why = std::move(why)};
}

}  // namespace

Result<StagedKey> resolve_staged_key(api::Session& session, store::AccountStore& accounts,
                                     store::StoredAccount& account, Clock& clock) {
  sign_with(session, account);
  const std::string& server = session.directory_url();
  if (!accounts.has_staged_key(server, account)) return StagedKey::kNone;
  ACMEKIT_TRY(auto lock, lock_key(accounts, server, account, clock));
  if (!lock) {
    spdlog::warn("account {}: another process is changing its key; using the current key", account.url);
    return StagedKey::kUnresolved;
  }
  auto resolved = resolve_locked(session, accounts, account);
  sign_with(session, account);
  if (!resolved) return std::unexpected(std::move(resolved).error());
  return resolved->outcome;
}

Status rollover_account_key(api::Session& session, store::AccountStore& accounts,
                            store::StoredAccount& account, const crypto::PrivateKey& new_key, Clock& clock) {
  const std::string& server = session.directory_url();
  ACMEKIT_TRY(auto lock, lock_key(accounts, server, account, clock));
  if (!lock) return make_error(ErrorKind::kIo, "another process is changing the key of account " + account.url);

  // A leftover staged key first: it may be the one the CA knows, so it is
  // never overwritten before the CA has said so.
  auto leftover = resolve_locked(session, accounts, account);
  sign_with(session, account);
  if (!leftover) return std::unexpected(std::move(leftover).error());
  if (leftover->outcome == StagedKey::kUnresolved) {
    return std::unexpected(std::move(*leftover->why).with_context(
        "a key staged by an interrupted rollover is still on disk and the CA could not say whether it "
        "took it; not rolling over again until it can"));
  }

  ACMEKIT_CHECK(accounts.stage_key(server, account, new_key));
  test_point("rollover-staged");
  auto changed = api::change_account_key(session, new_key);  // §7.3.5
  if (!changed) {
    // The CA refused, or the answer was lost: ask it which key it has now,
    // so that a refusal leaves no staged key behind.
    auto after = resolve_locked(session, accounts, account);
    sign_with(session, account);
    if (after && after->outcome == StagedKey::kCommitted) return {};
    return std::unexpected(std::move(changed).error());
  }
  test_point("rollover-after-ca");
  ACMEKIT_CHECK(accounts.commit_key(server, account));
  account.key = new_key;
  sign_with(session, account);
  return {};
}

}  // namespace acmekit::client
