// Anti-replay nonces (RFC 8555 §6.5): issued in Replay-Nonce headers, each
// redeemable exactly once. Two kinds:
// - MemoryNonceService (one instance, SQLite): the issued nonces in memory.
//   A restart forgets them, and the client's first request afterwards gets
//   badNonce with a fresh nonce to retry with (§6.5 asks clients to handle
//   that). Bounded: the oldest unredeemed nonces are dropped beyond
//   `capacity`.
// - SharedNonceService (several instances on PostgreSQL): stateless nonces
//   any instance can check, an expiry and random bytes under an HMAC with a
//   key all instances share (StorageWriter::shared_secret), and the set of
//   redeemed ones in the database (StorageWriter::redeem_nonce), so a nonce
//   one instance issued is accepted exactly once by any instance. Issuing
//   costs no database write (every response carries a nonce); only a
//   redemption does, one INSERT that the primary key decides.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/clock.h"
#include "core/error.h"
#include "server/sa/storage.h"

namespace acmekit::server::nonce {

class NonceService {
 public:
  virtual ~NonceService() = default;
  // A fresh nonce, base64url (§6.5.1).
  virtual std::string issue() = 0;
  // True once per issued nonce; false for unknown, reused or expired ones.
  // An Error when the answer cannot be had now (the database is down).
  virtual Result<bool> redeem(std::string_view nonce) = 0;
};

class MemoryNonceService final : public NonceService {
 public:
  explicit MemoryNonceService(std::size_t capacity = 1 << 20) : capacity_(capacity) {}
  // 128 random bits.
  std::string issue() override;
  Result<bool> redeem(std::string_view nonce) override;

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_set<std::string> live_;
  std::deque<std::string> order_;  // issue order, for dropping the oldest
};

class SharedNonceService final : public NonceService {
 public:
  // Loads (or, on the first instance, stores) the MAC key.
  static Result<std::unique_ptr<SharedNonceService>> open(sa::StorageWriter& storage, const Clock& clock,
                                                          std::chrono::seconds lifetime = std::chrono::hours(1));
  // expiry (8 bytes, unix ms) | 12 random bytes | HMAC-SHA256 of both, first 12 bytes.
  std::string issue() override;
  Result<bool> redeem(std::string_view nonce) override;
  // Forgets redeemed nonces that have expired (the MAC check refuses them).
  Status prune();

 private:
  SharedNonceService(sa::StorageWriter& storage, const Clock& clock, std::string key, std::chrono::seconds lifetime)
      : storage_(storage), clock_(clock), key_(std::move(key)), lifetime_(lifetime) {}
  std::string mac(std::string_view payload) const;

  sa::StorageWriter& storage_;
  const Clock& clock_;
  const std::string key_;
  const std::chrono::seconds lifetime_;
};

}  // namespace acmekit::server::nonce
