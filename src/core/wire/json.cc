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
  }
  return d;
}

// RFC 8555 §7.1.2
Result<Account> parse_account(const json& j) {
  Account a{.status = str(j, "status"), .contact = str_list(j, "contact"), .orders = str(j, "orders")};
  if (a.status.empty()) return bad("account", "no status");
  return a;
}

// RFC 8555 §7.1.3
Result<Order> parse_order(const json& j) {
  Order o{.status = str(j, "status"),
          .expires = str(j, "expires"),
          .authorizations = str_list(j, "authorizations"),
          .finalize = str(j, "finalize"),
          .certificate = str(j, "certificate"),
          .error_json = raw(j, "error"),
          .replaces = str(j, "replaces")};
  if (o.status.empty()) return bad("order", "no status");
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
  Challenge c{.type = str(j, "type"),
              .url = str(j, "url"),
              .status = str(j, "status"),
              .token = str(j, "token"),
              .validated = str(j, "validated"),
              .error_json = raw(j, "error")};
  if (c.type.empty() || c.url.empty() || c.status.empty()) {
    return bad("challenge", "missing type, url or status");
  }
  return c;
}

// RFC 8555 §7.1.4
Result<Authorization> parse_authorization(const json& j) {
  Authorization a{.status = str(j, "status"), .expires = str(j, "expires")};
  auto id = j.find("identifier");
  if (id == j.end()) return bad("authorization", "no identifier");
  ACMEKIT_TRY(a.identifier, parse_identifier(*id));
  if (a.status.empty()) return bad("authorization", "no status");
  if (auto w = j.find("wildcard"); w != j.end() && w->is_boolean()) a.wildcard = w->get<bool>();
  if (auto cs = j.find("challenges"); cs != j.end() && cs->is_array()) {
    for (const auto& c : *cs) {
      auto parsed = parse_challenge(c);
      // §7.1.4: a client ignores challenges it does not understand, but a
      // challenge without its basic fields is a malformed answer.
      if (!parsed) return std::unexpected(parsed.error());
      a.challenges.push_back(std::move(*parsed));
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
