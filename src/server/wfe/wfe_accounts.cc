// Account endpoints: newAccount (RFC 8555 §7.3, §7.3.4 EAB), the account
// resource (§7.3.2, §7.3.3, §7.3.6), its orders (§7.1.2.1), keyChange (§7.3.5).
#include <fmt/format.h>

#include "core/crypto/digest.h"
#include "core/jose/eab.h"
#include "core/jose/jwk.h"
#include "server/wfe/handler_util.h"
#include "server/wfe/json_fields.h"

namespace acmekit::server::wfe {
namespace {

using acmekit::http::Response;

Result<std::vector<std::string>> contact_list(const nlohmann::json& payload) {
  std::vector<std::string> out;
  if (!payload.contains("contact")) return out;
  if (!payload["contact"].is_array()) return malformed("\"contact\" must be an array of URLs");
  for (const auto& c : payload["contact"]) {
    if (!c.is_string()) return malformed("\"contact\" must be an array of URLs");
    out.push_back(c.get<std::string>());
  }
  return out;
}

// §7.3.4: the MAC-signed JWS binding the new key to an external account.
Result<std::string> check_eab(const nlohmann::json& eab, const nlohmann::json& account_jwk,
                              const std::string& new_account_url, sa::StorageReader& storage) {
  auto parsed = jose::parse(eab);
  if (!parsed) return malformed("externalAccountBinding is not a flattened JWS: " + parsed.error().detail);
  const auto& h = parsed->protected_header;
  ACMEKIT_TRY(const std::string alg, string_member(h, "alg"));
  if (alg != "HS256" && alg != "HS384" && alg != "HS512") {
    return problem("badSignatureAlgorithm", "externalAccountBinding must use HS256, HS384 or HS512");
  }
  if (h.contains("nonce")) return malformed("externalAccountBinding must not have a nonce");
  ACMEKIT_TRY(const std::string url, string_member(h, "url"));
  if (url != new_account_url) return malformed("externalAccountBinding url must be the newAccount URL");
  ACMEKIT_TRY(const std::string kid, string_member(h, "kid"));
  ACMEKIT_TRY(auto key, storage.get_eab_key(kid));
  if (kid.empty() || !key) return unauthorized("unknown external account key id");
  // The payload is the account key: the same key, however it is spelled.
  auto payload = nlohmann::json::parse(parsed->payload, nullptr, false);
  auto bound_key = crypto::PublicKey::from_jwk(payload);
  if (!bound_key || jose::key_thumbprint(*bound_key) != jose::thumbprint(account_jwk)) {
    return malformed("externalAccountBinding payload must be the account's JWK");
  }
  if (!jose::verify_eab_mac(*parsed, key->hmac_key)) return unauthorized("externalAccountBinding MAC is wrong");
  if (!key->account_id.empty()) return unauthorized("the external account key is already bound to an account");
  return kid;
}

}  // namespace

Response Wfe::new_account(Context& ctx) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kJwk, storage_, nonces_, account_keys_));
        ACMEKIT_TRY(auto payload, payload_object(auth));
        ACMEKIT_TRY(auto contact, contact_list(payload));
        ACMEKIT_TRY(const bool only_existing, bool_member(payload, "onlyReturnExisting", false));
        ACMEKIT_TRY(auto existing, storage_.get_account_by_thumbprint(jose::thumbprint(auth.jwk)));
        std::string eab_kid;
        if (!existing && !only_existing) {
          ACMEKIT_TRY(const bool agreed, bool_member(payload, "termsOfServiceAgreed", false));
          if (!options_.terms_of_service.empty() && !agreed) {
            return malformed("you must agree to the terms of service (termsOfServiceAgreed)");
          }
          if (payload.contains("externalAccountBinding")) {
            ACMEKIT_TRY(eab_kid, check_eab(payload["externalAccountBinding"], auth.jwk, ctx.urls.new_account(), storage_));
          } else if (options_.external_account_required) {
            return problem("externalAccountRequired", "this CA requires an external account binding (RFC 8555 §7.3.4)");
          }
        }
        ACMEKIT_TRY(auto result, ra_.new_account(auth.jwk, contact, only_existing, eab_kid));
        ctx.account_id = result.account.id;
        Response r = json_response(result.created ? 201 : 200, render_account(ctx.urls, result.account));
        r.headers.add("location", ctx.urls.account(result.account.id));
        return r;
      }(),
      ctx);
}

