// systemd's service notification protocol (sd_notify(3)) without
// libsystemd: one datagram to the socket in $NOTIFY_SOCKET. With
// Type=notify the unit is "started" once the CA serves (READY=1); with
// WatchdogSec= systemd restarts it when WATCHDOG=1 stops coming.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace acmekit::ca_cli {

// Sends `state` ("READY=1", "STOPPING=1", "STATUS=...") when started by
// systemd; false when not (no $NOTIFY_SOCKET) or the send failed.
bool notify_systemd(std::string_view state);

// $WATCHDOG_USEC when it is meant for this process ($WATCHDOG_PID unset or
// ours): how often systemd wants to hear from it.
std::optional<std::chrono::microseconds> watchdog_interval();

// Sends WATCHDOG=1 every half interval while `healthy()` says so; stops on
// destruction. Without a watchdog (watchdog_interval() empty) it does nothing.
class Watchdog {
 public:
  explicit Watchdog(std::function<bool()> healthy);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace acmekit::ca_cli
