#include "client/dns/azure.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/oauth_token.h"
#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

struct Cloud {
  const char* name;
  const char* authority;  // Microsoft Entra ID login endpoint
  const char* arm;        // Resource Manager endpoint; the token's scope is ARM + "/.default"
};
// learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure,
// learn.microsoft.com/azure/china/resources-developer-guide
constexpr Cloud kClouds[] = {
    {"AzurePublicCloud", "https://login.microsoftonline.com", "https://management.azure.com"},
    {"AzureUSGovernmentCloud", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net"},
    {"AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn"},
};

std::string trimmed_url(std::string url) {
  while (url.ends_with("/")) url.pop_back();
  return url;
}

// A TXT record's value: its strings joined (one value may be split in 255-octet chunks).
std::string joined(const json& txt_record) {
  std::string out;
  for (const auto& part : txt_record.value("value", json::array())) {
    if (part.is_string()) out += part.get<std::string>();
  }
  return out;
}

class Azure : public Provider {
 public:
  Azure(std::string api, std::string token_url, std::string form, std::map<std::string, std::string> mapped,
        std::string resource_group, std::shared_ptr<http::Client> http)
      : api_url_(std::move(api)),
        mapped_(std::move(mapped)),
        resource_group_(std::move(resource_group)),
        api_("Azure DNS", std::move(http)),
        token_(std::move(token_url), [form = std::move(form)]() -> Result<std::string> { return form; },
               "check dns_azure_sp_client_id, dns_azure_sp_client_secret and dns_azure_tenant_id") {}

  std::string name() const override { return "Azure DNS"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    ZoneMatch match(fqdn);
    if (!mapped_.empty()) {
      for (const auto& [zone, group] : mapped_) {
        match.offer(zone);
        groups_[zone] = group;
      }
      return match.result(name(), "zone", "in the dns_azure_zoneN mappings");
    }
    // The resource group's zones, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      // learn.microsoft.com/rest/api/dns/zones/list-by-resource-group: {"value": [...], "nextLink": URL}
      std::string url = fmt::format("{}{}/providers/Microsoft.Network/dnsZones?api-version={}", api_url_,
                                    resource_group_, kAzureDnsApiVersion);
      for (int page = 0; page < 100 && !url.empty(); ++page) {
        ACMEKIT_TRY(const json answer, call("GET", url, ""));
        for (const auto& z : answer.value("value", json::array())) {
          out.push_back(z.value("name", ""));
          groups_[acmekit::dns::normalize_name(z.value("name", ""))] = resource_group_;
        }
        url = answer.value("nextLink", "");
        // The token goes only where the API is.
        if (!url.empty() && !url.starts_with(api_url_ + "/")) {
          return make_error(ErrorKind::kFailedPrecondition,
                            fmt::format("Azure DNS: nextLink {} is not under {}; not followed", url, api_url_));
        }
      }
      return {};
    }, name(), "zone", "in resource group " + resource_group_);
  }

  // Each name's record set: the values there and ours (PUT replaces it whole).
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& [rel, values] : by_name(zone, records)) {
      ACMEKIT_TRY(const json existing, record_set(zone, rel));
      json txt = existing.is_null() ? json::array() : existing["properties"].value("TXTRecords", json::array());
      bool changed = false;
      for (const auto& v : values) {
        if (std::ranges::none_of(txt, [&](const json& r) { return joined(r) == v; })) {
          txt.push_back({{"value", {v}}});
          changed = true;
        }
      }
      if (!changed) continue;
      ACMEKIT_CHECK(put(zone, rel, existing, txt));
    }
    return {};
  }

  // Each name's record set without ours: PUT the rest, or DELETE it when none is left.
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    Status first;
    for (const auto& [rel, values] : by_name(zone, records)) {
      auto existing = record_set(zone, rel);
      if (!existing) {
        if (first) first = std::unexpected(std::move(existing).error());
        continue;
      }
      if (existing->is_null()) continue;
      const json txt = (*existing)["properties"].value("TXTRecords", json::array());
      json rest = json::array();
      for (const auto& r : txt) {
        if (std::ranges::find(values, joined(r)) == values.end()) rest.push_back(r);
      }
      if (rest.size() == txt.size()) continue;
      auto done = rest.empty() ? remove(zone, rel) : put(zone, rel, *existing, rest);
      if (!done && first) first = std::unexpected(std::move(done).error());
    }
    return first;
  }

 private:
  // The values by name relative to the zone ("@" the apex), in order.
  static std::map<std::string, std::vector<std::string>> by_name(const std::string& zone,
                                                                 std::span<const TxtRecord> records) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& r : records) out[relative_name(zone, r.fqdn)].push_back(r.value);
    return out;
  }

  std::string record_url(const std::string& zone, const std::string& rel) {
    return fmt::format("{}{}/providers/Microsoft.Network/dnsZones/{}/TXT/{}?api-version={}", api_url_, id_of(groups_, zone),
                       url_encode(zone), rel == "@" ? rel : url_encode(rel), kAzureDnsApiVersion);
  }

  // learn.microsoft.com/rest/api/dns/record-sets/get: the record set, or null (HTTP 404).
  Result<json> record_set(const std::string& zone, const std::string& rel) {
    auto answer = call("GET", record_url(zone, rel), "");
    if (!answer && answer.error().kind == ErrorKind::kNotFound) return json();
    if (answer && !(*answer).contains("properties")) (*answer)["properties"] = json::object();
    return answer;
  }

  // learn.microsoft.com/rest/api/dns/record-sets/create-or-update; the TTL it had is kept.
  Status put(const std::string& zone, const std::string& rel, const json& existing, const json& txt) {
    const int ttl = existing.is_null() ? kChallengeTtl : existing["properties"].value("TTL", kChallengeTtl);
    const json body{{"properties", {{"TTL", ttl}, {"TXTRecords", txt}}}};
    ACMEKIT_TRY(const json answer, call("PUT", record_url(zone, rel), body.dump()));
    return {};
  }

  // learn.microsoft.com/rest/api/dns/record-sets/delete
  Status remove(const std::string& zone, const std::string& rel) {
    ACMEKIT_TRY(const json answer, call("DELETE", record_url(zone, rel), ""));
    return {};
  }

  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    ACMEKIT_TRY(const std::string authorization, token_.authorization(api_));
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("authorization", authorization);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json::object() : parsed;
    // {"error": {"code": "AuthorizationFailed", "message": "..."}} (ARM's error response)
    std::string cause;
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
      const std::string code = parsed["error"].value("code", ""), message = parsed["error"].value("message", "");
      cause = code.empty() ? message : message.empty() ? code : code + ": " + message;
    }
    cause = cause.substr(0, cause.find('\n'));
    std::string what = fmt::format("Azure DNS: {} {} failed (HTTP {}){}{}", method, url.substr(api_url_.size()),
                                   resp.status, cause.empty() ? "" : ": ", cause);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized,
                        what + "; the service principal needs the DNS Zone Contributor role on the zone or its "
                               "resource group");
    }
    if (resp.status == 404) return make_error(ErrorKind::kNotFound, what);
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string api_url_;
  std::map<std::string, std::string> mapped_;  // dns_azure_zoneN: zone -> /subscriptions/S/resourceGroups/RG
  std::string resource_group_;                 // without mappings: /subscriptions/S/resourceGroups/RG
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
  OAuthToken token_;
  std::map<std::string, std::string> groups_;  // zone -> its resource group path
};

}  // namespace

