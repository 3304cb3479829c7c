#include "core/jose/jwk.h"

#include <vector>

#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::jose {

std::string thumbprint(const nlohmann::json& jwk) {
  // RFC 7638 §3.2: only the required members of the key type.
  std::vector<const char*> members;
  std::string kty = jwk.is_object() && jwk.contains("kty") && jwk["kty"].is_string()
                        ? jwk["kty"].get<std::string>()
                        : std::string();
  if (kty == "EC") {
    members = {"crv", "kty", "x", "y"};
  } else if (kty == "RSA") {
    members = {"e", "kty", "n"};
  } else if (kty == "OKP") {
    members = {"crv", "kty", "x"};
  }
  nlohmann::json required = nlohmann::json::object();
  if (members.empty()) {
    required = jwk;
  } else {
    for (const char* m : members) {
      if (jwk.contains(m)) required[m] = jwk[m];
    }
  }
  // nlohmann::json objects keep keys sorted, and dump() without indent emits
  // no whitespace: exactly the RFC 7638 §3.3 canonical form for these
  // members (base64url and curve names need no escaping). Invalid UTF-8 is
  // replaced rather than thrown on.
  return base64url_encode(
      crypto::sha256(required.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
}

std::string key_thumbprint(const crypto::PublicKey& key) { return thumbprint(key.to_jwk()); }

std::string key_authorization(std::string_view token, const nlohmann::json& jwk) {
  // RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).
  return std::string(token) + "." + thumbprint(jwk);
}

std::string dns01_txt_value(std::string_view key_authorization) {
  // RFC 8555 §8.4: the record holds base64url(SHA-256(keyAuthorization)).
  return base64url_encode(crypto::sha256(key_authorization));
}

}  // namespace acmekit::jose
