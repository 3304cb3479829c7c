#include "cli/acmekit-ca/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace acmekit::ca_cli {

bool notify_systemd(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t len = std::strlen(path);
  if (len >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path, len);
  // "@name" is a socket in the abstract namespace: a leading NUL byte.
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), addr_len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::atol(pid) != ::getpid()) {
    return std::nullopt;
  }
  char* end = nullptr;
  const unsigned long long n = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0' || n == 0) return std::nullopt;
  return std::chrono::microseconds(n);
}

Watchdog::Watchdog(std::function<bool()> healthy) {
  const auto interval = watchdog_interval();
  if (!interval) return;
  spdlog::info("systemd watchdog: every {} ms while the database takes writes", interval->count() / 2000);
  thread_ = std::thread([this, period = *interval / 2, healthy = std::move(healthy)] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      // An unhealthy CA stays silent: systemd restarts it after WatchdogSec.
      if (healthy()) notify_systemd("WATCHDOG=1");
      lock.lock();
      cv_.wait_for(lock, period, [this] { return stop_; });
    }
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace acmekit::ca_cli
