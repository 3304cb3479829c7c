#include "server/va/remote/wire.h"

#include <nlohmann/json.hpp>

#include "core/wire/enums.h"
#include "core/wire/problem.h"
#include "server/problems.h"

namespace acmekit::server::va::remote {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(std::string detail) { return make_error(ErrorKind::kInvalidArgument, std::move(detail)); }

Result<json> parse_object(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad("request body is not a JSON object");
  return j;
}

Result<std::string> string_member(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return bad(std::string("missing or non-string \"") + name + "\"");
  return it->get<std::string>();
}

Result<wire::ChallengeType> challenge_member(const json& j, const char* name) {
  ACMEKIT_TRY(std::string text, string_member(j, name));
  auto type = wire::parse_challenge_type(text);
  if (!type) return bad("unknown challenge type \"" + text + "\"");
  return *type;
}

}  // namespace

std::string encode_validation_request(const ValidationRequest& r) {
  return json{{"identifier", {{"type", r.identifier.type}, {"value", r.identifier.value}}},
              {"type", wire::to_string(r.challenge_type)},
              {"token", r.token},
              {"keyAuthorization", r.key_authorization}}
      .dump();
}

Result<ValidationRequest> decode_validation_request(std::string_view body) {
  ACMEKIT_TRY(json j, parse_object(body));
  auto id = j.find("identifier");
  if (id == j.end() || !id->is_object()) return bad("missing \"identifier\" object");
  ValidationRequest r;
  ACMEKIT_TRY(r.identifier.type, string_member(*id, "type"));
  ACMEKIT_TRY(r.identifier.value, string_member(*id, "value"));
  ACMEKIT_TRY(r.challenge_type, challenge_member(j, "type"));
  ACMEKIT_TRY(r.token, string_member(j, "token"));
  ACMEKIT_TRY(r.key_authorization, string_member(j, "keyAuthorization"));
  return r;
}

std::string encode_caa_request(const CaaRequest& r, const std::vector<std::string>& identities) {
  return json{{"name", r.name},
              {"wildcard", r.wildcard},
              {"method", wire::to_string(r.method)},
              {"accountUri", r.account_uri},
              {"identities", identities}}
      .dump();
}

Result<CaaCheck> decode_caa_request(std::string_view body) {
  ACMEKIT_TRY(json j, parse_object(body));
  CaaCheck c;
  ACMEKIT_TRY(c.request.name, string_member(j, "name"));
  auto wildcard = j.find("wildcard");
  if (wildcard == j.end() || !wildcard->is_boolean()) return bad("missing or non-boolean \"wildcard\"");
  c.request.wildcard = wildcard->get<bool>();
  ACMEKIT_TRY(c.request.method, challenge_member(j, "method"));
  ACMEKIT_TRY(c.request.account_uri, string_member(j, "accountUri"));
  auto ids = j.find("identities");
  if (ids == j.end() || !ids->is_array()) return bad("missing \"identities\" array");
  for (const auto& v : *ids) {
    if (!v.is_string()) return bad("\"identities\" holds a non-string");
    c.identities.push_back(v.get<std::string>());
  }
  return c;
}

std::string encode_result(const Status& result) {
  if (result) return json{{"status", "valid"}}.dump();
  Error e = result.error();
  if (e.kind != ErrorKind::kAcme) e = acme_problem("connection", e.message());
  return json{{"status", "invalid"}, {"problem", wire::problem_document(e)}}.dump();
}

Result<Status> decode_result(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  auto status = j.is_object() ? j.find("status") : j.end();
  if (!j.is_object() || status == j.end() || !status->is_string()) {
    return make_error(ErrorKind::kProtocol, "answer is not a perspective result");
  }
  if (*status == "valid") return Status{};
  auto p = j.find("problem");
  if (*status != "invalid" || p == j.end() || !p->is_object()) {
    return make_error(ErrorKind::kProtocol, "answer is not a perspective result");
  }
  Error e = wire::parse_embedded_problem(p->dump());
  if (e.kind != ErrorKind::kAcme) return make_error(ErrorKind::kProtocol, "answer carries no ACME problem");
  return Status(std::unexpected(std::move(e)));
}

}  // namespace acmekit::server::va::remote
