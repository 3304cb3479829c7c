// Test-only: a scripted ACME CA (RFC 8555) on the shared FakeHttp, enough
// for the client's certifier: directory, newOrder (with "replaces"),
// authorizations and their challenges, finalize with a real CSR and a real
// certificate signed by a test CA, download. JWS signatures are not checked
// (the fake is the HTTP edge; the CA's own tests check JWS). Knobs: names
// whose validation fails, names already authorized, an alreadyReplaced
// refusal, a certificate for the wrong key.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base64url.h"
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "core/crypto/x509_builder.h"
#include "support/fake_clock.h"
#include "support/fake_http.h"

namespace acmekit::test_support {

class FakeAcmeCa {
 public:
  static constexpr const char* kDirectory = "https://ca.test/dir";

  FakeAcmeCa(FakeHttp& http, const Clock& clock, bool with_ari = true) : http_(http), clock_(clock) {
    key_ = *crypto::PrivateKey::generate({});
    ca_der_ = *crypto::sign_certificate({.common_name = "Fake ACME CA", .serial = "\x01",
                                         .not_before = clock.now() - std::chrono::hours(24),
                                         .not_after = clock.now() + std::chrono::hours(24 * 365), .is_ca = true},
                                        key_.public_key(), key_, "");
    directory_ = {{"newNonce", "https://ca.test/nonce"},
                  {"newAccount", "https://ca.test/acct"},
                  {"newOrder", "https://ca.test/new-order"}};
    if (with_ari) directory_["renewalInfo"] = "https://ca.test/renewal-info";
    http_.route(kDirectory, 200, directory_.dump());
    http_.handle([this](const http::Request& r) { return answer(r); });
  }

  // Knobs, set before the client runs.
  std::set<std::string> failing;           // validation of these names fails (unauthorized)
  std::set<std::string> already_valid;     // authorizations that are valid from the start
  bool refuse_replaces = false;            // newOrder with "replaces" gets alreadyReplaced
  bool issue_for_another_key = false;      // the certificate is not for the CSR's key

  // draft-ietf-acme-profiles §3: the directory's meta.profiles from now on
  // (name -> description); an order names the profile it was asked for, or
  // `default_profile` (§4: the server RECOMMENDED to pick one).
  void offer_profiles(const nlohmann::json& profiles, std::string default_profile) {
    directory_["meta"]["profiles"] = profiles;
    default_profile_ = std::move(default_profile);
    http_.route(kDirectory, 200, directory_.dump());
  }

  // What the client sent.
  std::vector<nlohmann::json> new_orders;  // newOrder payloads
  std::vector<std::string> triggered;      // challenge types responded to, per name: "a.test http-01"

  const std::string& ca_der() const { return ca_der_; }

 private:
  struct Authz {
    std::string name;
    std::string status = "pending";
    std::string triggered_type;
  };
  struct Order {
    std::string profile;
    std::vector<std::string> names;
    std::vector<std::string> authz_ids;
    std::string status = "pending";
    std::string certificate_pem;
  };

  static http::Response json_response(int status, const nlohmann::json& body, const std::string& location = "") {
    http::Response r{.status = status, .body = body.dump()};
    r.headers.add("Content-Type", "application/json");
    if (!location.empty()) r.headers.add("Location", location);
    return r;
  }
  static http::Response problem(int status, const std::string& type, const std::string& detail) {
    http::Response r{.status = status,
                     .body = nlohmann::json{{"type", "urn:ietf:params:acme:error:" + type}, {"detail", detail}}.dump()};
    r.headers.add("Content-Type", "application/problem+json");
    return r;
  }
  static nlohmann::json payload_of(const http::Request& r) {
    auto jws = nlohmann::json::parse(r.body, nullptr, false);
    if (!jws.is_object()) return nullptr;
    auto payload = base64url_decode(jws.value("payload", ""));
    if (!payload || payload->empty()) return nullptr;
    return nlohmann::json::parse(*payload, nullptr, false);
  }

  nlohmann::json authz_json(const std::string& id) {
    Authz& a = authzs_[id];
    nlohmann::json challenges = nlohmann::json::array();
    for (const char* type : {"http-01", "dns-01"}) {
      nlohmann::json c{{"type", type},
                       {"url", "https://ca.test/chall/" + id + "/" + type},
                       {"token", "tok" + id + std::string(type).substr(0, 3)},
                       {"status", a.triggered_type == type ? a.status : "pending"}};
      if (a.triggered_type == type && a.status == "invalid") {
        c["error"] = {{"type", "urn:ietf:params:acme:error:unauthorized"}, {"detail", "no key authorization at " + a.name}};
      }
      challenges.push_back(c);
    }
    return {{"identifier", {{"type", "dns"}, {"value", a.name}}},
            {"status", a.status},
            {"expires", "2030-01-01T00:00:00Z"},
            {"challenges", challenges}};
  }

