// Non-blocking socket basics shared by the TLS probes and the DNS resolver:
// an owning file descriptor and poll() against a deadline.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace acmekit::net {

using Deadline = std::chrono::steady_clock::time_point;

// Owns a file descriptor; closes it when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Milliseconds until deadline, 0 once it has passed (a poll() timeout).
inline int remaining_ms(Deadline deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// poll() until events or the deadline: 1 ready, 0 timed out, -1 error.
inline int wait_fd(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0 ? 1 : rc;
  }
}

}  // namespace acmekit::net