Response Wfe::account(Context& ctx, const std::string& id) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        if (auth.account->id != id) return unauthorized("the JWS kid is not this account");
        AccountRecord account = *auth.account;
        if (!is_post_as_get(auth)) {
          ACMEKIT_TRY(auto payload, payload_object(auth));
          std::optional<std::vector<std::string>> contact;
          if (payload.contains("contact")) {
            ACMEKIT_TRY(auto c, contact_list(payload));
            contact = std::move(c);
          }
          std::optional<AcmeStatus> status;
          if (payload.contains("status")) {
            // §7.3.6: only "deactivated" is a change a client may ask for
            // (the RA says so); anything but a status string is malformed.
            status = payload["status"].is_string() ? wire::parse_status(payload["status"].get<std::string>())
                                                   : std::nullopt;
            if (!status) return malformed("\"status\" must be \"deactivated\"");
          }
          ACMEKIT_TRY(account, ra_.update_account(account, contact, status));
        }
        Response r = json_response(200, render_account(ctx.urls, account));
        r.headers.add("location", ctx.urls.account(account.id));
        return r;
      }(),
      ctx);
}

Response Wfe::account_orders(Context& ctx, const std::string& id) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        if (auth.account->id != id) return unauthorized("only the account itself may list its orders");
        std::string after;
        if (ctx.query.starts_with("cursor=")) after = ctx.query.substr(7);
        // One more than a page tells whether a next page exists.
        ACMEKIT_TRY(auto ids, ra_.list_orders(*auth.account, after, options_.orders_page_size + 1));
        const bool more = ids.size() > options_.orders_page_size;
        if (more) ids.resize(options_.orders_page_size);
        nlohmann::json urls = nlohmann::json::array();
        for (const auto& o : ids) urls.push_back(ctx.urls.order(o));
        Response r = json_response(200, {{"orders", urls}});
        // §7.1.2.1: further pages through Link rel="next".
        if (more) r.headers.add("link", "<" + ctx.urls.orders(id) + "?cursor=" + ids.back() + ">;rel=\"next\"");
        return r;
      }(),
      ctx);
}

Response Wfe::key_change(Context& ctx) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        auto inner_json = nlohmann::json::parse(auth.payload, nullptr, false);
        if (inner_json.is_discarded()) return malformed("the key-change payload is not JSON");
        ACMEKIT_TRY(auto inner, verify_key_change_inner(inner_json, ctx.request_url(), 2048));
        auto payload = nlohmann::json::parse(inner.payload, nullptr, false);
        if (payload.is_discarded() || !payload.is_object()) return malformed("the inner payload is not a JSON object");
        // §7.3.5: "account" is the outer kid, "oldKey" the current key.
        ACMEKIT_TRY(const std::string account_url, string_member(payload, "account"));
        if (account_url != ctx.urls.account(auth.account->id)) {
          return malformed("the inner payload's account is not the signer's account");
        }
        auto old_key = crypto::PublicKey::from_jwk(payload.contains("oldKey") ? payload["oldKey"] : nlohmann::json());
        if (!old_key || jose::key_thumbprint(*old_key) != auth.account->key_thumbprint) {
          return malformed("the inner payload's oldKey is not the account's current key");
        }
        auto account = ra_.change_key(*auth.account, inner.jwk);
        if (!account && account.error().kind == ErrorKind::kAlreadyExists) {
          // §7.3.5: 409 Conflict with the Location of the account that has the key.
          Response r = problem_response(account.error());
          if (auto holder = storage_.get_account_by_thumbprint(jose::thumbprint(inner.jwk)); holder && *holder) {
            r.headers.add("location", ctx.urls.account((*holder)->id));
          }
          return r;
        }
        if (!account) return std::unexpected(account.error());
        Response r = json_response(200, render_account(ctx.urls, *account));
        r.headers.add("location", ctx.urls.account(account->id));
        return r;
      }(),
      ctx);
}

}  // namespace acmekit::server::wfe
