#include "client/api/resources.h"

#include "core/base64url.h"
#include "core/jose/jws.h"
#include "core/wire/json.h"
#include "core/wire/problem.h"

namespace acmekit::client::api {
using nlohmann::json;

namespace {
std::optional<std::chrono::seconds> retry_after_of(const http::Response& r) {
  if (auto ra = r.headers.get("retry-after")) return wire::parse_retry_after(*ra);
  return std::nullopt;
}

// POSTs `payload` to `post_url` and parses the answer as a resource living at
// `resource_url` (an order, an authorization, the account).
template <typename T>
Result<T> post_resource(Session& s, const std::string& post_url, std::string_view payload,
                        std::string_view what, Result<T> (*parse)(const json&),
                        const std::string& resource_url,
                        std::optional<std::chrono::seconds>* retry_after = nullptr) {
  ACMEKIT_TRY(auto resp, s.post(post_url, payload));
  if (retry_after) *retry_after = retry_after_of(resp);
  ACMEKIT_TRY(auto j, wire::parse_json(resp.body, what));
  ACMEKIT_TRY(T resource, parse(j));
  resource.url = resource_url;
  return resource;
}
}  // namespace

Result<wire::Account> new_account(Session& s, const NewAccountRequest& req) {
  json payload = json::object();
  if (req.only_return_existing) {
    payload["onlyReturnExisting"] = true;  // §7.3.1
  } else {
    if (!req.contact.empty()) payload["contact"] = req.contact;
    if (req.terms_of_service_agreed) payload["termsOfServiceAgreed"] = true;
    if (!req.eab.is_null()) payload["externalAccountBinding"] = req.eab;  // §7.3.4
  }
  ACMEKIT_TRY(auto resp, s.post(s.directory().new_account, payload.dump(), /*embed_jwk=*/true));
  ACMEKIT_TRY(auto j, wire::parse_json(resp.body, "account"));
  ACMEKIT_TRY(auto account, wire::parse_account(j));
  // §7.3: the account URL is in Location (201 new, 200 existing).
  auto loc = resp.headers.get("location");
  if (!loc || loc->empty()) return make_error(ErrorKind::kProtocol, "newAccount answered without a Location header");
  account.url = *loc;
  return account;
}

Result<wire::Order> new_order(Session& s, const std::vector<wire::Identifier>& identifiers,
                              std::string_view replaces, std::string_view profile) {
  json ids = json::array();
  for (const auto& id : identifiers) ids.push_back(wire::to_json(id));
  json payload{{"identifiers", ids}};
  if (!replaces.empty()) payload["replaces"] = std::string(replaces);  // RFC 9773 §5
  if (!profile.empty()) payload["profile"] = std::string(profile);     // draft-ietf-acme-profiles §4
  ACMEKIT_TRY(auto resp, s.post(s.directory().new_order, payload.dump()));
  ACMEKIT_TRY(auto j, wire::parse_json(resp.body, "order"));
  ACMEKIT_TRY(auto order, wire::parse_order(j));
  auto loc = resp.headers.get("location");
  if (!loc || loc->empty()) return make_error(ErrorKind::kProtocol, "newOrder answered without a Location header");
  order.url = *loc;
  return order;
}

Result<wire::Order> get_order(Session& s, const std::string& url,
                              std::optional<std::chrono::seconds>* retry_after) {
  return post_resource(s, url, "", "order", wire::parse_order, url, retry_after);
}

Result<wire::Order> finalize_order(Session& s, const wire::Order& order, std::string_view csr_der) {
  json payload{{"csr", base64url_encode(csr_der)}};  // §7.4: base64url DER
  return post_resource(s, order.finalize, payload.dump(), "order", wire::parse_order, order.url);
}

Result<wire::Authorization> get_authorization(Session& s, const std::string& url,
                                              std::optional<std::chrono::seconds>* retry_after) {
  return post_resource(s, url, "", "authorization", wire::parse_authorization, url, retry_after);
}

Result<wire::Challenge> respond_challenge(Session& s, const std::string& url) {
  // §7.5.1: the client signals readiness by POSTing an empty object.
  ACMEKIT_TRY(auto resp, s.post(url, "{}"));
  ACMEKIT_TRY(auto j, wire::parse_json(resp.body, "challenge"));
  return wire::parse_challenge(j);
}

std::vector<std::string> links_with_rel(const std::vector<std::string>& link_headers,
                                        std::string_view rel) {
  std::vector<std::string> out;
  for (const auto& header : link_headers) {
    // A header may hold several comma-separated links (RFC 8288 §3).
    size_t pos = 0;
    while (pos < header.size()) {
      size_t lt = header.find('<', pos);
      if (lt == std::string::npos) break;
      size_t gt = header.find('>', lt);
      if (gt == std::string::npos) break;
      std::string url = header.substr(lt + 1, gt - lt - 1);
      size_t next = header.find('<', gt);
      std::string params = header.substr(gt + 1, next == std::string::npos ? std::string::npos : next - gt - 1);
      std::string want1 = "rel=\"" + std::string(rel) + "\"";
      std::string want2 = "rel=" + std::string(rel);
      std::string compact;
      for (char c : params) if (c != ' ') compact += c;
      if (compact.find(want1) != std::string::npos ||
          (compact.find(want2) != std::string::npos &&
           (compact.size() == compact.find(want2) + want2.size() ||
            compact[compact.find(want2) + want2.size()] == ';' ||
            compact[compact.find(want2) + want2.size()] == ','))) {
        out.push_back(url);
      }
      pos = gt + 1;
    }
  }
  return out;
}

Result<CertificateChain> download_certificate(Session& s, const std::string& url) {
  // §7.4.2: POST-as-GET, application/pem-certificate-chain.
  ACMEKIT_TRY(auto resp, s.post_as_get(url));
  if (resp.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return make_error(ErrorKind::kProtocol, "the certificate URL did not answer a PEM chain");
  }
  return CertificateChain{.pem = resp.body,
                          .alternates = links_with_rel(resp.headers.get_all("link"), "alternate")};
}

Result<RenewalInfoAnswer> get_renewal_info(http::Client& http, const wire::Directory& directory,
                                           std::string_view cert_id) {
  const std::string& base = directory.renewal_info;
  if (base.empty()) return make_error(ErrorKind::kProtocol, "the CA's directory has no renewalInfo (RFC 9773)");
  // RFC 9773 §4.1: renewalInfo "/" certificate identifier, a plain GET.
  const std::string url = base + (base.ends_with('/') ? "" : "/") + std::string(cert_id);
  http::Request req{.method = "GET", .url = url};
  req.headers.add("Accept", "application/json");
  auto sent = http.send(req);
  if (!sent) return std::unexpected(std::move(sent).error().with_context("renewalInfo " + url));
  const http::Response& resp = *sent;
  if (resp.status != 200) {
    return std::unexpected(wire::error_from_response(resp).with_context("renewalInfo " + url));
  }
  auto j = wire::parse_json(resp.body, "renewalInfo");
  if (!j) return std::unexpected(std::move(j).error().with_context(url));
  auto info = wire::parse_renewal_info(*j);
  if (!info) return std::unexpected(std::move(info).error().with_context(url));
  return RenewalInfoAnswer{.info = std::move(*info), .retry_after = retry_after_of(resp)};
}

Result<int> revocation_reason_code(std::string_view name) {
  static const std::pair<std::string_view, int> kReasons[] = {
      {"unspecified", 0}, {"keycompromise", 1}, {"affiliationchanged", 3},
      {"superseded", 4}, {"cessationofoperation", 5}};
  for (auto [n, code] : kReasons) {
    if (n == name) return code;
  }
  return make_error(ErrorKind::kInvalidArgument,
                    "unknown revocation reason \"" + std::string(name) +
                        "\" (unspecified, keycompromise, affiliationchanged, superseded, cessationofoperation)");
}

Status revoke_certificate(Session& s, std::string_view cert_der, int reason, bool embed_jwk) {
  if (s.directory().revoke_cert.empty()) {
    return make_error(ErrorKind::kProtocol, "the CA's directory has no revokeCert endpoint");
  }
  json payload{{"certificate", base64url_encode(cert_der)}, {"reason", reason}};
  ACMEKIT_TRY(auto resp, s.post(s.directory().revoke_cert, payload.dump(), embed_jwk));
  (void)resp;  // §7.6: 200 with an empty body
  return {};
}

namespace {
Result<wire::Account> post_account(Session& s, std::string_view payload) {
  return post_resource(s, s.account_url(), payload, "account", wire::parse_account, s.account_url());
}
}  // namespace

Result<wire::Account> update_account(Session& s, const std::vector<std::string>& contact) {
  return post_account(s, json{{"contact", contact}}.dump());
}

Result<wire::Account> get_account(Session& s) { return post_account(s, ""); }

Result<wire::Account> deactivate_account(Session& s) {
  return post_account(s, json{{"status", "deactivated"}}.dump());
}

Status change_account_key(Session& s, const crypto::PrivateKey& new_key) {
  const std::string& url = s.directory().key_change;
  if (url.empty()) return make_error(ErrorKind::kProtocol, "the CA's directory has no keyChange endpoint");
  // §7.3.5: the inner JWS is signed by the new key, carries it as "jwk", has
  // the keyChange URL and no nonce; its payload names the account and the
  // old key.
  json inner_payload{{"account", s.account_url()}, {"oldKey", s.account_key()->public_key().to_jwk()}};
  ACMEKIT_TRY(auto inner, jose::sign(new_key, jose::JwsHeader{.url = url}, inner_payload.dump()));
  ACMEKIT_TRY(auto resp, s.post(url, inner.dump()));
  (void)resp;
  s.set_account_key(new_key);
  return {};
}

}  // namespace acmekit::client::api
