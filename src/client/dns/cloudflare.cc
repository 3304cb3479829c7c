#include "client/dns/cloudflare.h"

#include <fmt/format.h>
#include <map>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "client/dns/zone_cache.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

// certbot-dns-cloudflare's TTL for the challenge records.
constexpr int kCloudflareTtl = 120;
// GET /zones: per_page at most 50.
constexpr int kZonesPerPage = 50;
// "An identical record already exists." (a retried add).
constexpr int kIdenticalRecord = 81058;

class Cloudflare : public Provider {
 public:
  Cloudflare(std::string base, std::vector<std::pair<std::string, std::string>> auth,
             std::shared_ptr<http::Client> http)
      : base_(std::move(base)), auth_(std::move(auth)), api_("Cloudflare", std::move(http)) {}

  std::string name() const override { return "Cloudflare"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's zones, listed once a run (zone_cache.h), not looked up
    // by name per record: 1,000 names over 50 zones cost one page, not 3,000
    // requests. GET /zones pages of 50, the API's maximum per_page.
    auto zone = zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      for (int page = 1, pages = 1; page <= pages && page <= 100; ++page) {
        ACMEKIT_TRY(const json answer, call("GET", fmt::format("{}/zones?per_page={}&page={}", base_, kZonesPerPage, page), ""));
        for (const auto& z : answer.value("result", json::array())) {
          const std::string zone_name = acmekit::dns::normalize_name(z.value("name", ""));
          ids_[zone_name] = z.value("id", "");
          out.push_back(zone_name);
        }
        // result_info: {page, per_page, count, total_count, total_pages}
        const json info = answer.value("result_info", json::object());
        if (info.contains("total_pages")) {
          pages = info.value("total_pages", 1);
        } else if (info.contains("total_count")) {
          pages = static_cast<int>((info.value("total_count", 0L) + kZonesPerPage - 1) / kZonesPerPage);
        }
      }
      return {};
    }, name());
    // The listing worked but no zone holds the name (not an API error).
    if (!zone && zone.error().detail.starts_with("Cloudflare: no zone for ")) {
      zone.error().detail += "; is the domain on this account and does the token have Zone:Read for it?";
    }
    return zone;
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& r : records) {
      const std::string name = acmekit::dns::normalize_name(r.fqdn);
      json body{{"type", "TXT"}, {"name", name}, {"content", r.value}, {"ttl", kCloudflareTtl}};
      auto created = call("POST", base_ + "/zones/" + zone_id(zone) + "/dns_records", body.dump());
      if (!created && created.error().status == kIdenticalRecord) continue;
      if (!created) return std::unexpected(std::move(created).error());
    }
    return {};
  }

  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    Status first;
    for (const auto& r : records) {
      const std::string name = acmekit::dns::normalize_name(r.fqdn);
      const std::string records_url = base_ + "/zones/" + zone_id(zone) + "/dns_records";
      auto found = call("GET", records_url + "?type=TXT&name=" + url_encode(name) + "&content=" + url_encode(r.value), "");
      if (!found) {
        if (first) first = std::unexpected(std::move(found).error());
        continue;
      }
      for (const auto& rec : found->value("result", json::array())) {
        // Only ours: the API's filter is exact, check again all the same.
        if (rec.value("content", "") != r.value && rec.value("content", "") != "\"" + r.value + "\"") continue;
        auto deleted = call("DELETE", records_url + "/" + rec.value("id", ""), "");
        if (!deleted && first) first = std::unexpected(std::move(deleted).error());
      }
    }
    return first;
  }

 private:
  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    http::Request req{.method = method, .url = url, .body = body};
    for (const auto& [k, v] : auth_) req.headers.add(k, v);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    const bool success = !parsed.is_discarded() && parsed.is_object() && parsed.value("success", false);
    if (resp.status >= 200 && resp.status < 300 && success) return parsed;
    // {"success": false, "errors": [{"code": 9109, "message": "Invalid access token"}], ...}
    std::string cause;
    int code = 0;
    if (!parsed.is_discarded() && parsed.is_object()) {
      for (const auto& e : parsed.value("errors", json::array())) {
        if (code == 0) code = e.value("code", 0);
        cause += fmt::format("{}{} {}", cause.empty() ? "" : "; ", e.value("code", 0), e.value("message", ""));
        for (const auto& chain : e.value("error_chain", json::array())) {
          cause += fmt::format(" ({} {})", chain.value("code", 0), chain.value("message", ""));
        }
      }
    }
    if (cause.empty()) cause = "HTTP " + std::to_string(resp.status);
    std::string path = url.substr(base_.size());
    std::string what = fmt::format("Cloudflare: {} {} failed (HTTP {}): {}", method, path, resp.status, cause);
    ErrorKind kind = ErrorKind::kFailedPrecondition;
    if (resp.status == 401 || resp.status == 403) {
      kind = ErrorKind::kUnauthorized;
      what += "; check the API token and that it has Zone:Read and DNS:Edit for the zone";
    } else if (resp.status >= 500) {
      kind = ErrorKind::kUnavailable;
    }
    auto err = make_error(kind, what);
    err.error().status = code;  // the API's error code (kIdenticalRecord)
    return err;
  }

  std::string base_;
  std::vector<std::pair<std::string, std::string>> auth_;
  ApiClient api_;
  std::string zone_id(const std::string& zone) const { return id_of(ids_, zone); }

  ZoneCache zones_;
  std::map<std::string, std::string> ids_;  // zone name -> zone id
};

}  // namespace

Result<std::unique_ptr<Provider>> make_cloudflare(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  std::vector<std::pair<std::string, std::string>> auth;
  if (std::string token = c.get("dns_cloudflare_api_token"); !token.empty()) {
    auth.emplace_back("authorization", "Bearer " + token);
  } else if (!c.get("dns_cloudflare_api_key").empty()) {
    ACMEKIT_TRY(std::string email, c.require("dns_cloudflare_email"));
    auth.emplace_back("x-auth-email", email);
    auth.emplace_back("x-auth-key", c.get("dns_cloudflare_api_key"));
  } else {
    return make_error(ErrorKind::kInvalidArgument,
                      c.origin() + ": dns_cloudflare_api_token is missing (or dns_cloudflare_email + dns_cloudflare_api_key)");
  }
  std::string base = c.get("dns_cloudflare_api_url");
  if (base.empty()) base = kCloudflareApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<Cloudflare>(std::move(base), std::move(auth), std::move(http));
}

}  // namespace acmekit::client::dns_api
