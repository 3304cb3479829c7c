#include "client/dns/acmedns.h"

#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/dns/message.h"
#include "core/fs/atomic_file.h"

namespace acmekit::client::dns_api {
namespace {

using nlohmann::json;
constexpr std::string_view kLabel = "_acme-challenge.";

class AcmeDns : public Provider {
 public:
  AcmeDns(std::string base, std::string file, std::shared_ptr<http::Client> http)
      : base_(std::move(base)), file_(std::move(file)), api_("acme-dns", std::move(http)) {}

  std::string name() const override { return "acme-dns"; }
  // One update at a time: acme-dns is one's own small server, often on
  // SQLite (its default database), like PowerDNS's gsqlite3 (powerdns.cc).
  int parallel_zones() const override { return 1; }

  // The "zone" of a record is the acme-dns subdomain it goes to: its
  // FULLDOMAIN, reached through the CNAME at _acme-challenge.DOMAIN.
  Result<std::string> find_zone(const std::string& fqdn) override {
    ACMEKIT_CHECK(load());
    const std::string name = acmekit::dns::normalize_name(fqdn);
    for (const auto& [domain, account] : accounts_.items()) {
      if (acmekit::dns::normalize_name(account.value("fulldomain", "")) == name) return name;
    }
    // No CNAME yet: the name is still _acme-challenge.DOMAIN.
    const std::string domain = name.starts_with(kLabel) ? name.substr(kLabel.size()) : name;
    if (!accounts_.contains(domain)) ACMEKIT_CHECK(register_domain(domain));
    return make_error(ErrorKind::kFailedPrecondition,
                      fmt::format("acme-dns: {} is not a CNAME to {}'s acme-dns subdomain: create "
                                  "\"{} CNAME {}.\" in your zone, then run again",
                                  name, domain, name, accounts_[domain].value("fulldomain", "")));
  }

  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    const json* account = nullptr;
    for (const auto& [domain, a] : accounts_.items()) {
      if (acmekit::dns::normalize_name(a.value("fulldomain", "")) == zone) account = &a;
    }
    if (account == nullptr) return make_error(ErrorKind::kInternal, "acme-dns: no account for " + zone);
    for (const auto& r : records) {
      http::Request req{.method = "POST", .url = base_ + "/update",
                        .body = json{{"subdomain", account->value("subdomain", "")}, {"txt", r.value}}.dump()};
      req.headers.add("x-api-user", account->value("username", ""));
      req.headers.add("x-api-key", account->value("password", ""));
      req.headers.add("content-type", "application/json");
      ACMEKIT_CHECK(check(api_.send(req), "POST /update"));
    }
    return {};
  }

  // acme-dns has no delete: its two newest values roll over.
  Status delete_txt(const std::string& zone, std::span<const TxtRecord>) override {
    spdlog::debug("acme-dns: nothing to remove at {} (acme-dns keeps the two newest values)", zone);
    return {};
  }

 private:
  Status load() {
    if (loaded_) return {};
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) {
      accounts_ = json::object();  // registered on first use
      loaded_ = true;
      return {};
    }
    if ((st.st_mode & 077) != 0) {
      return make_error(ErrorKind::kInvalidArgument,
                        fmt::format("{} is accessible by group or others (mode {:04o}); it holds acme-dns "
                                    "passwords: chmod 600 it",
                                    file_, st.st_mode & 07777));
    }
    ACMEKIT_TRY(const std::string text, fsio::read_file(file_));
    accounts_ = json::parse(text, nullptr, false);
    if (accounts_.is_discarded() || !accounts_.is_object()) {
      return make_error(ErrorKind::kInvalidArgument, file_ + ": not a JSON object of acme-dns accounts");
    }
    loaded_ = true;
    return {};
  }

  Status register_domain(const std::string& domain) {
    http::Request req{.method = "POST", .url = base_ + "/register", .body = "{}"};
    req.headers.add("content-type", "application/json");
    ACMEKIT_TRY(const json account, check(api_.send(req), "POST /register"));
    for (const char* key : {"username", "password", "fulldomain", "subdomain"}) {
      if (!account.contains(key) || !account[key].is_string()) {
        return make_error(ErrorKind::kProtocol, std::string("acme-dns: POST /register: the answer has no ") + key);
      }
    }
    accounts_[domain] = account;
    ACMEKIT_CHECK(fsio::write_file_atomic(file_, accounts_.dump(2) + "\n", 0600));
    spdlog::warn("acme-dns: registered {} (saved in {}): create \"_acme-challenge.{} CNAME {}.\"", domain, file_,
                 domain, account.value("fulldomain", ""));
    return {};
  }

  Result<json> check(Result<http::Response> response, std::string_view what) {
    if (!response) return std::unexpected(std::move(response).error());
    auto parsed = json::parse(response->body, nullptr, false);
    if (response->status >= 200 && response->status < 300 && !parsed.is_discarded()) return parsed;
    // {"error": "forbidden"} / "bad_subdomain" / "bad_txt" (acme-dns's api.go)
    std::string cause = !parsed.is_discarded() && parsed.is_object() ? parsed.value("error", "") : "";
    if (cause.empty()) cause = response->body.substr(0, 200);
    std::string detail = fmt::format("acme-dns: {} answered HTTP {}: {}", what, response->status, cause);
    if (response->status == 401) {
      return make_error(ErrorKind::kUnauthorized, detail + " (the account's username / password in " + file_ +
                                                      " were refused)");
    }
    return make_error(response->status >= 500 ? ErrorKind::kUnavailable : ErrorKind::kFailedPrecondition, detail);
  }

  std::string base_;
  std::string file_;
  ApiClient api_;
  bool loaded_ = false;
  json accounts_ = json::object();
};

}  // namespace

Result<std::unique_ptr<Provider>> make_acmedns(const CredentialsFile& c, std::shared_ptr<http::Client> http) {
  ACMEKIT_TRY(std::string url, c.require("dns_acmedns_api_url"));
  ACMEKIT_TRY(std::string file, c.require("dns_acmedns_registration_file"));
  while (url.ends_with("/")) url.pop_back();
  if (!file.empty() && file.front() != '/') {
    // Relative to the credentials file, not to wherever renew runs.
    file = (std::filesystem::path(c.origin()).parent_path() / file).string();
  }
  return std::make_unique<AcmeDns>(std::move(url), std::move(file), std::move(http));
}

}  // namespace acmekit::client::dns_api
