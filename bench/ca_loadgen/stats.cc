#include "stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace acmekit::loadgen {
namespace {

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

double rate(const RunStats& s) {
  return s.elapsed.count() > 0 ? static_cast<double>(s.completed) / s.elapsed.count() : 0.0;
}

double cpu_ms_per_issuance(const RunStats& s) {
  return s.completed > 0 ? s.cpu.count() * 1000.0 / static_cast<double>(s.completed) : 0.0;
}

}  // namespace

std::chrono::microseconds percentile(const std::vector<std::chrono::microseconds>& sorted, double p) {
  if (sorted.empty()) return std::chrono::microseconds(0);
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json to_json(RunStats s) {
  std::sort(s.latencies.begin(), s.latencies.end());
  return {{"completed", s.completed},
          {"failed", s.failed},
          {"elapsed_s", s.elapsed.count()},
          {"issuances_per_s", rate(s)},
          {"latency_ms",
           {{"p50", ms(percentile(s.latencies, 50))},
            {"p99", ms(percentile(s.latencies, 99))},
            {"max", ms(percentile(s.latencies, 100))}}},
          {"retries",
           {{"transport", s.transport_retries},
            {"bad_nonce", s.bad_nonce_retries},
            {"finalize_recovered", s.finalize_recovered}}},
          {"loadgen_cpu", {{"s", s.cpu.count()}, {"ms_per_issuance", cpu_ms_per_issuance(s)}}},
          {"errors", s.first_errors}};
}

std::string to_text(RunStats s) {
  std::sort(s.latencies.begin(), s.latencies.end());
  std::string out = fmt::format(
      "completed {}, failed {} in {:.1f} s: {:.1f} issuances/s; latency p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
      s.completed, s.failed, s.elapsed.count(), rate(s), ms(percentile(s.latencies, 50)),
      ms(percentile(s.latencies, 99)), ms(percentile(s.latencies, 100)));
  out += fmt::format("load generator cpu {:.2f} s: {:.2f} ms per issuance\n", s.cpu.count(), cpu_ms_per_issuance(s));
  if (s.transport_retries + s.bad_nonce_retries + s.finalize_recovered > 0) {
    out += fmt::format("retries: {} after a failed connection, {} badNonce, {} finalizes found under way\n",
                       s.transport_retries, s.bad_nonce_retries, s.finalize_recovered);
  }
  for (const auto& e : s.first_errors) out += "error: " + e + "\n";
  return out;
}

}  // namespace acmekit::loadgen
