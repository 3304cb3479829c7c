#include "server/wfe/render.h"

#include "core/jose/jws.h"
#include "core/wire/json.h"
#include "server/problems.h"
#include "server/wfe/jws_auth.h"
#include "server/wfe/times.h"

namespace acmekit::server::wfe {

nlohmann::json render_account(const Urls& urls, const AccountRecord& account) {
  // §7.1.2
  nlohmann::json j = {{"status", account.status},
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
  nlohmann::json j = {{"status", o.status},
                      {"expires", rfc3339(o.expires)},
                      {"identifiers", ids},
                      {"authorizations", authzs},
                      {"finalize", urls.finalize(o.id)}};
  if (o.not_before) j["notBefore"] = rfc3339(*o.not_before);
  if (o.not_after) j["notAfter"] = rfc3339(*o.not_after);
  if (!o.certificate_id.empty()) j["certificate"] = urls.certificate(o.certificate_id);
  if (!o.replaces.empty()) j["replaces"] = o.replaces;  // RFC 9773 §5: reflected in every response
  if (o.status == "invalid" && !o.error_json.empty()) j["error"] = nlohmann::json::parse(o.error_json, nullptr, false);
  return j;
}

nlohmann::json render_challenge(const Urls& urls, const AuthzRecord& authz, const ChallengeRecord& ch) {
  // §7.1.5, §8
  nlohmann::json j = {{"type", ch.type}, {"url", urls.challenge(authz.id, ch.type)}, {"status", ch.status},
                      {"token", ch.token}};
  if (ch.validated) j["validated"] = rfc3339(*ch.validated);
  if (!ch.error_json.empty()) j["error"] = nlohmann::json::parse(ch.error_json, nullptr, false);
  return j;
}

nlohmann::json render_authz(const Urls& urls, const AuthzRecord& authz) {
  // §7.1.4
  nlohmann::json challenges = nlohmann::json::array();
  for (const auto& ch : authz.challenges) {
    // §7.1.4: a valid authorization lists the challenge that validated it.
    if (authz.status == "valid" && ch.status != "valid") continue;
    challenges.push_back(render_challenge(urls, authz, ch));
  }
  nlohmann::json j = {{"identifier", wire::to_json(authz.identifier)},
                      {"status", authz.status},
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

acmekit::http::Response problem_response(const Error& error) {
  nlohmann::json body = problem_json(error);
  if (error.is_acme("badSignatureAlgorithm")) body["algorithms"] = accepted_algorithms();
  acmekit::http::Response r;
  r.status = body.value("status", 500);
  r.headers.add("content-type", "application/problem+json");
  if (error.retry_after) r.headers.add("retry-after", std::to_string(error.retry_after->count()));
  r.body = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace acmekit::server::wfe
