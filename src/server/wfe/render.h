// Records → the JSON and URLs clients see (RFC 8555 §7.1), and the HTTP
// response shapes the WFE sends.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/http/client.h"
#include "server/model.h"
#include "server/ra/registration_authority.h"

namespace acmekit::server::wfe {

// URL layout under https://HOST (base).
struct Urls {
  std::string base;
  std::string directory() const { return base + "/directory"; }
  std::string new_nonce() const { return base + "/acme/new-nonce"; }
  std::string new_account() const { return base + "/acme/new-account"; }
  std::string new_order() const { return base + "/acme/new-order"; }
  std::string new_authz() const { return base + "/acme/new-authz"; }
  std::string revoke_cert() const { return base + "/acme/revoke-cert"; }
  std::string key_change() const { return base + "/acme/key-change"; }
  std::string renewal_info() const { return base + "/acme/renewal-info"; }
  std::string account_prefix() const { return base + "/acme/acct/"; }
  std::string account(std::string_view id) const { return account_prefix() + std::string(id); }
  std::string orders(std::string_view account_id) const { return account(account_id) + "/orders"; }
  std::string order(std::string_view id) const { return base + "/acme/order/" + std::string(id); }
  std::string finalize(std::string_view id) const { return order(id) + "/finalize"; }
  std::string authz(std::string_view id) const { return base + "/acme/authz/" + std::string(id); }
  std::string challenge(std::string_view authz_id, std::string_view type) const {
    return base + "/acme/chall/" + std::string(authz_id) + "/" + std::string(type);
  }
  std::string certificate(std::string_view id) const { return base + "/acme/cert/" + std::string(id); }
};

nlohmann::json render_account(const Urls& urls, const AccountRecord& account);
nlohmann::json render_order(const Urls& urls, const ra::OrderView& view);
nlohmann::json render_authz(const Urls& urls, const AuthzRecord& authz);
nlohmann::json render_challenge(const Urls& urls, const AuthzRecord& authz, const ChallengeRecord& challenge);

// application/json with the given status.
acmekit::http::Response json_response(int status, const nlohmann::json& body);

}  // namespace acmekit::server::wfe
