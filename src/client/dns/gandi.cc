#include "client/dns/gandi.h"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client/dns/rrset_merge.h"
#include "client/dns/zone_cache.h"
#include "client/dns/zone_match.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;

constexpr int kPerPage = 100;

// A TXT value as LiveDNS spells it in rrset_values: one quoted string.
std::string quoted(const std::string& value) { return "\"" + value + "\""; }

class Gandi : public Provider {
 public:
  Gandi(std::string base, std::string authorization, std::string key_name, std::shared_ptr<http::Client> http)
      : base_(std::move(base)),
        authorization_(std::move(authorization)),
        key_name_(std::move(key_name)),
        api_("Gandi LiveDNS", std::move(http)) {}

  std::string name() const override { return "Gandi LiveDNS"; }

  // GET /domains: [{"fqdn": "example.com", ...}], paged (page, per_page);
  // the Total-Count header holds the number of domains (a server may send
  // fewer a page than asked). Without it, a short page is the last.
  Result<std::string> find_zone(const std::string& fqdn) override {
    // The account's domains, listed once a run (zone_cache.h).
    return zones_.find(fqdn, [this](std::vector<std::string>& out) -> Status {
      std::size_t listed = 0;
      for (int page = 1; page <= 100; ++page) {
        ACMEKIT_TRY(const Reply reply, call("GET", fmt::format("/domains?page={}&per_page={}", page, kPerPage), ""));
        if (!reply.body.is_array() || reply.body.empty()) break;
        for (const auto& z : reply.body) {
          if (z.is_object()) out.push_back(z.value("fqdn", ""));
        }
        listed += reply.body.size();
        if (reply.total_count >= 0 ? listed >= static_cast<std::size_t>(reply.total_count)
                                   : reply.body.size() < static_cast<std::size_t>(kPerPage)) {
          break;
        }
      }
      return {};
    }, name());
  }

