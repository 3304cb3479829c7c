#include "client/dns/ovh.h"

#include <algorithm>
#include <mutex>
#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/crypto/digest.h"
#include "core/dns/message.h"
#include "core/hex.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

// python-ovh's endpoint names, which certbot-dns-ovh's dns_ovh_endpoint takes.
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kEndpoints{{
    {"ovh-eu", "https://eu.api.ovh.com/1.0"},
    {"ovh-ca", "https://ca.api.ovh.com/1.0"},
    {"ovh-us", "https://api.us.ovhcloud.com/1.0"},
    {"kimsufi-eu", "https://eu.api.kimsufi.com/1.0"},
    {"kimsufi-ca", "https://ca.api.kimsufi.com/1.0"},
    {"soyoustart-eu", "https://eu.api.soyoustart.com/1.0"},
    {"soyoustart-ca", "https://ca.api.soyoustart.com/1.0"},
}};

// OVH returns a TXT target as written, or wrapped in quotes: both are ours.
bool same_target(const std::string& target, const std::string& value) {
  return target == value || target == "\"" + value + "\"";
}

class Ovh : public Provider {
 public:
  Ovh(std::string base, std::string ak, std::string as, std::string ck, std::shared_ptr<http::Client> http,
      std::function<std::int64_t()> now)
      : base_(std::move(base)),
        ak_(std::move(ak)),
        as_(std::move(as)),
        ck_(std::move(ck)),
        now_(std::move(now)),
        api_("OVH", std::move(http)) {}

  std::string name() const override { return "OVH"; }

