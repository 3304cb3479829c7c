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

  static constexpr size_t kKeptErrors = 5;
};

// Nearest-rank percentile (p in (0, 100]) of `sorted`; 0 when empty.
std::chrono::microseconds percentile(const std::vector<std::chrono::microseconds>& sorted, double p);

// {"completed","failed","elapsed_s","issuances_per_s","latency_ms":{"p50","p99","max"},"errors":[...]}
nlohmann::json to_json(RunStats stats);
// The same, as a few lines for a person.
std::string to_text(RunStats stats);

}  // namespace acmekit::loadgen
