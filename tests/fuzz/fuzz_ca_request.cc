// acmekit-ca's whole request handling (server/wfe/wfe.h: Wfe::handle), in
// process, wired as `acmekit-ca serve` wires it (and as
// tests/unit/server/wfe/ca_fixture.h does) but without sockets: Authority in
// a temp dir, SQLite in a temp file, RA, nonces, WFE. The validator answers
// at once and always succeeds, so challenges, finalize and issuance are
// reachable without network. Rate limits are off so that runs do not change
// what later runs can reach.
//
// The input is an HTTP request, one field per line:
//   METHOD TARGET
//   name: value          (headers, up to an empty line)
//   body...
// Two pseudo-headers, removed before the WFE sees the request, let the
// fuzzer get past signature checks it cannot forge:
//   x-fuzz-sign: kid | jwk   the body is a JWS payload, signed here by the
//                            fuzz account's key with a fresh nonce and url
//                            "https://" HOST TARGET, with "kid" (the
//                            account URL) or the key as "jwk"
//   x-fuzz-nonce: stale      sign with a nonce already used
// In the target and body, {acct} {order} {finalize} {authz} {chall} are
// replaced with the paths of an account, order, authorization and challenge
// made at start-up (names fuzz.test), and {csr} with a base64url CSR for
// fuzz.test.
//
// Checked: every answer has a status 200..599; JSON and problem+json bodies
// parse, problems carry an ACME error type; every POST answer carries a
// Replay-Nonce (RFC 8555 §6.5).
#include <spdlog/spdlog.h>

#include <map>

#include "core/base64url.h"
#include "core/clock.h"
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "core/jose/jws.h"
#include "server/ca/authority.h"
#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"
#include "server/sa/storage.h"
#include "server/va/validator.h"
#include "server/wfe/wfe.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit;
using namespace acmekit::server;
using Json = nlohmann::json;

constexpr std::string_view kHost = "ca.test";

class AlwaysValid : public va::Validator {
 public:
  Status validate(const va::ValidationRequest&) override { return {}; }
  Status check_caa(const va::CaaRequest&) override { return {}; }
};

