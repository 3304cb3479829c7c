#include "server/nonce/nonce_service.h"

#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::server::nonce {

std::string NonceService::issue() {
  std::string nonce = base64url_encode(crypto::random_bytes(16));
  std::lock_guard lock(mu_);
  live_.insert(nonce);
  order_.push_back(nonce);
  // Drop the oldest; entries already redeemed are skipped by erase() returning 0.
  while (live_.size() > capacity_ && !order_.empty()) {
    live_.erase(order_.front());
    order_.pop_front();
  }
  // Keep the deque from growing with redeemed entries.
  if (order_.size() > 2 * capacity_ + 1024) {
    std::deque<std::string> kept;
    for (auto& n : order_) {
      if (live_.contains(n)) kept.push_back(std::move(n));
    }
    order_.swap(kept);
  }
  return nonce;
}

bool NonceService::redeem(std::string_view nonce) {
  if (nonce.empty()) return false;
  std::lock_guard lock(mu_);
  return live_.erase(std::string(nonce)) == 1;
}

}  // namespace acmekit::server::nonce
