#include "client/dns/route53.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "client/dns/xml_lite.h"
#include "client/dns/zone_match.h"
#include "client/dns/rrset_merge.h"
#include "core/dns/message.h"

namespace acmekit::client::dns_api {
namespace {

constexpr const char* kVersion = "/2013-04-01";
constexpr const char* kXmlns = "https://route53.amazonaws.com/doc/2013-04-01/";
constexpr int kMaxThrottleRetries = 3;

// A TXT value as Route 53 writes it: one quoted character-string, " and \ escaped.
std::string txt_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct RRset {
  bool exists = false;
  std::string ttl;                  // as Route 53 has it (DELETE must repeat it)
  std::vector<std::string> values;  // as Route 53 has them, quoted
};

class Route53 : public Provider {
 public:
  Route53(Route53Settings settings, std::shared_ptr<http::Client> http, Route53Options options)
      : s_(std::move(settings)), opt_(std::move(options)), api_("Route 53", std::move(http), opt_.sleep) {
    if (!opt_.sleep) opt_.sleep = [](std::chrono::seconds d) { std::this_thread::sleep_for(d); };
    if (!opt_.now) opt_.now = [] { return std::chrono::system_clock::now(); };
  }

  std::string name() const override { return "Route 53"; }

  // ListHostedZones, every page (Marker / NextMarker while IsTruncated).
  Result<std::string> find_zone(const std::string& fqdn) override {
    ZoneMatch match(fqdn);
    if (!zones_loaded_) {
      std::string marker;
      for (int page = 0; page < 100; ++page) {
        std::string path = fmt::format("{}/hostedzone?maxitems=100", kVersion);
        if (!marker.empty()) path += "&marker=" + url_encode(marker);
        ACMEKIT_TRY(const xml::Element answer, call("GET", path, ""));
        const xml::Element* list = answer.child("HostedZones");
        for (const xml::Element* z : list ? list->all("HostedZone") : std::vector<const xml::Element*>{}) {
          // A private zone is only seen inside a VPC: not what the CA asks.
          const xml::Element* config = z->child("Config");
          if (config && config->child_text("PrivateZone") == "true") continue;
          std::string id = z->child_text("Id");
          if (id.starts_with("/hostedzone/")) id.erase(0, 12);
          zones_[acmekit::dns::normalize_name(z->child_text("Name"))] = id;
        }
        marker = answer.child_text("NextMarker");
        if (answer.child_text("IsTruncated") != "true" || marker.empty()) break;
      }
      zones_loaded_ = true;
    }
    for (const auto& [zone, id] : zones_) match.offer(zone);
    return match.result(name());
  }

  // One ChangeBatch: per name, UPSERT what is there plus ours.
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    ACMEKIT_TRY(const std::string id, zone_id(zone));
    std::string changes;
    for (const auto& [fqdn, ours] : by_name(records)) {
      ACMEKIT_TRY(RRset rrset, read_rrset(id, fqdn));
      changes += change("UPSERT", fqdn, std::to_string(kChallengeTtl), rrset_with(rrset.values, ours));
    }
    ACMEKIT_TRY(const xml::Element answer, change_batch(id, changes));
    return wait_insync(answer);
  }

  // One ChangeBatch: per name, UPSERT the values that are not ours, or
  // DELETE the rrset (its exact values and TTL) when all were ours.
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    ACMEKIT_TRY(const std::string id, zone_id(zone));
    std::string changes;
    for (const auto& [fqdn, ours] : by_name(records)) {
      ACMEKIT_TRY(RRset rrset, read_rrset(id, fqdn));
      if (!rrset.exists) continue;
      const std::vector<std::string> rest = rrset_without(rrset.values, ours);
      if (rest.size() == rrset.values.size()) continue;  // none of ours there
      changes += rest.empty() ? change("DELETE", fqdn, rrset.ttl, rrset.values) : change("UPSERT", fqdn, rrset.ttl, rest);
    }
    if (changes.empty()) return {};
    ACMEKIT_TRY(const xml::Element answer, change_batch(id, changes));
    return {};
  }

