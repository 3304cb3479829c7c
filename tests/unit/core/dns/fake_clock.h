// Test-only: a Clock that only moves when slept on, with a hook that runs on
// each sleep (e.g. to publish a record on the Nth poll).
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "core/clock.h"

namespace acmekit::test_support {

class FakeDnsClock : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return now_; }
  void sleep_for(std::chrono::milliseconds d) override {
    slept.push_back(d);
    now_ += d;
    if (on_sleep) on_sleep(static_cast<int>(slept.size()));
  }
  std::vector<std::chrono::milliseconds> slept;
  std::function<void(int)> on_sleep;  // called with the number of sleeps so far
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

}  // namespace acmekit::test_support
