#include "client/dns/google.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/oauth_token.h"
#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/base64url.h"
#include "core/crypto/key.h"
#include "core/dns/message.h"
#include "core/jose/jws.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

// A TXT rrdata as the API writes it: the value in double quotes.
std::string quoted(const std::string& value) { return "\"" + value + "\""; }
std::string unquoted(std::string data) {
  if (data.size() >= 2 && data.front() == '"' && data.back() == '"') data = data.substr(1, data.size() - 2);
  return data;
}

struct ServiceAccount {
  std::string email, key_id, token_uri, project;
  crypto::PrivateKey key;
};

Result<ServiceAccount> service_account(const CredentialsFile& c) {
  if (const std::string type = c.get("type"); type != "service_account") {
    return make_error(ErrorKind::kInvalidArgument,
                      fmt::format("{}: not a service account key (type is \"{}\", want \"service_account\")",
                                  c.origin(), type));
  }
  ServiceAccount sa;
  ACMEKIT_TRY(sa.email, c.require("client_email"));
  ACMEKIT_TRY(const std::string pem, c.require("private_key"));
  auto key = crypto::PrivateKey::from_pem(pem);
  if (!key || key->algorithm() != crypto::KeyAlgorithm::kRsa) {
    // Never the key's text.
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{}: private_key is not an RSA private key", c.origin()));
  }
  sa.key = *key;
  sa.key_id = c.get("private_key_id");
  sa.token_uri = c.get("token_uri");
  if (sa.token_uri.empty()) sa.token_uri = kGoogleTokenUri;
  sa.project = c.get("dns_google_project");
  if (sa.project.empty()) sa.project = c.get("project_id");
  if (sa.project.empty()) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{}: project_id is missing", c.origin()));
  }
  return sa;
}

Result<std::string> assertion(const ServiceAccount& sa, long iat) {
  json header{{"alg", "RS256"}, {"typ", "JWT"}};
  if (!sa.key_id.empty()) header["kid"] = sa.key_id;
  const json claims{{"iss", sa.email}, {"scope", kGoogleDnsScope}, {"aud", sa.token_uri},
                    {"iat", iat},      {"exp", iat + 3600}};
  const std::string input =
      base64url_encode(jose::compact_json(header)) + "." + base64url_encode(jose::compact_json(claims));
  // RS256 (RFC 7518 §3.3), the signing the ACME JWS uses.
  ACMEKIT_TRY(const std::string signature, sa.key.sign_jws(input));
  return input + "." + base64url_encode(signature);
}

class Google : public Provider {
 public:
  Google(ServiceAccount sa, std::string base, std::shared_ptr<http::Client> http)
      : sa_(std::move(sa)),
        base_(std::move(base)),
        project_path_("/projects/" + url_encode(sa_.project)),
        api_("Google Cloud DNS", std::move(http)),
        token_(sa_.token_uri, [this] { return form(); }, "check the service account key in dns_google_credentials") {}