std::string path_of(std::string_view url) {
  const std::string prefix = "https://" + std::string(kHost);
  return url.starts_with(prefix) ? std::string(url.substr(prefix.size())) : std::string(url);
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

class Ca {
 public:
  Ca() {
    spdlog::set_level(spdlog::level::off);
    authority_ = ca::Authority::load_or_create(tmp_.path() / "ca", {}).value();
    storage_ = sa::open_sqlite(tmp_.path() / "ca.sqlite").value();
    ra::RaOptions ra_options{.validation_threads = 1};
    for (auto limit : {ra::Limit::kNewOrdersPerAccount, ra::Limit::kCertificatesPerDomain,
                       ra::Limit::kCertificatesPerNameSet, ra::Limit::kFailedValidations}) {
      ra_options.rate_limits[limit].max = 0;
    }
    ra_ = std::make_unique<ra::RegistrationAuthority>(*storage_, validator_, *authority_, clock_, std::move(ra_options));
    wfe_ = std::make_unique<wfe::Wfe>(*ra_, *storage_, nonces_, *authority_, clock_, wfe::WfeOptions{});
    key_ = crypto::PrivateKey::generate({}).value();

    // The account, an order and its authorization and challenge.
    http::Response acct = post("/acme/new-account", R"({"termsOfServiceAgreed":true})", /*kid=*/false);
    FUZZ_CHECK(acct.status == 201);
    account_url_ = acct.headers.get("location").value_or("");
    places_["{acct}"] = path_of(account_url_);
    http::Response order = post("/acme/new-order", R"({"identifiers":[{"type":"dns","value":"fuzz.test"}]})", true);
    FUZZ_CHECK(order.status == 201);
    places_["{order}"] = path_of(order.headers.get("location").value_or(""));
    const Json o = Json::parse(order.body);
    places_["{finalize}"] = path_of(o.at("finalize").get<std::string>());
    places_["{authz}"] = path_of(o.at("authorizations").at(0).get<std::string>());
    http::Response authz = post(places_["{authz}"], "", true);
    FUZZ_CHECK(authz.status == 200);
    places_["{chall}"] = path_of(Json::parse(authz.body).at("challenges").at(0).at("url").get<std::string>());
    auto cert_key = crypto::PrivateKey::generate({}).value();
    places_["{csr}"] = base64url_encode(crypto::make_csr_der(cert_key, {"fuzz.test"}).value());
    stale_nonce_ = nonces_.issue();
    FUZZ_CHECK(nonces_.redeem(stale_nonce_).value_or(false));
  }

  std::string substitute(std::string s) const {
    if (s.find('{') == std::string::npos) return s;
    for (const auto& [from, to] : places_) replace_all(s, from, to);
    return s;
  }

  std::string jws(const std::string& url, std::string_view payload, bool kid, bool stale) {
    auto signed_jws = jose::sign(key_, {.url = url, .nonce = stale ? stale_nonce_ : nonces_.issue(),
                                        .kid = kid ? account_url_ : std::string()},
                                 payload);
    FUZZ_CHECK(signed_jws.has_value());
    return jose::compact_json(*signed_jws);
  }

  http::Response handle(const http::ServerRequest& r) { return wfe_->handle(r); }

 private:
  http::Response post(const std::string& path, std::string_view payload, bool kid) {
    http::ServerRequest r{.method = "POST", .target = path, .remote = "127.0.0.1:1"};
    r.headers.add("host", std::string(kHost));
    r.headers.add("content-type", "application/jose+json");
    r.body = jws("https://" + std::string(kHost) + path, payload, kid, false);
    return handle(r);
  }

  fuzz::TempDir tmp_;
  SystemClock clock_;
  AlwaysValid validator_;
  nonce::MemoryNonceService nonces_;
  std::unique_ptr<ca::Authority> authority_;
  std::unique_ptr<sa::Storage> storage_;
  std::unique_ptr<ra::RegistrationAuthority> ra_;
  std::unique_ptr<wfe::Wfe> wfe_;
  crypto::PrivateKey key_;
  std::string account_url_, stale_nonce_;
  std::map<std::string, std::string> places_;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

void check_response(const http::ServerRequest& request, const http::Response& r) {
  FUZZ_CHECK(r.status >= 200 && r.status <= 599);
  const std::string type = r.headers.get("content-type").value_or("");
  if (type == "application/json" || type == "application/problem+json") {
    const Json body = Json::parse(r.body, nullptr, false);
    FUZZ_CHECK(body.is_object());
    if (type == "application/problem+json") {
      FUZZ_CHECK(body.contains("type") && body["type"].is_string());
      FUZZ_CHECK(body["type"].get<std::string>().starts_with("urn:ietf:params:acme:error:"));
      FUZZ_CHECK(r.status >= 400);
    }
  }
  if (request.method == "POST") FUZZ_CHECK(r.headers.get("replay-nonce").has_value());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Ca ca;
  std::string_view in = fuzz::as_view(data, size);
  http::ServerRequest request{.remote = "127.0.0.1:1"};
  const std::string_view request_line = fuzz::take_line(in);
  const size_t space = request_line.find(' ');
  request.method = trim(request_line.substr(0, space));
  request.target = ca.substitute(space == std::string_view::npos ? "" : trim(request_line.substr(space + 1)));
  std::string sign, nonce;
  while (!in.empty()) {
    const std::string_view line = fuzz::take_line(in);
    if (trim(line).empty()) break;
    const size_t colon = line.find(':');
    std::string name = trim(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string value = colon == std::string_view::npos ? "" : trim(line.substr(colon + 1));
    if (name == "x-fuzz-sign") {
      sign = value;
    } else if (name == "x-fuzz-nonce") {
      nonce = value;
    } else {
      request.headers.add(std::move(name), value);
    }
  }
  request.body = ca.substitute(std::string(in));
  if (sign == "kid" || sign == "jwk") {
    const std::string url = "https://" + request.headers.get("host").value_or("") + request.target;
    request.body = ca.jws(url, request.body, sign == "kid", nonce == "stale");
  }
  const http::Response response = ca.handle(request);
  check_response(request, response);
  return 0;
}