Result<std::unique_ptr<Provider>> make_azure(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(const std::string client_id, c.require("dns_azure_sp_client_id"));
  ACMEKIT_TRY(const std::string secret, c.require("dns_azure_sp_client_secret"));
  ACMEKIT_TRY(const std::string tenant, c.require("dns_azure_tenant_id"));
  const Cloud* cloud = &kClouds[0];
  if (const std::string env = c.get("dns_azure_environment"); !env.empty()) {
    cloud = nullptr;
    for (const auto& k : kClouds) {
      if (env == k.name) cloud = &k;
    }
    if (cloud == nullptr) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("{}: dns_azure_environment \"{}\" is not AzurePublicCloud, AzureUSGovernmentCloud "
                                    "or AzureChinaCloud",
                                    c.origin(), env));
    }
  }
  // certbot-dns-azure: dns_azure_zoneN = ZONE:/subscriptions/SUB/resourceGroups/RG
  std::map<std::string, std::string> mapped;
  for (const auto& [key, value] : c.with_prefix("dns_azure_zone")) {
    const auto colon = value.find(':');
    const std::string group = trimmed_url(colon == std::string::npos ? "" : value.substr(colon + 1));
    if (colon == 0 || !group.starts_with("/subscriptions/") || group.find("/resourceGroups/") == std::string::npos) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("{}: {} is not ZONE:/subscriptions/ID/resourceGroups/NAME", c.origin(), key));
    }
    mapped[acmekit::dns::normalize_name(value.substr(0, colon))] = group;
  }
  std::string resource_group;
  if (mapped.empty()) {
    const std::string sub = c.get("dns_azure_subscription_id"), rg = c.get("dns_azure_resource_group");
    if (sub.empty() || rg.empty()) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("{}: no zones: give dns_azure_zone1 = ZONE:/subscriptions/ID/resourceGroups/NAME, "
                                    "or dns_azure_subscription_id and dns_azure_resource_group",
                                    c.origin()));
    }
    resource_group = "/subscriptions/" + url_encode(sub) + "/resourceGroups/" + url_encode(rg);
  }
  std::string authority = c.get("dns_azure_authority_url"), api = c.get("dns_azure_api_url");
  authority = trimmed_url(authority.empty() ? cloud->authority : authority);
  api = trimmed_url(api.empty() ? cloud->arm : api);
  // learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  std::string form = form_encode({{"grant_type", "client_credentials"},
                                  {"client_id", client_id},
                                  {"client_secret", secret},
                                  {"scope", std::string(cloud->arm) + "/.default"}});
  return std::make_unique<Azure>(std::move(api), authority + "/" + url_encode(tenant) + "/oauth2/v2.0/token",
                                 std::move(form), std::move(mapped), std::move(resource_group), std::move(http));
}

}  // namespace acmekit::client::dns_api
