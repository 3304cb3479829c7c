#include "core/wire/json.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace acmekit::wire {
namespace {
using nlohmann::json;

std::unexpected<Error> bad(std::string_view what, std::string_view why) {
  return make_error(ErrorKind::kProtocol,
                    "malformed " + std::string(what) + " from the server: " + std::string(why));
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::vector<std::string> str_list(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<std::string> raw(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->dump();
}

Result<Identifier> parse_identifier(const json& j) {
  if (!j.is_object()) return bad("identifier", "not an object");
  Identifier id{.type = str(j, "type"), .value = str(j, "value")};
  if (id.type.empty() || id.value.empty()) return bad("identifier", "missing type or value");
  return id;
}

}  // namespace

Result<json> parse_json(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    std::string head(text.substr(0, 60));
    std::replace_if(head.begin(), head.end(), [](unsigned char c) { return c < 0x20; }, ' ');
    return bad(what, "not JSON (starts with \"" + head + "\")");
  }
  if (!j.is_object()) return bad(what, "not a JSON object");
  return j;
}

// RFC 8555 §7.1.1
Result<Directory> parse_directory(const json& j) {
  Directory d{.new_nonce = str(j, "newNonce"),
              .new_account = str(j, "newAccount"),
              .new_order = str(j, "newOrder"),
              .new_authz = str(j, "newAuthz"),
              .revoke_cert = str(j, "revokeCert"),
              .key_change = str(j, "keyChange"),
              .renewal_info = str(j, "renewalInfo")};
  if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty()) {
    return make_error(ErrorKind::kProtocol,
                      "not an ACME directory: newNonce, newAccount or newOrder is missing");
  }
  if (auto m = j.find("meta"); m != j.end() && m->is_object()) {
    d.meta.terms_of_service = str(*m, "termsOfService");
    d.meta.website = str(*m, "website");
    d.meta.caa_identities = str_list(*m, "caaIdentities");
    if (auto e = m->find("externalAccountRequired"); e != m->end() && e->is_boolean()) {
      d.meta.external_account_required = e->get<bool>();
    }
    // draft-ietf-acme-profiles §3: a map of profile names to descriptions
    // (nlohmann's object iterates sorted by name). A description that is
    // not a string is kept as an empty one: the name is what a client sends.
    if (auto ps = m->find("profiles"); ps != m->end() && ps->is_object()) {
      for (const auto& [name, description] : ps->items()) {
        if (name.empty()) continue;
        d.meta.profiles.push_back({.name = name,
                                   .description = description.is_string() ? description.get<std::string>() : ""});
      }
    }
  }
  return d;
}

namespace {

// A resource's "status" (§7.1.6): one of the statuses, else a protocol error.
Result<AcmeStatus> status_of(const json& j, std::string_view what) {
  const std::string text = str(j, "status");
  if (text.empty()) return bad(what, "no status");
  auto status = parse_status(text);
  if (!status) return bad(what, "unknown status \"" + text + "\"");
  return *status;
}

}  // namespace

// RFC 8555 §7.1.2
Result<Account> parse_account(const json& j) {
  ACMEKIT_TRY(auto status, status_of(j, "account"));
  return Account{.status = status, .contact = str_list(j, "contact"), .orders = str(j, "orders")};
}

// RFC 8555 §7.1.3
Result<Order> parse_order(const json& j) {
  ACMEKIT_TRY(auto status, status_of(j, "order"));
  Order o{.status = status,
          .expires = str(j, "expires"),
          .authorizations = str_list(j, "authorizations"),
          .finalize = str(j, "finalize"),
          .certificate = str(j, "certificate"),
          .error_json = raw(j, "error"),
          .replaces = str(j, "replaces"),
          .profile = str(j, "profile")};  // draft-ietf-acme-profiles §4
  if (o.finalize.empty()) return bad("order", "no finalize URL");
  if (auto ids = j.find("identifiers"); ids != j.end() && ids->is_array()) {
    for (const auto& v : *ids) {
      ACMEKIT_TRY(auto id, parse_identifier(v));
      o.identifiers.push_back(std::move(id));
    }
  }
  return o;
}

// RFC 8555 §7.1.5 / §8
Result<Challenge> parse_challenge(const json& j) {
  if (!j.is_object()) return bad("challenge", "not an object");
  const std::string type_text = str(j, "type"), url = str(j, "url");
  if (type_text.empty() || url.empty()) return bad("challenge", "missing type, url or status");
  auto type = parse_challenge_type(type_text);
  if (!type) return bad("challenge", "unknown type \"" + type_text + "\"");
  ACMEKIT_TRY(auto status, status_of(j, "challenge"));
  return Challenge{.type = *type,
                   .url = url,
                   .status = status,
                   .token = str(j, "token"),
                   .validated = str(j, "validated"),
                   .error_json = raw(j, "error")};
}

// RFC 8555 §7.1.4
Result<Authorization> parse_authorization(const json& j) {
  ACMEKIT_TRY(auto status, status_of(j, "authorization"));
  Authorization a{.status = status, .expires = str(j, "expires")};
  auto id = j.find("identifier");
  if (id == j.end()) return bad("authorization", "no identifier");
  ACMEKIT_TRY(a.identifier, parse_identifier(*id));
  if (auto w = j.find("wildcard"); w != j.end() && w->is_boolean()) a.wildcard = w->get<bool>();
  if (auto cs = j.find("challenges"); cs != j.end() && cs->is_array()) {
    for (const auto& c : *cs) {
      // §7.1.4: a client ignores challenges it does not understand, but a
      // challenge without its basic fields is a malformed answer.
      if (c.is_object() && !str(c, "type").empty() && !parse_challenge_type(str(c, "type"))) continue;
      ACMEKIT_TRY(auto parsed, parse_challenge(c));
      a.challenges.push_back(std::move(parsed));
    }
  }
  return a;
}

json to_json(const Identifier& id) { return json{{"type", id.type}, {"value", id.value}}; }

Identifier identifier_for(std::string_view name) {
  std::string s(name);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return {"ip", s};
  std::string v6 = s;
  if (v6.size() > 2 && v6.front() == '[' && v6.back() == ']') v6 = v6.substr(1, v6.size() - 2);
  if (inet_pton(AF_INET6, v6.c_str(), buf) == 1) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, buf, text, sizeof text);  // RFC 5952 canonical form
    return {"ip", text};
  }
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return {"dns", s};
}

}  // namespace acmekit::wire
