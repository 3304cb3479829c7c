#include "server/wfe/jws_auth.h"

#include "server/wfe/json_fields.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/jose/jws.h"
#include "core/quote.h"
#include "core/wire/json.h"
#include "server/problems.h"
#include "server/ra/policy.h"

namespace acmekit::server::wfe {
namespace {

// RFC 7518 §3.1: the JWS algorithm a key signs with.
std::string algorithm_for(const crypto::PublicKey& key) {
  switch (key.algorithm()) {
    case crypto::KeyAlgorithm::kEcP256: return "ES256";
    case crypto::KeyAlgorithm::kEcP384: return "ES384";
    case crypto::KeyAlgorithm::kRsa: return "RS256";
  }
  return "";
}

std::unexpected<Error> bad_algorithm(const std::string& detail) {
  return problem("badSignatureAlgorithm", detail);
}

// §6.2: a known alg, fitting the key; then the signature.
Status check_signature(const jose::ParsedJws& jws, const crypto::PublicKey& key) {
  ACMEKIT_TRY(const std::string alg, string_member(jws.protected_header, "alg"));
  if (std::find(accepted_algorithms().begin(), accepted_algorithms().end(), alg) == accepted_algorithms().end()) {
    return bad_algorithm(fmt::format("JWS algorithm {:?} is not accepted", alg));
  }
  if (algorithm_for(key) != alg) {
    return bad_algorithm(fmt::format("JWS algorithm {} does not fit the {} key", alg, key.description()));
  }
  if (auto ok = jose::verify(jws, key); !ok) return malformed("JWS signature verification failed");
  return {};
}

Result<crypto::PublicKey> key_from_jwk(const nlohmann::json& jwk, int min_rsa_bits) {
  if (!jwk.is_object()) return malformed("\"jwk\" must be a JSON object");
  if (jwk.contains("d") || jwk.contains("p") || jwk.contains("k")) {
    return problem("badPublicKey", "\"jwk\" must hold a public key only");
  }
  auto key = crypto::PublicKey::from_jwk(jwk);
  if (!key) return problem("badPublicKey", "unusable JWK: " + key.error().detail);
  ACMEKIT_CHECK(ra::check_key(*key, ra::PolicyOptions{.min_rsa_bits = min_rsa_bits}));
  return *key;
}

}  // namespace

Result<Authenticated> authenticate(const http::ServerRequest& request, const AuthParams& params,
                                   sa::StorageReader& storage, nonce::NonceService& nonces, AccountKeys& keys) {
  // §6.2: Content-Type application/jose+json.
  auto ctype = request.headers.get("content-type").value_or("");
  if (auto semi = ctype.find(';'); semi != std::string::npos) ctype.resize(semi);
  if (ctype != "application/jose+json") {
    // The WFE's own status for this one: 415 Unsupported Media Type.
    Error e = acme_problem("malformed", "Content-Type must be application/jose+json");
    e.status = 415;
    return std::unexpected(std::move(e));
  }
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return malformed("the request body is not JSON");
  auto parsed = jose::parse(body);
  if (!parsed) return malformed("the request body is not a flattened JWS: " + parsed.error().detail);
  const auto& header = parsed->protected_header;

  ACMEKIT_TRY(const std::string alg, string_member(header, "alg"));
  if (std::find(accepted_algorithms().begin(), accepted_algorithms().end(), alg) == accepted_algorithms().end()) {
    // §6.2: "none" and MAC algorithms are never acceptable.
    return bad_algorithm(fmt::format("JWS algorithm {:?} is not accepted", alg));
  }
  const bool has_jwk = header.contains("jwk"), has_kid = header.contains("kid");
  if (has_jwk == has_kid) return malformed("the JWS must have exactly one of \"jwk\" and \"kid\" (RFC 8555 §6.2)");
  if (has_jwk && params.rule == KeyRule::kKid) {
    return malformed("this resource needs a \"kid\" (account URL), not a \"jwk\" (RFC 8555 §6.2)");
  }
  if (has_kid && params.rule == KeyRule::kJwk) {
    return malformed("this resource needs a \"jwk\", not a \"kid\" (RFC 8555 §6.2)");
  }

  Authenticated out;
  if (has_jwk) {
    ACMEKIT_TRY(out.key, key_from_jwk(header["jwk"], params.min_rsa_bits));
    // The key's canonical JWK, not the client's spelling of it: account
    // identity is the key (RFC 7638, RFC 8555 §7.3.1).
    out.jwk = out.key.to_jwk();
  } else {
    if (!header["kid"].is_string()) return malformed("\"kid\" must be a string");
    const std::string kid = header["kid"];
    if (!kid.starts_with(params.account_url_prefix) || kid.size() == params.account_url_prefix.size()) {
      return problem("accountDoesNotExist", fmt::format("{:?} is not an account URL of this CA", kid));
    }
    ACMEKIT_TRY(auto account, storage.get_account(std::string_view(kid).substr(params.account_url_prefix.size())));
    if (!account) return problem("accountDoesNotExist", "no account at " + kid);
    // §7.3.6: a deactivated account can do nothing.
    if (account->status != AcmeStatus::kValid) return unauthorized("the account is " + wire::to_string(account->status));
    ACMEKIT_TRY(out.key, keys.key_for(account->jwk_json));
    out.account = std::move(*account);
  }
  ACMEKIT_CHECK(check_signature(*parsed, out.key));

  // §6.5: a nonce we issued and nobody used yet.
  if (!header.contains("nonce") || !header["nonce"].is_string()) return problem("badNonce", "the JWS has no nonce");
  ACMEKIT_TRY(const bool fresh, nonces.redeem(header["nonce"].get<std::string>()));
  if (!fresh) {
    return problem("badNonce", "the nonce is unknown, used or expired");
  }
  // §6.4.1: "url" must be the URL the request was sent to.
  if (!header.contains("url") || !header["url"].is_string()) return malformed("the JWS has no \"url\"");
  if (header["url"].get<std::string>() != params.request_url) {
    return unauthorized(fmt::format("the JWS url {} is not the request URL {}", debug_quoted(header["url"].get<std::string>()),
                                    debug_quoted(params.request_url)));
  }
  out.protected_header = header;
  out.payload = std::move(parsed->payload);
  return out;
}

Result<InnerJws> verify_key_change_inner(const nlohmann::json& inner, const std::string& outer_url, int min_rsa_bits) {
  auto parsed = jose::parse(inner);
  if (!parsed) return malformed("the key-change payload is not a flattened JWS: " + parsed.error().detail);
  const auto& header = parsed->protected_header;
  // §7.3.5: jwk of the new key, no kid, no nonce, the same url.
  if (!header.contains("jwk") || header.contains("kid")) {
    return malformed("the inner JWS of a key change must have \"jwk\" and no \"kid\"");
  }
  if (header.contains("nonce")) return malformed("the inner JWS of a key change must not have a nonce");
  ACMEKIT_TRY(const std::string inner_url, string_member(header, "url"));
  if (inner_url != outer_url) return malformed("the inner JWS url differs from the outer one");
  InnerJws out;
  ACMEKIT_TRY(out.key, key_from_jwk(header["jwk"], min_rsa_bits));
  ACMEKIT_CHECK(check_signature(*parsed, out.key));
  out.jwk = out.key.to_jwk();  // canonical, as for the outer JWS
  out.payload = std::move(parsed->payload);
  return out;
}

}  // namespace acmekit::server::wfe