  // One PUT per name: its rrset with ours added.
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    for (const auto& [rel, ours] : by_name(zone, records)) {
      ACMEKIT_TRY(const Rrset existing, get_rrset(zone, rel));
      auto values = rrset_with(existing.values, ours);
      if (existing.found && values.size() == existing.values.size()) continue;  // all there already
      ACMEKIT_CHECK(put_rrset(zone, rel, values, existing.ttl));
    }
    return {};
  }

  // Per name: PUT the remainder, or DELETE the rrset when only ours were there.
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    Status first;
    for (const auto& [rel, ours] : by_name(zone, records)) {
      Status done = remove(zone, rel, ours);
      if (!done && first) first = std::move(done);
    }
    return first;
  }

 private:
  struct Reply {
    json body;
    long total_count = -1;  // the Total-Count header, -1 when absent
  };
  struct Rrset {
    bool found = false;
    std::vector<std::string> values;  // quoted, as LiveDNS holds them
    int ttl = kGandiTtl;
  };

  Status remove(const std::string& zone, const std::string& rel, const std::vector<std::string>& ours) {
    ACMEKIT_TRY(const Rrset existing, get_rrset(zone, rel));
    if (!existing.found) return {};
    const auto rest = rrset_without(existing.values, ours);
    if (rest.size() == existing.values.size()) return {};  // none of ours there
    if (rest.empty()) {
      ACMEKIT_CHECK(call("DELETE", path(zone, rel), ""));
      return {};
    }
    return put_rrset(zone, rel, rest, existing.ttl);
  }

  // GET /domains/ZONE/records/NAME/TXT: {"rrset_values": [...], "rrset_ttl": N, ...}; 404: none.
  Result<Rrset> get_rrset(const std::string& zone, const std::string& rel) {
    ACMEKIT_TRY(const Reply reply, call("GET", path(zone, rel), "", /*absent_ok=*/true));
    Rrset out;
    if (reply.body.is_null()) return out;
    out.found = true;
    for (const auto& v : reply.body.value("rrset_values", json::array())) {
      if (v.is_string()) out.values.push_back(v.get<std::string>());
    }
    if (reply.body.contains("rrset_ttl") && reply.body["rrset_ttl"].is_number_integer()) {
      out.ttl = std::max(reply.body["rrset_ttl"].get<int>(), kGandiTtl);
    }
    return out;
  }

  Status put_rrset(const std::string& zone, const std::string& rel, const std::vector<std::string>& values, int ttl) {
    ACMEKIT_CHECK(call("PUT", path(zone, rel), json{{"rrset_values", values}, {"rrset_ttl", ttl}}.dump()));
    return {};
  }

  // The records' names relative to the zone ("@" the apex), each with our quoted values.
  static std::map<std::string, std::vector<std::string>> by_name(const std::string& zone,
                                                                 std::span<const TxtRecord> records) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& r : records) out[relative_name(zone, r.fqdn)].push_back(quoted(r.value));
    return out;
  }


  static std::string path(const std::string& zone, const std::string& rel) {
    // The apex is "@", literally, as the API documents it.
    return "/domains/" + url_encode(zone) + "/records/" + (rel == "@" ? rel : url_encode(rel)) + "/TXT";
  }

  // absent_ok: a 404 is an empty answer (a name without TXT rrset).
  Result<Reply> call(const std::string& method, const std::string& rel_url, const std::string& body,
                     bool absent_ok = false) {
    http::Request req{.method = method, .url = base_ + rel_url, .body = body};
    req.headers.add("authorization", authorization_);
    if (!body.empty()) req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const http::Response resp, api_.send(req));
    auto parsed = json::parse(resp.body, nullptr, false);
    if (resp.status >= 200 && resp.status < 300) {
      Reply reply{.body = parsed.is_discarded() ? json() : parsed};
      if (const auto total = resp.headers.get("total-count")) {
        try {
          reply.total_count = std::stol(*total);
        } catch (...) {
        }
      }
      return reply;
    }
    if (resp.status == 404 && absent_ok) return Reply{};
    // {"code": 403, "message": "Access was denied to this resource.", "object": "HTTPForbidden", "cause": "Forbidden"}
    std::string cause;
    if (!parsed.is_discarded() && parsed.is_object()) {
      if (parsed.contains("message") && parsed["message"].is_string()) cause = parsed["message"].get<std::string>();
      if (cause.empty() && parsed.contains("cause") && parsed["cause"].is_string()) {
        cause = parsed["cause"].get<std::string>();
      }
    }
    std::string what = fmt::format("Gandi LiveDNS: {} {} failed (HTTP {}){}{}", method, rel_url, resp.status,
                                   cause.empty() ? "" : ": ", cause);
    if (resp.status == 401 || resp.status == 403) {
      return make_error(ErrorKind::kUnauthorized,
                        what + "; check " + key_name_ + " (a token needs the LiveDNS \"Manage domain name technical "
                               "configurations\" permission)");
    }
    return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
  }

  std::string base_;
  std::string authorization_;
  std::string key_name_;
  ApiClient api_;
  ZoneCache zones_;  // the account's zones, once a run
};

}  // namespace

Result<std::unique_ptr<Provider>> make_gandi(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  std::string authorization, key_name;
  if (std::string token = c.get("dns_gandi_token"); !token.empty()) {
    authorization = "Bearer " + token;
    key_name = "dns_gandi_token";
  } else if (std::string key = c.get("dns_gandi_api_key"); !key.empty()) {
    authorization = "Apikey " + key;
    key_name = "dns_gandi_api_key";
  } else {
    return make_error(ErrorKind::kInvalidArgument,
                      c.origin() + ": dns_gandi_token (or the legacy dns_gandi_api_key) is missing");
  }
  std::string base = c.get("dns_gandi_api_url");
  if (base.empty()) base = kGandiApi;
  while (base.ends_with("/")) base.pop_back();
  return std::make_unique<Gandi>(std::move(base), std::move(authorization), std::move(key_name), std::move(http));
}

}  // namespace acmekit::client::dns_api
