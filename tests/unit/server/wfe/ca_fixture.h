// The whole CA in-process, wired as `acmekit-ca serve` wires it
// (src/cli/acmekit-ca/serve.cc): Authority in a temp dir, SQLite in memory,
// a validator whose http-01 goes to a standalone responder on a free
// loopback port, RA, nonces, WFE, and the HTTPS listener on 127.0.0.1:0.
// A CurlClient trusting <dir>/root.pem talks to it, and helpers build the
// requests: signed with jose::sign, or hand-made JWS for the malformed ones.
#pragma once

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/challenge/http01_standalone.h"
#include "core/base64url.h"
#include "core/clock.h"
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "core/http/curl_client.h"
#include "core/jose/jwk.h"
#include "core/jose/jws.h"
#include "server/ca/authority.h"
#include "core/http/server.h"
#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"
#include "server/sa/storage.h"
#include "server/va/validator.h"
#include "server/wfe/problems.h"
#include "server/wfe/wfe.h"

namespace acmekit::server::wfe::probe {

using acmekit::http::Response;
using Json = nlohmann::json;

// An account of the CA: its key and its URL (the "kid").
struct TestAccount {
  crypto::PrivateKey key;
  std::string url;
};

class InProcessCa {
 public:
  // Names the http-01 validation resolves to 127.0.0.1 (the responder).
  static inline const std::vector<std::string> kHosts = {"probe.test", "www.probe.test", "issue.test",
                                                         "revoke.test", "replace.test"};

  // ra_options and clock (nullptr: the system clock) as the RA gets them.
  static Result<std::unique_ptr<InProcessCa>> start(WfeOptions wfe_options,
                                                    ra::RaOptions ra_options = {.validation_threads = 2},
                                                    Clock* clock = nullptr) {
    auto ca = std::unique_ptr<InProcessCa>(new InProcessCa);
    if (clock != nullptr) ca->clock_ = clock;
    char tmpl[] = "/tmp/acmekit-probe-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return std::unexpected(Error{.kind = ErrorKind::kIo, .detail = "mkdtemp"});
    ca->dir_ = tmpl;
    ACMEKIT_TRY(ca->authority_, ca::Authority::load_or_create(ca->dir_, {}));
    ACMEKIT_TRY(ca->storage_, sa::open_sqlite(":memory:"));
    ACMEKIT_TRY(ca->responder_, client::challenge::Http01Standalone::start("127.0.0.1", 0));
    va::ValidatorOptions va_options{.http01_port = ca->responder_->port()};
    for (const auto& h : kHosts) va_options.hosts[h] = {"127.0.0.1"};
    // The responder is on loopback, which the address policy refuses by
    // default (as lib.sh's CA: --validation-allow-cidr 127.0.0.0/8); the
    // tests' IP identifiers are TEST-NET-1 addresses (RFC 5737).
    ACMEKIT_TRY(va_options.address_policy,
                va::AddressPolicy::allowing({"127.0.0.0/8", "::1/128", "192.0.2.0/24"}));
    ra_options.policy.address_policy = va_options.address_policy;
    ca->validator_ = va::make_validator(va_options);
    ca->ra_ = std::make_unique<ra::RegistrationAuthority>(*ca->storage_, *ca->validator_, *ca->authority_,
                                                          *ca->clock_, std::move(ra_options));
    ca->wfe_ = std::make_unique<Wfe>(*ca->ra_, *ca->storage_, ca->nonces_, *ca->authority_, *ca->clock_,
                                     std::move(wfe_options));
    ACMEKIT_TRY(auto creds, ca->authority_->listener_credentials({"127.0.0.1"}));
    Wfe* wfe = ca->wfe_.get();
    ACMEKIT_TRY(ca->server_, http::Server::start({.listen = "127.0.0.1:0",
                                                  .tls_chain_pem = creds.first,
                                                  .tls_key_pem = creds.second,
                                                  .threads = 2,
                                                  .error_response = framing_error_response},
                                                 [wfe](const http::ServerRequest& r) { return wfe->handle(r); }));
    ca->base_ = "https://127.0.0.1:" + std::to_string(ca->server_->port());
    ca->client_ = std::make_unique<acmekit::http::CurlClient>(
        acmekit::http::ClientOptions{.ca_bundle = (ca->dir_ / "root.pem").string()});
    return ca;
  }

