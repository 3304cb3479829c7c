#include "client/dns/linode.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

class Linode : public Provider {
 public:
  Linode(std::string base, std::string token, std::shared_ptr<http::Client> http)
      : base_(std::move(base)), token_(std::move(token)), api_("Linode", std::move(http)) {}

  std::string name() const override { return "Linode"; }

  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's domains, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      return each_page(base_ + "/domains", [&](const json& d) {
        out.push_back(d.value("domain", ""));
        ids_[acmekit::dns::normalize_name(d.value("domain", ""))] = std::to_string(d.value("id", 0L));
      });
    }, name(), "domain");
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& r : records) {
      json body{{"type", "TXT"}, {"name", relative_name(zone, r.fqdn)}, {"target", r.value}, {"ttl_sec", 300}};
      ACMEKIT_CHECK(call("POST", base_ + "/domains/" + id_of(ids_, zone) + "/records", body.dump()));
    }
    return {};
  }

  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    std::vector<std::string> ours;
    ACMEKIT_CHECK(each_page(base_ + "/domains/" + id_of(ids_, zone) + "/records", [&](const json& rec) {
      if (rec.value("type", "") != "TXT") return;
      for (const auto& r : records) {
        // Only ours: the name and the very value.
        const std::string rel = relative_name(zone, r.fqdn);
        if ((rec.value("name", "") == rel || (rel == "@" && rec.value("name", "").empty())) &&
            rec.value("target", "") == r.value) {
          ours.push_back(std::to_string(rec.value("id", 0L)));
        }
      }
    }));
    Status first;
    for (const auto& id : ours) {
      auto deleted = call("DELETE", base_ + "/domains/" + id_of(ids_, zone) + "/records/" + id, "");
      if (!deleted && first) first = std::unexpected(std::move(deleted).error());
    }
    return first;
  }

 private:
  // GET URL?page=N for every page ({"data": [...], "page", "pages"}).
  template <typename F>
  Status each_page(const std::string& url, F&& each) {
    for (int page = 1, pages = 1; page <= pages && page <= 100; ++page) {
      ACMEKIT_TRY(const json answer, call("GET", fmt::format("{}?page={}&page_size=500", url, page), ""));
      for (const auto& item : answer.value("data", json::array())) each(item);
      pages = answer.value("pages", 1);
    }
    return {};
  }

  Result<json> call(const std::string& method, const std::string& url, const std::string& body) {
    http::Request req{.method = method, .url = url, .body = body};
    req.headers.add("authorization", "Bearer " + token_);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) return parsed.is_discarded() ? json::object() : parsed;
    // {"errors": [{"reason": "Invalid Token"}]} (a "field" names the input at fault)
    std::string cause;
    if (!parsed.is_discarded() && parsed.is_object()) {
      for (const auto& e : parsed.value("errors", json::array())) {
        cause += (cause.empty() ? "" : "; ") + e.value("reason", "");
        if (e.contains("field")) cause += " (" + e.value("field", "") + ")";
      }
    }
    std::string what = fmt::format("Linode: {} {} failed (HTTP {}){}{}", method, url.substr(base_.size()),
                                   resp.status, cause.empty() ? "" : ": ", cause);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized, what + "; check dns_linode_key (Domains read/write)");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string base_;
  std::string token_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
  std::map<std::string, std::string> ids_;  // domain -> its id
};

}  // namespace

Result<std::unique_ptr<Provider>> make_linode(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(std::string token, c.require("dns_linode_key"));
  if (const std::string version = c.get("dns_linode_version"); !version.empty() && version != "4") {
    return make_error(ErrorKind::kInvalidArgument,
                      c.origin() + ": dns_linode_version " + version + ": only Linode's API v4 is spoken");
  }
  std::string base = c.get("dns_linode_api_url");
  if (base.empty()) base = kLinodeApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<Linode>(std::move(base), std::move(token), std::move(http));
}

}  // namespace acmekit::client::dns_api
