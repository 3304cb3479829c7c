// Order endpoints: newOrder (RFC 8555 §7.4), newAuthz (§7.4.1), the order,
// finalize (§7.4), authorizations (§7.5, §7.5.2) and challenges (§7.5.1).
#include "core/base64url.h"
#include "core/wire/json.h"
#include "server/wfe/handler_util.h"
#include "server/wfe/json_fields.h"
#include "server/wfe/times.h"

namespace acmekit::server::wfe {
namespace {

using acmekit::http::Response;

Result<wire::Identifier> identifier_from(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("type") || !j.contains("value") || !j["type"].is_string() ||
      !j["value"].is_string()) {
    return malformed("an identifier is an object with string \"type\" and \"value\"");
  }
  return wire::Identifier{j["type"].get<std::string>(), j["value"].get<std::string>()};
}

Result<std::optional<TimePoint>> optional_time(const nlohmann::json& payload, const char* field) {
  if (!payload.contains(field)) return std::optional<TimePoint>{};
  if (!payload[field].is_string()) return malformed(std::string(field) + " must be an RFC 3339 string");
  auto t = parse_rfc3339(payload[field].get<std::string>());
  if (!t) return malformed(std::string(field) + ": " + t.error().detail);
  return std::optional<TimePoint>(*t);
}

// §7.5.1: clients should poll a resource being validated after Retry-After.
bool being_validated(const AuthzRecord& authz) {
  if (authz.status != AcmeStatus::kPending) return false;
  for (const auto& ch : authz.challenges) {
    if (ch.status == AcmeStatus::kProcessing) return true;
  }
  return false;
}

}  // namespace

Response Wfe::new_order(Context& ctx) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        ACMEKIT_TRY(auto payload, payload_object(auth));
        if (!payload.contains("identifiers") || !payload["identifiers"].is_array()) {
          return malformed("newOrder needs an \"identifiers\" array");
        }
        std::vector<wire::Identifier> ids;
        for (const auto& j : payload["identifiers"]) {
          ACMEKIT_TRY(auto id, identifier_from(j));
          ids.push_back(std::move(id));
        }
        ACMEKIT_TRY(auto not_before, optional_time(payload, "notBefore"));
        ACMEKIT_TRY(auto not_after, optional_time(payload, "notAfter"));
        // RFC 9773 §5: the certificate this order replaces.
        std::string replaces;
        if (payload.contains("replaces")) {
          if (!payload["replaces"].is_string()) return malformed("\"replaces\" must be a certificate identifier string");
          replaces = payload["replaces"].get<std::string>();
          if (replaces.empty()) return malformed("\"replaces\" is empty");
        }
        // draft-ietf-acme-profiles §4: the profile asked for; absent: the default.
        std::string profile;
        if (payload.contains("profile")) {
          if (!payload["profile"].is_string()) return malformed("\"profile\" must be a string");
          profile = payload["profile"].get<std::string>();
          if (profile.empty()) return problem("invalidProfile", "\"profile\" is empty");
        }
        ACMEKIT_TRY(auto view, ra_.new_order(*auth.account, ids, not_before, not_after, replaces, profile));
        Response r = json_response(201, render_order(ctx.urls, view));
        r.headers.add("location", ctx.urls.order(view.order.id));
        return r;
      }(),
      ctx);
}

Response Wfe::new_authz(Context& ctx) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        ACMEKIT_TRY(auto payload, payload_object(auth));
        if (!payload.contains("identifier")) return malformed("newAuthz needs an \"identifier\"");
        ACMEKIT_TRY(auto id, identifier_from(payload["identifier"]));
        ACMEKIT_TRY(auto authz, ra_.new_authz(*auth.account, id));
        Response r = json_response(201, render_authz(ctx.urls, authz));
        r.headers.add("location", ctx.urls.authz(authz.id));
        return r;
      }(),
      ctx);
}

