#include "server/nonce/nonce_service.h"

#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::server::nonce {

std::string MemoryNonceService::issue() {
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

Result<bool> MemoryNonceService::redeem(std::string_view nonce) {
  if (nonce.empty()) return false;
  std::lock_guard lock(mu_);
  return live_.erase(std::string(nonce)) == 1;
}

namespace {
constexpr std::size_t kTimeBytes = 8, kRandomBytes = 12, kMacBytes = 12;
constexpr std::size_t kPayloadBytes = kTimeBytes + kRandomBytes;
}  // namespace

Result<std::unique_ptr<SharedNonceService>> SharedNonceService::open(sa::StorageWriter& storage, const Clock& clock,
                                                                     std::chrono::seconds lifetime) {
  ACMEKIT_TRY(auto key, storage.shared_secret("nonce-mac-key", crypto::random_bytes(32)));
  return std::unique_ptr<SharedNonceService>(new SharedNonceService(storage, clock, std::move(key), lifetime));
}

std::string SharedNonceService::mac(std::string_view payload) const {
  auto full = crypto::hmac("SHA256", key_, payload);
  return full ? full->substr(0, kMacBytes) : std::string(kMacBytes, '\0');
}

std::string SharedNonceService::issue() {
  const auto expires = std::chrono::duration_cast<std::chrono::milliseconds>(
                           (clock_.now() + lifetime_).time_since_epoch())
                           .count();
  std::string payload(kTimeBytes, '\0');
  for (std::size_t i = 0; i < kTimeBytes; ++i) {
    payload[i] = static_cast<char>((static_cast<std::uint64_t>(expires) >> (8 * (kTimeBytes - 1 - i))) & 0xff);
  }
  payload += crypto::random_bytes(kRandomBytes);
  return base64url_encode(payload + mac(payload));
}

Result<bool> SharedNonceService::redeem(std::string_view nonce) {
  auto raw = base64url_decode(nonce);
  if (!raw || raw->size() != kPayloadBytes + kMacBytes) return false;
  const std::string_view payload = std::string_view(*raw).substr(0, kPayloadBytes);
  if (!crypto::constant_time_equal(mac(payload), std::string_view(*raw).substr(kPayloadBytes))) return false;
  std::uint64_t expires_ms = 0;
  for (std::size_t i = 0; i < kTimeBytes; ++i) expires_ms = (expires_ms << 8) | static_cast<unsigned char>(payload[i]);
  const TimePoint expires{std::chrono::milliseconds(static_cast<std::int64_t>(expires_ms))};
  if (expires <= clock_.now()) return false;
  // The one INSERT that succeeds, on whichever instance, redeems it.
  return storage_.redeem_nonce(nonce, expires);
}

Status SharedNonceService::prune() { return storage_.prune_nonces(clock_.now()); }

}  // namespace acmekit::server::nonce
