// What a load run measured, and how it is printed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acmekit::loadgen {

struct RunStats {
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::vector<std::string> first_errors;          // at most kKeptErrors
  std::vector<std::chrono::microseconds> latencies;  // completed issuances
  std::chrono::duration<double> elapsed{0};       // first order to last answer
  uint64_t transport_retries = 0;   // requests resent after a refused/reset connection
  uint64_t bad_nonce_retries = 0;   // badNonce answers, each retried (RFC 8555 §6.5)
  uint64_t finalize_recovered = 0;  // resent finalizes that found their first copy had gone through
  // The load generator's own CPU time (user + system, all threads, setup
  // included): it shares the machine with the CA it loads.
  std::chrono::duration<double> cpu{0};

  static constexpr size_t kKeptErrors = 5;
};

// Nearest-rank percentile (p in (0, 100]) of `sorted`; 0 when empty.
std::chrono::microseconds percentile(const std::vector<std::chrono::microseconds>& sorted, double p);

// {"completed","failed","elapsed_s","issuances_per_s","latency_ms":{"p50","p99","max"},
//  "retries":{"transport","bad_nonce","finalize_recovered"},
//  "loadgen_cpu":{"s","ms_per_issuance"},"errors":[...]}
nlohmann::json to_json(RunStats stats);
// The same, as a few lines for a person.
std::string to_text(RunStats stats);

}  // namespace acmekit::loadgen
