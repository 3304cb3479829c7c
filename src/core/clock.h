// Time passed in, never reached for (Boulder's clock.Clock): tests inject a
// fake clock so polling and renewal decisions never sleep for real.
#pragma once

#include <chrono>
#include <thread>

namespace acmekit {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace acmekit
