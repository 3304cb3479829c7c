#include "client/dns/powerdns.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include <nlohmann/json.hpp>

#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

class PowerDns : public Provider {
 public:
  PowerDns(std::string base, std::string key, std::shared_ptr<http::Client> http)
      : base_(std::move(base)), key_(std::move(key)), api_("PowerDNS", std::move(http)) {}

  std::string name() const override { return "PowerDNS"; }
  // One zone at a time: with its gsqlite3 backend, PowerDNS 4.7 answers
  // concurrent PATCHes with HTTP 500 "database is locked" (found by
  // test_dns_scale.sh); one PATCH per zone is cheap on one's own server.
  int parallel_zones() const override { return 1; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The server's zones, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      ACMEKIT_TRY(const json zones, call("GET", base_ + "/zones", ""));
      for (const auto& z : zones.is_array() ? zones : json::array()) {
        const std::string zone = acmekit::dns::normalize_name(z.value("name", ""));
        ids_[zone] = z.value("id", zone + ".");
        out.push_back(zone);
      }
      return {};
    }, name(), "zone", "on this server");
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return change(zone, records, true);
  }
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return change(zone, records, false);
  }

 private:
  std::string zone_url(const std::string& zone) {
    auto it = ids_.find(zone);
    return base_ + "/zones/" + url_encode(it == ids_.end() ? zone + "." : it->second);
  }

  // The zone's TXT sets at our names, changed, written back in one PATCH.
  Status change(const std::string& zone, std::span<const TxtRecord> records, bool add) {
    ACMEKIT_TRY(const json current, call("GET", zone_url(zone), ""));
    std::map<std::string, std::pair<int, std::vector<std::string>>> sets;  // name. -> ttl, contents
    for (const auto& r : records) sets.try_emplace(acmekit::dns::normalize_name(r.fqdn) + ".", kChallengeTtl, std::vector<std::string>{});
    for (const auto& rr : current.value("rrsets", json::array())) {
      if (rr.value("type", "") != "TXT") continue;
      auto it = sets.find(acmekit::dns::normalize_name(rr.value("name", "")) + ".");
      if (it == sets.end()) continue;
      it->second.first = rr.value("ttl", kChallengeTtl);
      for (const auto& rec : rr.value("records", json::array())) it->second.second.push_back(rec.value("content", ""));
    }
    for (const auto& r : records) {
      auto& contents = sets[acmekit::dns::normalize_name(r.fqdn) + "."].second;
      const std::string quoted = "\"" + r.value + "\"";
      const auto at = std::find(contents.begin(), contents.end(), quoted);
      if (add && at == contents.end()) contents.push_back(quoted);
      if (!add && at != contents.end()) contents.erase(at);
    }
    json rrsets = json::array();
    for (const auto& [name, set] : sets) {
      json rr{{"name", name}, {"type", "TXT"}};
      if (set.second.empty()) {
        rr["changetype"] = "DELETE";
      } else {
        rr["changetype"] = "REPLACE";
        rr["ttl"] = set.first;
        json recs = json::array();
        for (const auto& c : set.second) recs.push_back({{"content", c}, {"disabled", false}});
        rr["records"] = recs;
      }
      rrsets.push_back(rr);
    }
    ACMEKIT_TRY(const json ignored, call("PATCH", zone_url(zone), json{{"rrsets", rrsets}}.dump()));
    (void)ignored;
    return {};
  }

  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("x-api-key", key_);
    req.headers.add("accept", "application/json");
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    if (resp.status >= 200 && resp.status < 300) {
      if (resp.body.empty()) return json();
      auto parsed = json::parse(resp.body, nullptr, false);
      if (parsed.is_discarded()) {
        return make_error(ErrorKind::kProtocol, fmt::format("PowerDNS: {} {}: the answer is not JSON", method, url));
      }
      return parsed;
    }
    // The API's errors: {"error": "..."} (plain text for 401 on some versions).
    std::string cause;
    auto parsed = json::parse(resp.body, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("error")) cause = parsed.value("error", "");
    if (cause.empty()) cause = resp.body.substr(0, 200);
    while (!cause.empty() && (cause.back() == '\n' || cause.back() == '\r')) cause.pop_back();
    std::string what = fmt::format("PowerDNS: {} {} answered HTTP {}", method, url, resp.status);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized, what + ": the API key was refused (dns_powerdns_api_key): " + cause);
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what + ": " + cause);
  }

  std::string base_;
  std::string key_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
  std::map<std::string, std::string> ids_;  // zone -> the API's zone id
};

}  // namespace

Result<std::unique_ptr<Provider>> make_powerdns(const CredentialsFile& credentials,
                                                std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(std::string url, credentials.require("dns_powerdns_api_url"));
  ACMEKIT_TRY(std::string key, credentials.require("dns_powerdns_api_key"));
  while (url.ends_with("/")) url.pop_back();
  if (!url.ends_with("/api/v1")) url += "/api/v1";
  std::string server = credentials.get("dns_powerdns_server_id");
  if (server.empty()) server = "localhost";
  return std::make_unique<PowerDns>(url + "/servers/" + url_encode(server), std::move(key), std::move(http));
}

}  // namespace acmekit::client::dns_api