 private:
  // Our values by name ("_acme-challenge.example.com."), quoted.
  static std::map<std::string, std::vector<std::string>> by_name(std::span<const TxtRecord> records) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& r : records) {
      auto& values = out[acmekit::dns::normalize_name(r.fqdn) + "."];
      if (std::ranges::find(values, txt_string(r.value)) == values.end()) values.push_back(txt_string(r.value));
    }
    return out;
  }

  Result<std::string> zone_id(const std::string& zone) {
    if (!zones_loaded_) {
      auto found = find_zone(zone);
      if (!found) return std::unexpected(std::move(found).error());
    }
    const auto it = zones_.find(zone);
    if (it == zones_.end()) {
      return make_error(ErrorKind::kFailedPrecondition, "Route 53: no hosted zone " + zone + " in this account");
    }
    return it->second;
  }

  // ListResourceRecordSets from NAME/TXT, one set: the name's TXT rrset when
  // the first one listed is it.
  Result<RRset> read_rrset(const std::string& id, const std::string& fqdn) {
    ACMEKIT_TRY(const xml::Element answer,
                call("GET", fmt::format("{}/hostedzone/{}/rrset?name={}&type=TXT&maxitems=1", kVersion, url_encode(id),
                                        url_encode(fqdn)),
                     ""));
    RRset out;
    const xml::Element* sets = answer.child("ResourceRecordSets");
    const xml::Element* set = sets ? sets->child("ResourceRecordSet") : nullptr;
    if (set == nullptr || set->child_text("Type") != "TXT" ||
        acmekit::dns::normalize_name(set->child_text("Name")) != acmekit::dns::normalize_name(fqdn)) {
      return out;
    }
    out.exists = true;
    out.ttl = set->child_text("TTL");
    if (const xml::Element* rrs = set->child("ResourceRecords")) {
      for (const xml::Element* rr : rrs->all("ResourceRecord")) out.values.push_back(rr->child_text("Value"));
    }
    return out;
  }

  static std::string change(std::string_view action, const std::string& fqdn, const std::string& ttl,
                            const std::vector<std::string>& values) {
    std::string rrs;
    for (const auto& v : values) rrs += "<ResourceRecord><Value>" + xml::escape(v) + "</Value></ResourceRecord>";
    return fmt::format(
        "<Change><Action>{}</Action><ResourceRecordSet><Name>{}</Name><Type>TXT</Type><TTL>{}</TTL>"
        "<ResourceRecords>{}</ResourceRecords></ResourceRecordSet></Change>",
        action, xml::escape(fqdn), xml::escape(ttl), rrs);
  }

  Result<xml::Element> change_batch(const std::string& id, const std::string& changes) {
    const std::string body = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ChangeResourceRecordSetsRequest xmlns=\"{}\"><ChangeBatch>"
        "<Comment>acmekit dns-01</Comment><Changes>{}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
        kXmlns, changes);
    return call("POST", fmt::format("{}/hostedzone/{}/rrset", kVersion, url_encode(id)), body);
  }

  // GetChange until INSYNC, at most insync_timeout; then acmekit's own
  // propagation check follows (a change still PENDING is a warning).
  Status wait_insync(const xml::Element& answer) {
    const xml::Element* info = answer.child("ChangeInfo");
    std::string id = info ? info->child_text("Id") : "";
    if (id.starts_with("/change/")) id.erase(0, 8);
    std::string status = info ? info->child_text("Status") : "";
    for (auto waited = std::chrono::seconds(0); status != "INSYNC" && !id.empty(); waited += opt_.insync_interval) {
      if (waited >= opt_.insync_timeout) {
        spdlog::warn("Route 53: change {} still {} after {} s; checking DNS anyway", id, status, waited.count());
        return {};
      }
      opt_.sleep(opt_.insync_interval);
      ACMEKIT_TRY(const xml::Element got, call("GET", fmt::format("{}/change/{}", kVersion, url_encode(id)), ""));
      const xml::Element* now = got.child("ChangeInfo");
      status = now ? now->child_text("Status") : "";
    }
    return {};
  }

  // One signed request; Throttling / PriorRequestNotComplete (HTTP 400) are
  // retried with backoff (429 / 503 by ApiClient). Errors read
  // <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>.
  Result<xml::Element> call(const std::string& method, const std::string& path, const std::string& body) {
    for (int attempt = 0;; ++attempt) {
      http::Request req{.method = method, .url = s_.endpoint + path, .body = body};
      if (!body.empty()) req.headers.add("Content-Type", "application/xml");
      ACMEKIT_CHECK(aws_sigv4_sign(req, s_.credentials, "us-east-1", "route53", aws_amz_date(opt_.now())));
      ACMEKIT_TRY(const http::Response resp, api_.send(req));
      auto parsed = xml::parse(resp.body);
      if (resp.status >= 200 && resp.status < 300) {
        if (!parsed) {
          return make_error(ErrorKind::kFailedPrecondition,
                            fmt::format("Route 53: {} {}: unreadable answer ({})", method, path, parsed.error().detail));
        }
        return std::move(*parsed);
      }
      std::string code, message;
      if (parsed) {
        const xml::Element* error = parsed->name == "Error" ? &*parsed : parsed->child("Error");
        if (error) {
          code = error->child_text("Code");
          message = error->child_text("Message");
        }
      }
      if ((code == "Throttling" || code == "PriorRequestNotComplete") && attempt < kMaxThrottleRetries) {
        const auto wait = std::chrono::seconds(1 << attempt);
        spdlog::warn("Route 53: {} (HTTP {}), retrying in {} s", code, resp.status, wait.count());
        opt_.sleep(wait);
        continue;
      }
      std::string what = fmt::format("Route 53: {} {} failed (HTTP {}{}{}){}{}", method, path, resp.status,
                                     code.empty() ? "" : " ", code, message.empty() ? "" : ": ", message);
      if (resp.status == 401 || resp.status == 403) {
        return make_error(ErrorKind::kUnauthorized,
                          fmt::format("{}; check the AWS credentials ({}) and that their IAM policy allows "
                                      "route53:ListHostedZones, ListResourceRecordSets, ChangeResourceRecordSets, "
                                      "GetChange",
                                      what, s_.source));
      }
      return make_error(resp.status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, what);
    }
  }

  Route53Settings s_;
  Route53Options opt_;
  ApiClient api_;
  bool zones_loaded_ = false;
  std::map<std::string, std::string> zones_;  // zone name -> hosted zone id (public zones)
};

