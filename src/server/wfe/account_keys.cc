#include "server/wfe/account_keys.h"

#include <mutex>

#include <nlohmann/json.hpp>

namespace acmekit::server::wfe {

Result<crypto::PublicKey> AccountKeys::key_for(const std::string& jwk_json) {
  {
    std::shared_lock lock(mu_);
    if (auto it = keys_.find(jwk_json); it != keys_.end()) return it->second;
  }
  auto json = nlohmann::json::parse(jwk_json, nullptr, false);
  if (json.is_discarded()) return make_error(ErrorKind::kInternal, "stored account key: not JSON");
  auto key = crypto::PublicKey::from_jwk(json);
  if (!key) return make_error(ErrorKind::kInternal, "stored account key: " + key.error().detail);
  std::unique_lock lock(mu_);
  // Full: drop an arbitrary entry. The working set of a CA is its active
  // accounts; a miss costs one import.
  if (keys_.size() >= capacity_ && !keys_.empty()) keys_.erase(keys_.begin());
  keys_.emplace(jwk_json, *key);
  return key;
}

std::size_t AccountKeys::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

}  // namespace acmekit::server::wfe
