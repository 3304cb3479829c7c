#include "client/dns/hetzner.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

class Hetzner : public Provider {
 public:
  Hetzner(std::string base, std::string token, std::shared_ptr<http::Client> http)
      : base_(std::move(base)), token_(std::move(token)), api_("Hetzner DNS", std::move(http)) {}

  std::string name() const override { return "Hetzner DNS"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's zones, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      for (int page = 1, last = 1; page <= last && page <= 100; ++page) {
        ACMEKIT_TRY(const json answer, call("GET", fmt::format("{}/zones?page={}&per_page=100", base_, page), ""));
        for (const auto& z : answer.value("zones", json::array())) {
          out.push_back(z.value("name", ""));
          ids_[acmekit::dns::normalize_name(z.value("name", ""))] = z.value("id", "");
        }
        if (answer.contains("meta") && answer["meta"].contains("pagination")) {
          last = answer["meta"]["pagination"].value("last_page", 1);
        }
      }
      return {};
    }, name());
  }

  // All of the zone's values in one bulk request.
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    json list = json::array();
    for (const auto& r : records) {
      list.push_back({{"zone_id", id_of(ids_, zone)}, {"type", "TXT"}, {"name", relative_name(zone, r.fqdn)},
                      {"value", r.value}, {"ttl", kChallengeTtl}});
    }
    ACMEKIT_TRY(const json answer, call("POST", base_ + "/records/bulk", json{{"records", list}}.dump()));
    if (const auto invalid = answer.value("invalid_records", json::array()); !invalid.empty()) {
      return make_error(ErrorKind::kFailedPrecondition,
                        fmt::format("Hetzner DNS: POST /records/bulk refused {} record(s): {}", invalid.size(),
                                    invalid.dump()));
    }
    return {};
  }

  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    ACMEKIT_TRY(const json answer, call("GET", base_ + "/records?zone_id=" + url_encode(id_of(ids_, zone)), ""));
    Status first;
    for (const auto& rec : answer.value("records", json::array())) {
      if (rec.value("type", "") != "TXT") continue;
      for (const auto& r : records) {
        // Only ours: the name and the very value.
        if (rec.value("name", "") != relative_name(zone, r.fqdn) || rec.value("value", "") != r.value) continue;
        auto deleted = call("DELETE", base_ + "/records/" + url_encode(rec.value("id", "")), "");
        if (!deleted && first) first = std::unexpected(std::move(deleted).error());
      }
    }
    return first;
  }

 private:
  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("auth-api-token", token_);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json::object() : parsed;
    // {"message": "Invalid authentication credentials"} or {"error": {"message": ..., "code": ...}}
    std::string cause;
    if (!parsed.is_discarded() && parsed.is_object()) {
      cause = parsed.value("message", "");
      if (cause.empty() && parsed.contains("error") && parsed["error"].is_object()) {
        cause = parsed["error"].value("message", "");
      }
    }
    std::string what = fmt::format("Hetzner DNS: {} {} failed (HTTP {}){}{}", method, url.substr(base_.size()),
                                   resp.status, cause.empty() ? "" : ": ", cause);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized, what + "; check dns_hetzner_api_token");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string base_;
  std::string token_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
  std::map<std::string, std::string> ids_;  // zone name -> zone id
};

}  // namespace

Result<std::unique_ptr<Provider>> make_hetzner(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(std::string token, c.require("dns_hetzner_api_token"));
  std::string base = c.get("dns_hetzner_api_url");
  if (base.empty()) base = kHetznerApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<Hetzner>(std::move(base), std::move(token), std::move(http));
}

}  // namespace acmekit::client::dns_api
