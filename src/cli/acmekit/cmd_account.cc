// Account verbs, certbot's names: register, show_account, update_account,
// unregister; and rollover_key (RFC 8555 §7.3.5), which certbot lacks.
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/account_setup.h"
#include "client/api/resources.h"
#include "client/key_rollover.h"
#include "client/store/accounts.h"
#include "core/http/curl_client.h"

namespace acmekit::cli {
using nlohmann::json;

namespace {

// The session to the CA with the stored account loaded (not yet checked;
// a key an interrupted rollover left staged is resolved, RFC 8555 §7.3.5).
struct Connected {
  std::unique_ptr<http::CurlClient> http;
  std::unique_ptr<client::api::Session> session;
  client::store::AccountStore accounts;
  client::store::StoredAccount account;
  std::string server;
};

Result<Connected> connect(const GlobalOptions& g, bool need_account = true) {
  Connected c{.accounts = client::store::AccountStore(g.config_dir), .server = resolve_server(g.server, g.staging)};
  c.http = std::make_unique<http::CurlClient>(http::ClientOptions{.ca_bundle = g.ca_bundle});
  c.session = std::make_unique<client::api::Session>(*c.http, c.server);
  ACMEKIT_CHECK(c.session->load_directory());
  if (need_account) {
    ACMEKIT_TRY(auto loaded, client::load_account(*c.session, c.accounts));
    if (!loaded) {
      return make_error(ErrorKind::kInvalidArgument,
                        "no account for " + c.server + " in " + g.config_dir + " (acmekit register)");
    }
    c.account = std::move(*loaded);
    return c;
  }
  ACMEKIT_TRY(auto stored, c.accounts.list(c.server));
  if (!stored.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "already registered with " + c.server + ": account " + stored.front().url);
  }
  return c;
}

json account_json(const wire::Account& a, const std::string& id) {
  return {{"url", a.url}, {"id", id}, {"status", a.status}, {"contact", a.contact}};
}

int print(const GlobalOptions& g, const json& j, const std::string& human) {
  if (g.json) std::cout << j.dump(2) << std::endl;
  else if (!g.quiet) std::cout << human << std::endl;
  return kExitOk;
}

std::string contact_text(const json& j) {
  std::string out;
  for (const auto& c : j["contact"]) out += (out.empty() ? "" : ", ") + c.get<std::string>();
  return out.empty() ? "(none)" : out;
}

}  // namespace

int cmd_register(const GlobalOptions& g) {
  auto c = connect(g, /*need_account=*/false);
  if (!c) return report_error(c.error());
  if (g.email.empty() && !g.register_unsafely_without_email) {
    return report_error({.kind = ErrorKind::kInvalidArgument,
                         .detail = "register needs --email ADDR or --register-unsafely-without-email"});
  }
  client::AccountOptions opts{.agree_tos = g.agree_tos, .eab_kid = g.eab_kid, .eab_hmac_key = g.eab_hmac_key};
  if (!g.email.empty()) opts.email = g.email;
  auto account = client::ensure_account(*c->session, c->accounts, opts);
  if (!account) return report_error(account.error());
  json j{{"url", account->url}, {"id", account->id}, {"status", "valid"}, {"contact", account->contact}};
  return print(g, j, "Registered account " + account->url);
}

int cmd_show_account(const GlobalOptions& g) {
  auto c = connect(g);
  if (!c) return report_error(c.error());
  auto a = client::api::get_account(*c->session);
  if (!a) return report_error(a.error());
  json j = account_json(*a, c->account.id);
  return print(g, j, "Account URL: " + a->url + "\nStatus: " + a->status + "\nContact: " + contact_text(j));
}

int cmd_update_account(const GlobalOptions& g) {
  auto c = connect(g);
  if (!c) return report_error(c.error());
  std::vector<std::string> contact;
  if (!g.email.empty()) contact.push_back("mailto:" + g.email);
  else if (!g.register_unsafely_without_email) {
    return report_error({.kind = ErrorKind::kInvalidArgument,
                         .detail = "update_account needs --email ADDR (or --register-unsafely-without-email to clear it)"});
  }
  auto a = client::api::update_account(*c->session, contact);
  if (!a) return report_error(a.error());
  c->account.contact = a->contact;
  if (auto st = c->accounts.save_contact(c->server, c->account); !st) return report_error(st.error());
  json j = account_json(*a, c->account.id);
  return print(g, j, "Updated account " + a->url + "; contact: " + contact_text(j));
}

int cmd_unregister(const GlobalOptions& g) {
  auto c = connect(g);
  if (!c) return report_error(c.error());
  auto a = client::api::deactivate_account(*c->session);
  if (!a) return report_error(a.error());
  if (auto st = c->accounts.remove(c->server, c->account); !st) return report_error(st.error());
  return print(g, account_json(*a, c->account.id), "Deactivated account " + a->url);
}

int cmd_rollover_key(const GlobalOptions& g) {
  auto c = connect(g);
  if (!c) return report_error(c.error());
  auto key = crypto::PrivateKey::generate({});
  if (!key) return report_error(key.error());
  SystemClock clock;
  if (auto st = client::rollover_account_key(*c->session, c->accounts, c->account, *key, clock); !st) {
    return report_error(st.error());
  }
  json j{{"url", c->account.url}, {"id", c->account.id}, {"status", "rolled over"}};
  return print(g, j, "Account " + c->account.url + " now uses a new key");
}

}  // namespace acmekit::cli
