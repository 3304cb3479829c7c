#include "client/account_setup.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "client/key_rollover.h"
#include "core/jose/eab.h"

namespace acmekit::client {

Result<std::optional<store::StoredAccount>> load_account(api::Session& session, store::AccountStore& accounts,
                                                         std::string_view account_id, Clock* clock) {
  ACMEKIT_TRY(auto stored, accounts.list(session.directory_url()));
  if (stored.empty()) return std::optional<store::StoredAccount>();
  auto chosen = std::find_if(stored.begin(), stored.end(), [&](const auto& a) { return a.id == account_id; });
  store::StoredAccount account = std::move(chosen != stored.end() ? *chosen : stored.front());
  SystemClock system_clock;
  // RFC 8555 §7.3.5: a rollover killed between the CA's answer and the
  // rename left private_key.next.pem; find out which key the CA knows.
  auto staged = resolve_staged_key(session, accounts, account, clock ? *clock : system_clock);
  if (!staged) return std::unexpected(std::move(staged).error().with_context("account " + account.id));
  return std::optional<store::StoredAccount>(std::move(account));
}

Result<store::StoredAccount> ensure_account(api::Session& session, store::AccountStore& accounts,
                                            const AccountOptions& options, Clock* clock) {
  ACMEKIT_TRY(auto loaded, load_account(session, accounts, options.account_id, clock));
  if (loaded) {
    store::StoredAccount account = std::move(*loaded);
    session.set_account_url("");
    // §7.3.1: onlyReturnExisting finds the account of this key.
    auto found = api::new_account(session, {.only_return_existing = true});
    if (!found) {
      return std::unexpected(std::move(found).error().with_context(
          "looking up the saved account " + account.id));
    }
    if (found->status != wire::AcmeStatus::kValid) {
      return make_error(ErrorKind::kAcme,
                        "the saved account " + account.id + " is " + std::string(wire::to_string(found->status)));
    }
    account.url = found->url;
    session.set_account_url(account.url);
    spdlog::info("using account {}", account.url);
    return account;
  }

  const auto& meta = session.directory().meta;
  if (!options.agree_tos) {
    std::string tos = meta.terms_of_service.empty() ? "" : " at " + meta.terms_of_service;
    return make_error(ErrorKind::kInvalidArgument,
                      "registering an account needs --agree-tos (the CA's terms of service" + tos + ")");
  }
  if (meta.external_account_required && options.eab_kid.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "this CA requires external account binding: pass --eab-kid and --eab-hmac-key");
  }

  spdlog::info("registering a new account");
  ACMEKIT_TRY(auto key, crypto::PrivateKey::generate(options.key_spec));
  session.set_account_key(key);
  session.set_account_url("");
  api::NewAccountRequest req{.terms_of_service_agreed = true};
  if (options.email) req.contact.push_back("mailto:" + *options.email);
  if (!options.eab_kid.empty()) {
    ACMEKIT_TRY(req.eab, jose::sign_eab(options.eab_kid, options.eab_hmac_key,
                                        key.public_key().to_jwk(), session.directory().new_account));
  }
  auto created = api::new_account(session, req);
  if (!created) return std::unexpected(std::move(created).error().with_context("registering the account"));
  session.set_account_url(created->url);
  spdlog::info("registered account {}", created->url);
  return accounts.save(session.directory_url(), key, created->url, req.contact);
}

}  // namespace acmekit::client