// [PROFILE]'s keys in an AWS shared credentials file (INI), nullopt when the
// file or the profile is not there.
Result<std::optional<CredentialsFile>> shared_profile(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) return std::optional<CredentialsFile>();
  std::string line, section, text;
  bool found = false;
  while (std::getline(in, line)) {
    std::string_view l = line;
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.remove_suffix(1);
    if (l.starts_with('[') && l.ends_with(']')) {
      std::string_view name = l.substr(1, l.size() - 2);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      section = std::string(name);
      found = found || section == profile;
      continue;
    }
    if (section == profile) text += std::string(l) + "\n";
  }
  if (!found) return std::optional<CredentialsFile>();
  ACMEKIT_TRY(CredentialsFile f, CredentialsFile::parse(text, path + " [" + profile + "]"));
  return std::optional<CredentialsFile>(std::move(f));
}

Result<AwsCredentials> keys_from(const CredentialsFile& f, std::string_view origin) {
  AwsCredentials c{f.get("aws_access_key_id"), f.get("aws_secret_access_key"), f.get("aws_session_token")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      fmt::format("Route 53: {} has {} but not {}", origin,
                                  c.access_key_id.empty() ? "aws_secret_access_key" : "aws_access_key_id",
                                  c.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
  }
  return c;
}

}  // namespace

Result<Route53Settings> route53_settings(const CredentialsFile& file, const EnvLookup& env) {
  auto getenv = [&](std::string_view name) { return env(name).value_or(""); };
  Route53Settings s;
  s.endpoint = file.get("dns_route53_api_url");
  if (s.endpoint.empty()) s.endpoint = getenv("AWS_ENDPOINT_URL_ROUTE_53");
  if (s.endpoint.empty()) s.endpoint = kRoute53Api;
  while (s.endpoint.ends_with("/")) s.endpoint.pop_back();

  const bool has_file = !file.origin().empty();
  // 1. The file's keys.
  if (has_file && (!file.get("aws_access_key_id").empty() || !file.get("aws_secret_access_key").empty())) {
    ACMEKIT_TRY(s.credentials, keys_from(file, file.origin()));
    s.source = file.origin();
    return s;
  }
  // 2. The environment (unless the file names a profile).
  const std::string file_profile = has_file ? file.get("profile") : "";
  const std::string id = getenv("AWS_ACCESS_KEY_ID"), secret = getenv("AWS_SECRET_ACCESS_KEY");
  if (file_profile.empty() && (!id.empty() || !secret.empty())) {
    if (id.empty() || secret.empty()) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("Route 53: the environment has {} but not {}",
                                    id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
                                    id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
    }
    s.credentials = {id, secret, getenv("AWS_SESSION_TOKEN")};
    s.source = "the environment's AWS_ACCESS_KEY_ID";
    return s;
  }
  // 3. The shared credentials file's profile.
  std::string path = getenv("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty() && !getenv("HOME").empty()) path = getenv("HOME") + "/.aws/credentials";
  std::string profile = file_profile;
  if (profile.empty()) profile = getenv("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  if (!path.empty()) {
    ACMEKIT_TRY(const auto section, shared_profile(path, profile));
    if (section) {
      ACMEKIT_TRY(s.credentials, keys_from(*section, path + " [" + profile + "]"));
      s.source = path + " [" + profile + "]";
      return s;
    }
  }
  return make_error(ErrorKind::kInvalidArgument,
                    fmt::format("Route 53: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                                "or profile [{}] in {}, or give --dns-route53-credentials FILE",
                                profile, path.empty() ? "~/.aws/credentials" : path));
}

std::unique_ptr<Provider> make_route53_provider(Route53Settings settings, std::shared_ptr<http::Client> http,
                                                Route53Options options) {
  return std::make_unique<Route53>(std::move(settings), std::move(http), std::move(options));
}

Result<std::unique_ptr<Provider>> make_route53(const CredentialsFile& credentials, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(Route53Settings settings, route53_settings(credentials, [](std::string_view name) {
                const char* v = std::getenv(std::string(name).c_str());
                return v ? std::optional<std::string>(v) : std::nullopt;
              }));
  return make_route53_provider(std::move(settings), std::move(http));
}

}  // namespace acmekit::client::dns_api
