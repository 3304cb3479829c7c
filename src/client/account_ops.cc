#include "client/account_ops.h"

#include <memory>

#include "client/account_setup.h"
#include "client/api/resources.h"
#include "client/key_rollover.h"
#include "client/report_json.h"
#include "client/store/accounts.h"
#include "core/clock.h"
#include "core/http/curl_client.h"

namespace acmekit::client {
namespace {

// The session to the CA with the stored account loaded (not yet checked;
// a key an interrupted rollover left staged is resolved, RFC 8555 §7.3.5).
struct Connected {
  std::unique_ptr<http::CurlClient> http;
  std::unique_ptr<api::Session> session;
  store::AccountStore accounts;
  store::StoredAccount account;
};

Result<Connected> connect(const AccountRequest& r, bool need_account = true) {
  Connected c{.accounts = store::AccountStore(r.config_dir)};
  c.http = std::make_unique<http::CurlClient>(http::ClientOptions{.ca_bundle = r.ca_bundle});
  c.session = std::make_unique<api::Session>(*c.http, r.server);
  ACMEKIT_CHECK(c.session->load_directory());
  if (need_account) {
    ACMEKIT_TRY(auto loaded, load_account(*c.session, c.accounts));
    if (!loaded) {
      return make_error(ErrorKind::kNotFound, "no account for " + r.server + " in " + r.config_dir + " (acmekit register)");
    }
    c.account = std::move(*loaded);
    return c;
  }
  ACMEKIT_TRY(auto stored, c.accounts.list(r.server));
  if (!stored.empty()) {
    return make_error(ErrorKind::kAlreadyExists, "already registered with " + r.server + ": account " + stored.front().url);
  }
  return c;
}

AccountResult from_wire(const wire::Account& a, const std::string& id) {
  return {.url = a.url, .id = id, .status = wire::to_string(a.status), .contact = a.contact};
}

}  // namespace

nlohmann::json AccountResult::to_json() const {
  nlohmann::json j{{"format", kJsonFormat}, {"url", url}, {"id", id}, {"status", status}};
  if (has_contact) j["contact"] = contact;
  if (profiles) {
    j["profiles"] = nlohmann::json::array();
    for (const auto& p : *profiles) j["profiles"].push_back({{"name", p.name}, {"description", p.description}});
  }
  return j;
}

Result<AccountResult> register_account(const AccountRequest& r) {
  ACMEKIT_TRY(auto c, connect(r, /*need_account=*/false));
  if (r.email.empty() && !r.register_unsafely_without_email) {
    return make_error(ErrorKind::kInvalidArgument, "register needs --email ADDR or --register-unsafely-without-email");
  }
  AccountOptions opts{.agree_tos = r.agree_tos, .eab_kid = r.eab_kid, .eab_hmac_key = r.eab_hmac_key};
  if (!r.email.empty()) opts.email = r.email;
  ACMEKIT_TRY(auto account, ensure_account(*c.session, c.accounts, opts));
  return AccountResult{.url = account.url, .id = account.id, .status = "valid", .contact = account.contact};
}

Result<AccountResult> show_account(const AccountRequest& r) {
  ACMEKIT_TRY(auto c, connect(r));
  ACMEKIT_TRY(auto a, api::get_account(*c.session));
  AccountResult out = from_wire(a, c.account.id);
  out.profiles = c.session->directory().meta.profiles;  // draft-ietf-acme-profiles §3
  return out;
}

Result<AccountResult> update_account(const AccountRequest& r) {
  ACMEKIT_TRY(auto c, connect(r));
  std::vector<std::string> contact;
  if (!r.email.empty()) {
    contact.push_back("mailto:" + r.email);
  } else if (!r.register_unsafely_without_email) {
    return make_error(ErrorKind::kInvalidArgument,
                      "update_account needs --email ADDR (or --register-unsafely-without-email to clear it)");
  }
  ACMEKIT_TRY(auto a, api::update_account(*c.session, contact));
  c.account.contact = a.contact;
  ACMEKIT_CHECK(c.accounts.save_contact(r.server, c.account));
  return from_wire(a, c.account.id);
}

Result<AccountResult> unregister_account(const AccountRequest& r) {
  ACMEKIT_TRY(auto c, connect(r));
  ACMEKIT_TRY(auto a, api::deactivate_account(*c.session));
  ACMEKIT_CHECK(c.accounts.remove(r.server, c.account));
  return from_wire(a, c.account.id);
}

Result<AccountResult> rollover_key(const AccountRequest& r) {
  ACMEKIT_TRY(auto c, connect(r));
  ACMEKIT_TRY(auto key, crypto::PrivateKey::generate({}));
  SystemClock clock;
  ACMEKIT_CHECK(rollover_account_key(*c.session, c.accounts, c.account, key, clock));
  return AccountResult{.url = c.account.url, .id = c.account.id, .status = "rolled over", .has_contact = false};
}

}  // namespace acmekit::client