  std::string name() const override { return "Google Cloud DNS"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The project's managed zones, listed once a run (zone_cache.h).
    return zone_list_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      std::string page_token;
      for (int page = 0; page < 100; ++page) {
        std::string path = project_path_ + "/managedZones";
        if (!page_token.empty()) path += "?pageToken=" + url_encode(page_token);
        ACMEKIT_TRY(const json answer, call("GET", path, ""));
        for (const auto& z : answer.value("managedZones", json::array())) {
          // A private zone answers only inside its VPC networks, not the CA.
          if (z.value("visibility", "public") == "private") continue;
          out.push_back(z.value("dnsName", ""));
          zones_[acmekit::dns::normalize_name(z.value("dnsName", ""))] = z.value("name", "");
        }
        page_token = answer.value("nextPageToken", "");
        if (page_token.empty()) break;
      }
      return {};
    }, name(), "zone", fmt::format("in project {}", sa_.project));
  }

  // One change: every name's rrset replaced by the union with ours.
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return change(zone, records, true);
  }

  // One change: every name's rrset replaced by the rest (deleted if none).
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return change(zone, records, false);
  }

 private:
  Result<std::string> form() {
    const long iat = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    ACMEKIT_TRY(const std::string jwt, assertion(sa_, iat));
    return form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", jwt}});
  }

  Status change(const std::string& zone, std::span<const TxtRecord> records, bool add) {
    const std::string zone_path = project_path_ + "/managedZones/" + url_encode(id_of(zones_, zone));
    // The values by name (the apex and the wildcard share one), in order.
    std::map<std::string, std::vector<std::string>> by_name;
    for (const auto& r : records) by_name[acmekit::dns::normalize_name(r.fqdn) + "."].push_back(r.value);
    json additions = json::array(), deletions = json::array();
    for (const auto& [fqdn, values] : by_name) {
      ACMEKIT_TRY(const json answer,
                  call("GET", zone_path + "/rrsets?name=" + url_encode(fqdn) + "&type=TXT", ""));
      json existing;
      for (const auto& rr : answer.value("rrsets", json::array())) {
        if (rr.value("type", "") == "TXT" && acmekit::dns::normalize_name(rr.value("name", "")) + "." == fqdn) {
          existing = rr;
        }
      }
      std::vector<std::string> now;  // the rrdatas, as the API has them
      if (!existing.is_null()) {
        for (const auto& d : existing.value("rrdatas", json::array())) now.push_back(d.get<std::string>());
      }
      auto holds = [&](const std::string& value) {
        return std::ranges::any_of(now, [&](const std::string& d) { return unquoted(d) == value; });
      };
      std::vector<std::string> next;
      if (add) {
        next = now;
        for (const auto& v : values) {
          if (!holds(v) && std::ranges::find(next, quoted(v)) == next.end()) next.push_back(quoted(v));
        }
      } else {
        for (const auto& d : now) {
          if (std::ranges::find(values, unquoted(d)) == values.end()) next.push_back(d);
        }
      }
      if (next == now) continue;  // nothing to change at this name
      // Kept: the TTL the rrset has; a new one gets ours.
      const int ttl = existing.is_null() ? kChallengeTtl : existing.value("ttl", kChallengeTtl);
      if (!existing.is_null()) {
        deletions.push_back({{"name", fqdn}, {"type", "TXT"}, {"ttl", ttl}, {"rrdatas", now}});
      }
      if (!next.empty()) additions.push_back({{"name", fqdn}, {"type", "TXT"}, {"ttl", ttl}, {"rrdatas", next}});
    }
    if (additions.empty() && deletions.empty()) return {};
    json body{{"kind", "dns#change"}, {"additions", additions}, {"deletions", deletions}};
    ACMEKIT_TRY(json answer, call("POST", zone_path + "/changes", body.dump()));
    // A change is "pending" until served everywhere; wait for "done" (certbot does).
    for (int i = 0; i < 120 && answer.value("status", "done") == "pending" && answer.contains("id"); ++i) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      ACMEKIT_TRY(answer, call("GET", zone_path + "/changes/" + url_encode(answer.value("id", "")), ""));
    }
    return {};
  }

  Result<json> call(const std::string& method, const std::string& path, const std::string& body) {
    ACMEKIT_TRY(const std::string authorization, token_.authorization(api_));
    http::Request req{.method = method, .url = base_ + path, .body = body};
    req.headers.add("authorization", authorization);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json::object() : parsed;
    // {"error": {"code": 403, "message": "...", "errors": [{"reason": "forbidden"}], "status": "PERMISSION_DENIED"}}
    std::string cause, status;
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
      const json& e = parsed["error"];
      cause = e.value("message", "");
      status = e.value("status", "");
      if (cause.empty() && e.contains("errors") && e["errors"].is_array() && !e["errors"].empty() &&
          e["errors"][0].is_object()) {
        cause = e["errors"][0].value("reason", "");
      }
    }
    cause = cause.substr(0, cause.find('\n'));
    std::string what = fmt::format("Google Cloud DNS: {} {} failed (HTTP {}){}{}", method, path, resp.status,
                                   cause.empty() ? "" : ": ", cause);
    if (resp.status == 403 || status == "PERMISSION_DENIED") {
      return make_error(ErrorKind::kUnauthorized,
                        fmt::format("{}; the service account {} needs the DNS Administrator role (roles/dns.admin) "
                                    "in project {}",
                                    what, sa_.email, sa_.project));
    }
    if (resp.status == 401) {
      return make_error(ErrorKind::kUnauthorized, what + "; check the service account key in dns_google_credentials");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  ServiceAccount sa_;
  std::string base_;
  std::string project_path_;
  ApiClient api_;
  ZoneCache zone_list_;  // the project's managed zones, once a run
  OAuthToken token_;
  std::map<std::string, std::string> zones_;  // dnsName (normalized) -> managed zone name
};

}  // namespace

Result<std::string> google_jwt_assertion(const CredentialsFile& credentials, long iat) {
  ACMEKIT_TRY(const ServiceAccount sa, service_account(credentials));
  return assertion(sa, iat);
}

Result<std::unique_ptr<Provider>> make_google(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(ServiceAccount sa, service_account(c));
  std::string base = c.get("dns_google_api_url");
  if (base.empty()) base = kGoogleDnsApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<Google>(std::move(sa), std::move(base), std::move(http));
}

}  // namespace acmekit::client::dns_api
