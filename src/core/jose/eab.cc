#include "core/jose/eab.h"

#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::jose {

Result<nlohmann::json> sign_eab(std::string_view eab_kid, std::string_view hmac_key_b64url,
                                const nlohmann::json& account_jwk, std::string_view new_account_url) {
  if (eab_kid.empty()) return make_error(ErrorKind::kInvalidArgument, "EAB: empty key identifier");
  if (new_account_url.empty()) return make_error(ErrorKind::kInvalidArgument, "EAB: empty newAccount URL");
  // §7.3.4: the MAC key SHOULD be base64url; tolerate a padded form.
  while (hmac_key_b64url.ends_with('=')) hmac_key_b64url.remove_suffix(1);
  auto key = base64url_decode(hmac_key_b64url);
  if (!key) return make_error(ErrorKind::kInvalidArgument, "EAB: MAC key is not base64url: " + key.error().detail);
  if (key->empty()) return make_error(ErrorKind::kInvalidArgument, "EAB: empty MAC key");
  // §7.3.4: alg is a MAC algorithm, kid is the CA's key identifier, url
  // equals the outer JWS's url, and there is no nonce.
  nlohmann::json protected_header = {
      {"alg", "HS256"}, {"kid", std::string(eab_kid)}, {"url", std::string(new_account_url)}};
  std::string protected_b64 = base64url_encode(compact_json(protected_header));
  // §7.3.4: the payload is the account key being registered, as a JWK.
  std::string payload_b64 = base64url_encode(compact_json(account_jwk));
  // RFC 7518 §3.2: HS256 is HMAC-SHA-256 over the JWS signing input.
  ACMEKIT_TRY(std::string mac, crypto::hmac("SHA256", *key, protected_b64 + "." + payload_b64));
  return nlohmann::json{{"protected", protected_b64}, {"payload", payload_b64}, {"signature", base64url_encode(mac)}};
}

Status verify_eab_mac(const ParsedJws& jws, std::string_view hmac_key) {
  auto alg = jws.protected_header.find("alg");
  std::string digest;
  if (alg != jws.protected_header.end() && alg->is_string()) {
    // RFC 7518 §3.2: HS256/HS384/HS512.
    if (*alg == "HS256") digest = "SHA256";
    if (*alg == "HS384") digest = "SHA384";
    if (*alg == "HS512") digest = "SHA512";
  }
  if (digest.empty()) return make_error(ErrorKind::kCrypto, "EAB: alg must be HS256, HS384 or HS512");
  ACMEKIT_TRY(std::string mac, crypto::hmac(digest, hmac_key, jws.signing_input));
  if (!crypto::constant_time_equal(mac, jws.signature)) {
    return make_error(ErrorKind::kCrypto, "EAB: MAC does not verify");
  }
  return {};
}

}  // namespace acmekit::jose