  nlohmann::json order_json(const std::string& id) {
    Order& o = orders_[id];
    if (o.status == "pending") {
      bool all_valid = true, any_invalid = false;
      for (const auto& a : o.authz_ids) {
        all_valid &= authzs_[a].status == "valid";
        any_invalid |= authzs_[a].status == "invalid";
      }
      if (any_invalid) o.status = "invalid";
      else if (all_valid) o.status = "ready";
    }
    nlohmann::json ids = nlohmann::json::array(), authz_urls = nlohmann::json::array();
    for (const auto& n : o.names) ids.push_back({{"type", "dns"}, {"value", n}});
    for (const auto& a : o.authz_ids) authz_urls.push_back("https://ca.test/authz/" + a);
    nlohmann::json j{{"status", o.status},
                     {"expires", "2030-01-01T00:00:00Z"},
                     {"identifiers", ids},
                     {"authorizations", authz_urls},
                     {"finalize", "https://ca.test/finalize/" + id}};
    if (o.status == "valid") j["certificate"] = "https://ca.test/cert/" + id;
    if (!o.profile.empty()) j["profile"] = o.profile;
    return j;
  }

  std::optional<http::Response> answer(const http::Request& r) {
    std::lock_guard lock(mu_);
    const std::string& url = r.url;
    auto after = [&](const std::string& prefix) { return url.substr(prefix.size()); };
    if (url == "https://ca.test/new-order") {
      auto payload = payload_of(r);
      new_orders.push_back(payload);
      if (refuse_replaces && payload.contains("replaces")) {
        return problem(409, "alreadyReplaced", "that certificate already has a replacement");
      }
      const std::string id = std::to_string(orders_.size() + 1);
      Order o;
      o.profile = payload.value("profile", default_profile_);
      for (const auto& i : payload["identifiers"]) {
        const std::string name = i["value"];
        const std::string aid = id + "-" + name;
        authzs_[aid] = Authz{.name = name, .status = already_valid.contains(name) ? "valid" : "pending"};
        o.names.push_back(name);
        o.authz_ids.push_back(aid);
      }
      orders_[id] = o;
      return json_response(201, order_json(id), "https://ca.test/order/" + id);
    }
    if (url.starts_with("https://ca.test/authz/")) return json_response(200, authz_json(after("https://ca.test/authz/")));
    if (url.starts_with("https://ca.test/chall/")) {
      const std::string rest = after("https://ca.test/chall/");
      const std::string aid = rest.substr(0, rest.rfind('/')), type = rest.substr(rest.rfind('/') + 1);
      Authz& a = authzs_[aid];
      triggered.push_back(a.name + " " + type);
      a.triggered_type = type;
      a.status = failing.contains(a.name) ? "invalid" : "valid";
      return json_response(200, {{"type", type}, {"url", url}, {"status", "processing"}, {"token", "t"}});
    }
    if (url.starts_with("https://ca.test/order/")) return json_response(200, order_json(after("https://ca.test/order/")));
    if (url.starts_with("https://ca.test/finalize/")) {
      const std::string id = after("https://ca.test/finalize/");
      Order& o = orders_[id];
      if (order_json(id)["status"] != "ready") return problem(403, "orderNotReady", "not ready");
      auto der = base64url_decode(payload_of(r).value("csr", ""));
      auto csr = crypto::parse_csr(der ? *der : "");
      if (!csr) return problem(400, "badCSR", csr.error().message());
      auto subject = csr->public_key;
      if (issue_for_another_key) subject = crypto::PrivateKey::generate({})->public_key();
      auto leaf = crypto::sign_certificate({.dns_names = csr->dns_names, .serial = "\x2a" + id,
                                            .not_before = clock_.now(),
                                            .not_after = clock_.now() + std::chrono::hours(24 * 90), .server_auth = true},
                                           subject, key_, ca_der_);
      o.certificate_pem = *crypto::der_to_pem(*leaf) + *crypto::der_to_pem(ca_der_);
      o.status = "valid";
      return json_response(200, order_json(id), "https://ca.test/order/" + id);
    }
    if (url.starts_with("https://ca.test/cert/")) {
      http::Response resp{.status = 200, .body = orders_[after("https://ca.test/cert/")].certificate_pem};
      resp.headers.add("Content-Type", "application/pem-certificate-chain");
      return resp;
    }
    return std::nullopt;  // the directory, by route
  }

  FakeHttp& http_;
  nlohmann::json directory_;
  std::string default_profile_;
  const Clock& clock_;
  crypto::PrivateKey key_;
  std::string ca_der_;
  std::mutex mu_;
  std::map<std::string, Authz> authzs_;
  std::map<std::string, Order> orders_;
};

}  // namespace acmekit::test_support
