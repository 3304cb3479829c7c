// The account keys the WFE verifies "kid" requests with (RFC 8555 §6.2),
// parsed once per stored JWK instead of once per request: importing a JWK
// checks the EC point (a scalar multiplication), which was a tenth of the
// CA's CPU under load. Keyed by the stored JWK text itself, so a key change
// (§7.3.5) is a different entry and no entry can outlive the key it was
// parsed from; deactivation is checked on the account record before the
// key is looked up. Bounded; thread-safe (OpenSSL keys are shared read-only
// between threads for verification).
#pragma once

#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::server::wfe {

class AccountKeys {
 public:
  explicit AccountKeys(std::size_t capacity = 4096) : capacity_(capacity) {}

  // The key of a stored account JWK (AccountRecord::jwk_json).
  [[nodiscard]] Result<crypto::PublicKey> key_for(const std::string& jwk_json);

  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, crypto::PublicKey> keys_;
};

}  // namespace acmekit::server::wfe
