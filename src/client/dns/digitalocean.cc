#include "client/dns/digitalocean.h"


#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

constexpr int kTtl = 30;  // certbot-dns-digitalocean's

class DigitalOcean : public Provider {
 public:
  DigitalOcean(std::string base, std::string token, std::shared_ptr<http::Client> http)
      : base_(std::move(base)), token_(std::move(token)), api_("DigitalOcean", std::move(http)) {}

  std::string name() const override { return "DigitalOcean"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's domains, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      std::string url = base_ + "/domains?per_page=200";
      for (int page = 0; page < 100 && !url.empty(); ++page) {
        ACMEKIT_TRY(const json answer, call("GET", url, ""));
        for (const auto& d : answer.value("domains", json::array())) out.push_back(d.value("name", ""));
        url.clear();
        if (answer.contains("links") && answer["links"].contains("pages")) {
          url = answer["links"]["pages"].value("next", "");
        }
        // The token goes with every request: a next link elsewhere (another
        // host, plain http) is not followed.
        if (!url.empty() && !url.starts_with(base_ + "/")) {
          return make_error(ErrorKind::kFailedPrecondition,
                            fmt::format("DigitalOcean: the domain list's next page {} is not under {}", url, base_));
        }
      }
      return {};
    }, name(), "domain");
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& r : records) {
      json body{{"type", "TXT"}, {"name", relative_name(zone, r.fqdn)}, {"data", r.value}, {"ttl", kTtl}};
      ACMEKIT_CHECK(call("POST", base_ + "/domains/" + zone + "/records", body.dump()));
    }
    return {};
  }

  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    Status first;
    for (const auto& r : records) {
      const std::string name = acmekit::dns::normalize_name(r.fqdn);
      auto found = call("GET", base_ + "/domains/" + zone + "/records?type=TXT&name=" + url_encode(name) +
                                   "&per_page=200", "");
      if (!found) {
        if (first) first = std::unexpected(std::move(found).error());
        continue;
      }
      for (const auto& rec : found->value("domain_records", json::array())) {
        if (rec.value("data", "") != r.value) continue;  // only ours
        auto deleted = call("DELETE", base_ + "/domains/" + zone + "/records/" + std::to_string(rec.value("id", 0L)), "");
        if (!deleted && first) first = std::unexpected(std::move(deleted).error());
      }
    }
    return first;
  }

 private:
  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("authorization", "Bearer " + token_);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json::object() : parsed;
    // {"id": "unauthorized", "message": "Unable to authenticate you."}
    std::string cause = fmt::format("HTTP {}", resp.status);
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("id")) {
      cause += fmt::format(": {} ({})", parsed.value("message", ""), parsed.value("id", ""));
    }
    std::string what = fmt::format("DigitalOcean: {} {} failed, {}", method, url.substr(base_.size()), cause);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized, what + "; check dns_digitalocean_token (it needs write scope)");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string base_;
  std::string token_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
};

}  // namespace

Result<std::unique_ptr<Provider>> make_digitalocean(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(std::string token, c.require("dns_digitalocean_token"));
  std::string base = c.get("dns_digitalocean_api_url");
  if (base.empty()) base = kDigitalOceanApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<DigitalOcean>(std::move(base), std::move(token), std::move(http));
}

}  // namespace acmekit::client::dns_api
