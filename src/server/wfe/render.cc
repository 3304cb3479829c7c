#include "server/wfe/render.h"

#include "core/jose/jws.h"
#include "core/wire/json.h"
#include "server/problems.h"
#include "server/wfe/jws_auth.h"
#include "server/wfe/problems.h"
#include "server/wfe/times.h"

namespace acmekit::server::wfe {
namespace {

// A stored problem (an order's or challenge's "error", RFC 8555 §7.1.3,
// §7.1.5) with the status its type is answered with.
nlohmann::json embedded_problem(const std::string& stored) {
  auto j = nlohmann::json::parse(stored, nullptr, false);
  if (j.is_object() && !j.contains("status")) {
    Error e{.kind = ErrorKind::kAcme};
    e.type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : std::string();
    j["status"] = http_status(e);
  }
  return j;
}

}  // namespace

nlohmann::json render_account(const Urls& urls, const AccountRecord& account) {
  // §7.1.2
  nlohmann::json j = {{"status", wire::to_string(account.status)},
                      {"contact", account.contact},
                      {"orders", urls.orders(account.id)},
                      {"key", nlohmann::json::parse(account.jwk_json)}};
  if (!account.eab_kid.empty()) j["externalAccountBinding"] = {{"kid", account.eab_kid}};
  return j;
}

nlohmann::json render_order(const Urls& urls, const ra::OrderView& view) {
  // §7.1.3
  const auto& o = view.order;
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& id : o.identifiers) ids.push_back(wire::to_json(id));
  nlohmann::json authzs = nlohmann::json::array();
  for (const auto& id : o.authz_ids) authzs.push_back(urls.authz(id));
  nlohmann::json j = {{"status", wire::to_string(o.status)},
                      {"expires", rfc3339(o.expires)},
                      {"identifiers", ids},
                      {"authorizations", authzs},
                      {"finalize", urls.finalize(o.id)}};
  if (o.not_before) j["notBefore"] = rfc3339(*o.not_before);
  if (o.not_after) j["notAfter"] = rfc3339(*o.not_after);
  if (!o.certificate_id.empty()) j["certificate"] = urls.certificate(o.certificate_id);
  if (!o.replaces.empty()) j["replaces"] = o.replaces;  // RFC 9773 §5: reflected in every response
  // draft-ietf-acme-profiles §4: the profile the order was made with (an
  // order stored before profiles has none recorded and shows none).
  if (!o.profile.empty()) j["profile"] = o.profile;
  if (o.status == AcmeStatus::kInvalid && !o.error_json.empty()) j["error"] = embedded_problem(o.error_json);
  return j;
}

nlohmann::json render_challenge(const Urls& urls, const AuthzRecord& authz, const ChallengeRecord& ch) {
  // §7.1.5, §8
  const std::string& type = wire::to_string(ch.type);
  nlohmann::json j = {{"type", type},
                      {"url", urls.challenge(authz.id, type)},
                      {"status", wire::to_string(ch.status)},
                      {"token", ch.token}};
  if (ch.validated) j["validated"] = rfc3339(*ch.validated);
  if (!ch.error_json.empty()) j["error"] = embedded_problem(ch.error_json);
  return j;
}

nlohmann::json render_authz(const Urls& urls, const AuthzRecord& authz) {
  // §7.1.4
  nlohmann::json challenges = nlohmann::json::array();
  for (const auto& ch : authz.challenges) {
    // §7.1.4: a valid authorization lists the challenge that validated it.
    if (authz.status == AcmeStatus::kValid && ch.status != AcmeStatus::kValid) continue;
    challenges.push_back(render_challenge(urls, authz, ch));
  }
  nlohmann::json j = {{"identifier", wire::to_json(authz.identifier)},
                      {"status", wire::to_string(authz.status)},
                      {"expires", rfc3339(authz.expires)},
                      {"challenges", challenges}};
  if (authz.wildcard) j["wildcard"] = true;
  return j;
}

acmekit::http::Response json_response(int status, const nlohmann::json& body) {
  acmekit::http::Response r;
  r.status = status;
  r.headers.add("content-type", "application/json");
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}


}  // namespace acmekit::server::wfe
