// Test-only: the one fake Clock of the unit tests. Time moves only when the
// code under test sleeps (or the test calls advance()); every sleep is
// recorded, and on_sleep (if set) runs after each with the number of sleeps
// so far (e.g. to publish a DNS record on the Nth poll). Thread safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <vector>

#include "core/clock.h"

namespace acmekit::test_support {

class FakeClock final : public Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  // 2026-01-01T00:00:00Z unless told otherwise.
  static constexpr TimePoint kDefaultStart = TimePoint{} + std::chrono::seconds(1'767'225'600);

  explicit FakeClock(TimePoint start = kDefaultStart) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void sleep_for(std::chrono::milliseconds d) override {
    std::function<void(int)> hook;
    int n = 0;
    {
      std::lock_guard lock(mu_);
      slept_.push_back(d);
      now_ += d;
      hook = on_sleep;
      n = static_cast<int>(slept_.size());
    }
    if (hook) hook(n);
  }
  void advance(std::chrono::system_clock::duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  void set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  std::vector<std::chrono::milliseconds> slept() const {
    std::lock_guard lock(mu_);
    return slept_;
  }
  std::chrono::milliseconds total_slept() const {
    std::lock_guard lock(mu_);
    std::chrono::milliseconds sum{0};
    for (auto d : slept_) sum += d;
    return sum;
  }

  std::function<void(int)> on_sleep;  // set before the code under test runs

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::vector<std::chrono::milliseconds> slept_;
};

}  // namespace acmekit::test_support