Response Wfe::order(Context& ctx, const std::string& id) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        if (!is_post_as_get(auth)) return malformed("an order is read with POST-as-GET (empty payload)");
        ACMEKIT_TRY(auto view, ra_.get_order(id, auth.account->id));
        Response r = json_response(200, render_order(ctx.urls, view));
        if (view.order.status == AcmeStatus::kProcessing && options_.retry_after_seconds > 0) {
          r.headers.add("retry-after", std::to_string(options_.retry_after_seconds));
        }
        return r;
      }(),
      ctx);
}

Response Wfe::finalize(Context& ctx, const std::string& id) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        ACMEKIT_TRY(auto payload, payload_object(auth));
        if (!payload.contains("csr") || !payload["csr"].is_string()) return malformed("finalize needs a \"csr\"");
        auto der = base64url_decode(payload["csr"].get<std::string>());
        if (!der) return problem("badCSR", "\"csr\" is not base64url: " + der.error().detail);
        ACMEKIT_TRY(auto view, ra_.finalize(*auth.account, id, *der, ctx.urls.account(auth.account->id)));
        certificates_issued_.fetch_add(1);
        Response r = json_response(200, render_order(ctx.urls, view));
        r.headers.add("location", ctx.urls.order(id));
        return r;
      }(),
      ctx);
}

Response Wfe::authz(Context& ctx, const std::string& id) {
  return respond(
      [&]() -> Result<Response> {
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        AuthzRecord authz;
        if (is_post_as_get(auth)) {
          ACMEKIT_TRY(authz, ra_.get_authz(id, auth.account->id));
        } else {
          ACMEKIT_TRY(auto payload, payload_object(auth));
          // §7.5.2: the only update is {"status": "deactivated"}.
          ACMEKIT_TRY(const std::string status, string_member(payload, "status"));
          if (status != "deactivated") {
            return malformed("an authorization can only be updated to status \"deactivated\"");
          }
          ACMEKIT_TRY(authz, ra_.deactivate_authz(*auth.account, id));
        }
        Response r = json_response(200, render_authz(ctx.urls, authz));
        if (being_validated(authz) && options_.retry_after_seconds > 0) {
          r.headers.add("retry-after", std::to_string(options_.retry_after_seconds));
        }
        return r;
      }(),
      ctx);
}

Response Wfe::challenge(Context& ctx, const std::string& authz_id, const std::string& type_name) {
  return respond(
      [&]() -> Result<Response> {
        // The challenge URL's last segment is its type (render.h Urls::challenge).
        const auto parsed_type = wire::parse_challenge_type(type_name);
        if (!parsed_type) return not_found("no such challenge type: " + type_name);
        const ChallengeType type = *parsed_type;
        ACMEKIT_TRY(auto auth, authenticate_request(ctx, KeyRule::kKid, storage_, nonces_, account_keys_));
        AuthzRecord authz;
        if (is_post_as_get(auth)) {
          ACMEKIT_TRY(authz, ra_.get_authz(authz_id, auth.account->id));
        } else {
          // §7.5.1: the response is an empty JSON object.
          ACMEKIT_TRY(auto payload, payload_object(auth));
          ACMEKIT_TRY(authz,
                      ra_.respond_challenge(*auth.account, authz_id, type, ctx.urls.account(auth.account->id)));
        }
        auto it = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                               [&](const ChallengeRecord& c) { return c.type == type; });
        if (it == authz.challenges.end()) {
          return not_found("this authorization has no " + wire::to_string(type) + " challenge");
        }
        Response r = json_response(200, render_challenge(ctx.urls, authz, *it));
        r.headers.add("link", "<" + ctx.urls.authz(authz_id) + ">;rel=\"up\"");
        if (it->status == AcmeStatus::kProcessing && options_.retry_after_seconds > 0) {
          r.headers.add("retry-after", std::to_string(options_.retry_after_seconds));
        }
        return r;
      }(),
      ctx);
}

}  // namespace acmekit::server::wfe
