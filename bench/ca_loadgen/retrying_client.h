// What a real ACME client does when one CA instance of several behind a
// load balancer dies under it: a request whose connection was refused,
// reset or closed without an answer is sent again (a new connection, which
// the balancer gives to a live instance). Counts those retries, and the
// badNonce answers Session then retries (RFC 8555 §6.5), for the report.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "core/http/client.h"

namespace acmekit::loadgen {

// Shared by every worker of a run.
struct RetryCounters {
  std::atomic<uint64_t> transport{0};           // requests sent again after a connection failure
  std::atomic<uint64_t> bad_nonce{0};           // badNonce answers (Session retries each)
  std::atomic<uint64_t> finalize_recovered{0};  // finalize answered orderNotReady after a resend: it had gone through
};

class RetryingClient : public http::Client {
 public:
  RetryingClient(http::Client& inner, RetryCounters& counters) : inner_(inner), counters_(counters) {}
  Result<http::Response> send(const http::Request& request) override;

  // About 10 s of retries: longer than a balancer needs to see an instance
  // gone (haproxy's health checks in the tests: 500 ms).
  static constexpr int kMaxRetries = 40;
  static constexpr std::chrono::milliseconds kDelay{250};

 private:
  http::Client& inner_;
  RetryCounters& counters_;
};

}  // namespace acmekit::loadgen
