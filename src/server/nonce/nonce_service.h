// Anti-replay nonces (RFC 8555 §6.5): issued in Replay-Nonce headers,
// each redeemable exactly once. In memory: a restart forgets them, and the
// client's first request afterwards gets badNonce with a fresh nonce to retry
// with (§6.5 asks clients to handle that). Bounded: the oldest unredeemed
// nonces are dropped beyond `capacity`.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace acmekit::server::nonce {

class NonceService {
 public:
  explicit NonceService(std::size_t capacity = 1 << 20) : capacity_(capacity) {}

  // A fresh nonce: 128 random bits, base64url (§6.5.1).
  std::string issue();
  // True once per issued nonce; false for unknown, reused or dropped ones.
  bool redeem(std::string_view nonce);

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_set<std::string> live_;
  std::deque<std::string> order_;  // issue order, for dropping the oldest
};

}  // namespace acmekit::server::nonce