  // GET /domain/zone: ["example.com", ...] (not paged).
  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's zones, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      ACMEKIT_TRY(const json zones, call("GET", "/domain/zone", ""));
      for (const auto& z : zones) {
        if (z.is_string()) out.push_back(z.get<std::string>());
      }
      return {};
    }, name());
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& r : records) {
      json body{{"fieldType", "TXT"}, {"subDomain", relative_name(zone, r.fqdn, "")}, {"target", r.value},
                {"ttl", kChallengeTtl}};
      ACMEKIT_CHECK(call("POST", "/domain/zone/" + url_encode(zone) + "/record", body.dump()));
    }
    return refresh(zone);
  }

  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    const std::string records_url = "/domain/zone/" + url_encode(zone) + "/record";
    Status first;
    auto keep_first = [&first](Status s) {
      if (!s && first) first = std::move(s);
    };
    bool deleted = false;
    std::vector<std::string> looked_up;  // subdomains already listed
    for (const auto& r : records) {
      const std::string sub = relative_name(zone, r.fqdn, "");
      if (std::ranges::find(looked_up, sub) != looked_up.end()) continue;
      looked_up.push_back(sub);
      auto ids = call("GET", records_url + "?fieldType=TXT&subDomain=" + url_encode(sub), "");
      if (!ids) {
        keep_first(std::unexpected(std::move(ids).error()));
        continue;
      }
      for (const auto& id : *ids) {
        if (!id.is_number_integer()) continue;
        const std::string record_url = records_url + "/" + std::to_string(id.get<std::int64_t>());
        auto rec = call("GET", record_url, "");
        if (!rec) {
          keep_first(std::unexpected(std::move(rec).error()));
          continue;
        }
        const std::string target = rec->is_object() ? rec->value("target", "") : "";
        bool ours = false;
        for (const auto& o : records) {
          ours = ours || (relative_name(zone, o.fqdn, "") == sub && same_target(target, o.value));
        }
        if (!ours) continue;
        auto gone = call("DELETE", record_url, "");
        if (gone) {
          deleted = true;
        } else {
          keep_first(std::unexpected(std::move(gone).error()));
        }
      }
    }
    if (deleted) keep_first(refresh(zone));
    return first;
  }

 private:
  // POST /domain/zone/Z/refresh: applies the zone's changes (one per zone, however many records).
  Status refresh(const std::string& zone) {
    ACMEKIT_CHECK(call("POST", "/domain/zone/" + url_encode(zone) + "/refresh", ""));
    return {};
  }


  // The API's clock now: the local one plus the offset to GET /auth/time (asked once).
  Result<std::int64_t> timestamp() {
    std::lock_guard lock(offset_mu_);  // zones updated at once: /auth/time asked once
    if (!offset_) {
      const std::int64_t before = now_();
      ACMEKIT_TRY(const http::Response resp, api_.send(http::Request{.method = "GET", .url = base_ + "/auth/time"}));
      const auto parsed = json::parse(resp.body, nullptr, false);
      if (resp.status != 200 || !parsed.is_number_integer()) {
        return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition,
                          fmt::format("OVH: GET /auth/time failed (HTTP {}): expected the API's Unix time", resp.status));
      }
      offset_ = parsed.get<std::int64_t>() - before;
    }
    return now_() + *offset_;
  }

  Result<json> call(const std::string& method, const std::string& path, const std::string& body) {
    ACMEKIT_TRY(const std::int64_t ts, timestamp());
    const std::string url = base_ + path;
    const std::string t = std::to_string(ts);
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("x-ovh-application", ak_);
    req.headers.add("x-ovh-consumer", ck_);
    req.headers.add("x-ovh-timestamp", t);
    req.headers.add("x-ovh-signature",
                    "$1$" + to_hex(crypto::sha1(as_ + "+" + ck_ + "+" + method + "+" + url + "+" + body + "+" + t)));
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json() : parsed;
    // {"message": "This credential is not valid", "errorCode": "INVALID_CREDENTIAL", "httpCode": "403 Forbidden"}
    std::string message, code;
    if (!parsed.is_discarded() && parsed.is_object()) {
      if (parsed.contains("message") && parsed["message"].is_string()) message = parsed["message"].get<std::string>();
      if (parsed.contains("errorCode") && parsed["errorCode"].is_string()) code = parsed["errorCode"].get<std::string>();
    }
    std::string what =
        fmt::format("OVH: {} {} failed (HTTP {}){}{}", method, path, resp.status, message.empty() ? "" : ": ", message);
    if (resp.status == 401 || resp.status == 403 || message == "Invalid signature" || code == "INVALID_SIGNATURE") {
      return make_error(ErrorKind::kUnauthorized,
                        what + "; check dns_ovh_application_key, dns_ovh_application_secret and dns_ovh_consumer_key "
                               "(the consumer key needs the access rules GET, POST and DELETE on /domain/zone/*)");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string base_;
  std::string ak_, as_, ck_;
  std::function<std::int64_t()> now_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
  std::mutex offset_mu_;
  std::optional<std::int64_t> offset_;
};

}  // namespace

std::string ovh_endpoint_url(std::string_view endpoint) {
  std::string url(endpoint);
  if (url.starts_with("https://") || url.starts_with("http://")) {
    while (url.ends_with("/")) url.pop_back();
    return url;
  }
  for (const auto& [name, base] : kEndpoints) {
    if (endpoint == name) return std::string(base);
  }
  return {};
}

Result<std::unique_ptr<Provider>> make_ovh(const CredentialsFile& c, std::shared_ptr<http::Client> http,
                                           std::function<std::int64_t()> now) {
  ACMEKIT_TRY(const std::string endpoint, c.require("dns_ovh_endpoint"));
  std::string base = ovh_endpoint_url(endpoint);
  if (base.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      c.origin() + ": dns_ovh_endpoint \"" + endpoint +
                          "\" is unknown (ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, soyoustart-eu, "
                          "soyoustart-ca, or the API's URL)");
  }
  ACMEKIT_TRY(std::string ak, c.require("dns_ovh_application_key"));
  ACMEKIT_TRY(std::string as, c.require("dns_ovh_application_secret"));
  ACMEKIT_TRY(std::string ck, c.require("dns_ovh_consumer_key"));
  return std::make_unique<Ovh>(std::move(base), std::move(ak), std::move(as), std::move(ck), std::move(http),
                               std::move(now));
}

Result<std::unique_ptr<Provider>> make_ovh(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  return make_ovh(c, std::move(http), [] {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  });
}

}  // namespace acmekit::client::dns_api
