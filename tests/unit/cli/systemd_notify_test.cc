// acmekit-ca's sd_notify(3) messages, received on a real AF_UNIX datagram
// socket as systemd would receive them (path and abstract namespace).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <cstring>
#include <string>
#include <thread>

#include "cli/acmekit-ca/systemd_notify.h"

namespace acmekit::ca_cli {
namespace {

using namespace std::chrono_literals;

// A datagram socket bound where $NOTIFY_SOCKET says; unset again at the end.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), offsetof(sockaddr_un, sun_path) + name.size());
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd_);
  }
  // The next datagram (waits up to 5 s); "" when none came.
  std::string receive(int flags = 0) {
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, flags);
    return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
  }
  // Every datagram already waiting, without waiting for more.
  int drain() {
    int n = 0;
    while (!receive(MSG_DONTWAIT).empty()) ++n;
    return n;
  }

 private:
  int fd_ = -1;
};

TEST(SystemdNotifyTest, WithoutNotifySocketSendsNothing) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notify_systemd("READY=1"));
}

TEST(SystemdNotifyTest, SendsToAPathSocket) {
  const auto path = std::filesystem::temp_directory_path() / ("acmekit-notify-" + std::to_string(::getpid()));
  std::filesystem::remove(path);
  {
    NotifySocket socket(path.string());
    ASSERT_TRUE(notify_systemd("READY=1\nSTATUS=serving"));
    EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
  }
  std::filesystem::remove(path);
}

TEST(SystemdNotifyTest, SendsToAnAbstractSocket) {
  NotifySocket socket("@acmekit-notify-" + std::to_string(::getpid()));
  ASSERT_TRUE(notify_systemd("STOPPING=1"));
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST(SystemdNotifyTest, WatchdogIntervalIsForThisProcessOnly) {
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(30'000'000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(30'000'000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);  // meant for another process
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_EQ(watchdog_interval(), std::nullopt);
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(watchdog_interval(), std::nullopt);
}

// The watchdog is fed while the health check passes and falls silent when
// it fails, so systemd restarts a CA whose database stopped taking writes.
TEST(SystemdNotifyTest, WatchdogFeedsOnlyWhileHealthy) {
  NotifySocket socket("@acmekit-watchdog-" + std::to_string(::getpid()));
  ::setenv("WATCHDOG_USEC", "100000", 1);  // every 50 ms
  std::atomic<bool> healthy{true};
  std::atomic<int> checks{0};
  {
    Watchdog watchdog([&] {
      ++checks;
      return healthy.load();
    });
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
    healthy = false;
    // One more check lets a send in flight finish; after it, every check
    // fails and nothing may arrive.
    const int switched = checks.load();
    while (checks.load() < switched + 1) std::this_thread::sleep_for(5ms);
    socket.drain();
    while (checks.load() < switched + 4) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(socket.drain(), 0) << "the watchdog was fed while unhealthy";
    healthy = true;
    EXPECT_EQ(socket.receive(), "WATCHDOG=1");
  }
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_GE(checks.load(), 3);
}

}  // namespace
}  // namespace acmekit::ca_cli
