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

// Real time moved to another instant: it reads `start` when made and runs
// at real speed from there (Boulder's FAKECLOCK; acmekit's end-to-end tests
// set ACMEKIT_FAKE_NOW to judge renewals as of a later day).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::system_clock::time_point start)
      : offset_(start - std::chrono::system_clock::now()) {}
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now() + offset_; }
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }

 private:
  std::chrono::system_clock::duration offset_;
};

}  // namespace acmekit