  ~InProcessCa() {
    if (server_) server_->stop();
    client_.reset();
    server_.reset();
    wfe_.reset();
    ra_.reset();  // waits for validations in flight
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string url(std::string_view path) const { return base_ + std::string(path); }
  // The CA's database, for checks a client cannot see.
  sa::Storage& storage() { return *storage_; }
  std::filesystem::path root_pem_path() const { return dir_ / "root.pem"; }

  // One request; a transport failure is a Response with status 0 and the
  // error as body, so assertions on the status show it.
  Response send(std::string method, std::string url, std::string body = "",
                std::string content_type = "application/jose+json") {
    acmekit::http::Request req{.method = std::move(method), .url = std::move(url), .body = std::move(body)};
    if (req.method == "POST") req.headers.add("content-type", std::move(content_type));
    auto r = client_->send(req);
    if (!r) return Response{.status = 0, .body = r.error().message()};
    return *r;
  }

  // §7.2: a fresh nonce from HEAD newNonce.
  std::string nonce() { return send("HEAD", url("/acme/new-nonce")).headers.get("replay-nonce").value_or(""); }

  // A JWS signed by jose::sign with a fresh nonce: kid = account URL, or the
  // key's jwk when kid is empty.
  Json sign(const crypto::PrivateKey& key, const std::string& kid, const std::string& target,
            std::string_view payload) {
    auto jws = jose::sign(key, {.url = target, .nonce = nonce(), .kid = kid}, payload);
    EXPECT_TRUE(jws) << jws.error().message();
    return jws ? *jws : Json::object();
  }
  Response post(const crypto::PrivateKey& key, const std::string& kid, const std::string& target,
                std::string_view payload) {
    return send("POST", target, jose::compact_json(sign(key, kid, target, payload)));
  }
  Response post(const TestAccount& account, const std::string& target, std::string_view payload) {
    return post(account.key, account.url, target, payload);
  }
  Response post(const TestAccount& account, const std::string& target, const Json& payload) {
    return post(account.key, account.url, target, jose::compact_json(payload));
  }

  // A flattened JWS made by hand: any protected header, signed by `signer`
  // over protected "." payload (RFC 7515 §5.1).
  static Json hand_jws(const Json& protected_header, std::string_view payload,
                       const std::function<std::string(std::string_view)>& signer) {
    std::string p = base64url_encode(jose::compact_json(protected_header));
    std::string pl = base64url_encode(payload);
    return {{"protected", p}, {"payload", pl}, {"signature", base64url_encode(signer(p + "." + pl))}};
  }

  // newAccount (§7.3) with a fresh key of `spec`, agreeing to the terms.
  Result<TestAccount> new_account(crypto::KeySpec spec = {}) {
    ACMEKIT_TRY(auto key, crypto::PrivateKey::generate(spec));
    Response r = post(key, "", url("/acme/new-account"), Json{{"termsOfServiceAgreed", true}}.dump());
    if (r.status != 201) return failure("newAccount", r);
    return TestAccount{key, r.headers.get("location").value_or("")};
  }

  // newOrder (§7.4): the order object, with its URL added as "url";
  // `profile` (draft-ietf-acme-profiles §4) sent when not empty.
  Result<Json> new_order(const TestAccount& account, const std::vector<std::string>& names,
                         const std::string& profile = {}) {
    Json ids = Json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    Json payload{{"identifiers", ids}};
    if (!profile.empty()) payload["profile"] = profile;
    Response r = post(account, url("/acme/new-order"), payload);
    if (r.status != 201) return failure("newOrder", r);
    Json order = Json::parse(r.body, nullptr, false);
    order["url"] = r.headers.get("location").value_or("");
    return order;
  }

  // POST-as-GET (§6.3) of a resource until its "status" is `want`, at most
  // about ten seconds (validation runs in the background).
  Result<Json> poll_until(const TestAccount& account, const std::string& target, const std::string& want) {
    Json last;
    for (int i = 0; i < 200; ++i) {
      Response r = post(account, target, std::string_view());
      last = Json::parse(r.body, nullptr, false);
      if (r.status != 200) return failure("poll " + target, r);
      if (last.value("status", "") == want) return last;
      if (last.value("status", "") == "invalid") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::unexpected(Error{.kind = ErrorKind::kProtocol,
                                 .detail = target + " did not become " + want + ": " + last.dump()});
  }

  // Puts the key authorization of the authorization's http-01 challenge on
  // the responder (§8.3); the challenge's URL.
  Result<std::string> present_http01(const TestAccount& account, const Json& authz) {
    for (const auto& ch : authz.value("challenges", Json::array())) {
      if (ch.value("type", "") != "http-01") continue;
      const std::string token = ch.value("token", "");
      ACMEKIT_CHECK(responder_->present({.identifier = authz["identifier"].value("value", ""),
                                         .challenge_type = ChallengeType::kHttp01,
                                         .token = token,
                                         .key_authorization =
                                             jose::key_authorization(token, account.key.public_key().to_jwk())}));
      return ch.value("url", "");
    }
    return std::unexpected(Error{.kind = ErrorKind::kProtocol, .detail = "no http-01 challenge in " + authz.dump()});
  }

  // Answers every authorization of the order with http-01 through the
  // responder and waits until the order is ready.
  Result<Json> make_ready(const TestAccount& account, const Json& order) {
    for (const auto& authz_url : order.value("authorizations", Json::array())) {
      Response r = post(account, authz_url.get<std::string>(), std::string_view());
      Json authz = Json::parse(r.body, nullptr, false);
      if (authz.value("status", "") == "valid") continue;
      ACMEKIT_TRY(const std::string challenge_url, present_http01(account, authz));
      Response answer = post(account, challenge_url, Json::object());
      if (answer.status != 200) return failure("challenge", answer);
      ACMEKIT_CHECK(poll_until(account, authz_url.get<std::string>(), "valid"));
    }
    return poll_until(account, order.value("url", ""), "ready");
  }

  // The whole flow (§7.4): order, http-01, finalize with a CSR for
  // cert_key, download. Returns the application/pem-certificate-chain body.
  Result<std::string> issue(const TestAccount& account, const std::vector<std::string>& names,
                            const crypto::PrivateKey& cert_key, const std::string& profile = {}) {
    ACMEKIT_TRY(auto order, new_order(account, names, profile));
    ACMEKIT_CHECK(make_ready(account, order));
    ACMEKIT_TRY(auto csr, crypto::make_csr_der(cert_key, names));
    Response fin = post(account, order.value("finalize", ""), Json{{"csr", base64url_encode(csr)}});
    if (fin.status != 200) return failure("finalize", fin);
    ACMEKIT_TRY(auto valid, poll_until(account, order.value("url", ""), "valid"));
    Response cert = post(account, valid.value("certificate", ""), std::string_view());
    if (cert.status != 200) return failure("download", cert);
    return cert.body;
  }

  // The WFE's /metrics text (the management listener's body).
  std::string metrics_text() const { return wfe_->metrics_text(); }

 private:
  InProcessCa() = default;

  static std::unexpected<Error> failure(const std::string& what, const Response& r) {
    return std::unexpected(
        Error{.kind = ErrorKind::kProtocol, .detail = what + ": HTTP " + std::to_string(r.status) + " " + r.body});
  }

  std::filesystem::path dir_;
  SystemClock system_clock_;
  Clock* clock_ = &system_clock_;
  nonce::MemoryNonceService nonces_;
  std::unique_ptr<ca::Authority> authority_;
  std::unique_ptr<sa::Storage> storage_;
  std::unique_ptr<client::challenge::Http01Standalone> responder_;
  std::unique_ptr<va::Validator> validator_;
  std::unique_ptr<ra::RegistrationAuthority> ra_;
  std::unique_ptr<Wfe> wfe_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<acmekit::http::CurlClient> client_;
  std::string base_;
};

}  // namespace acmekit::server::wfe::probe
