#include "client/store/config_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "client/store/atomic_file.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;

// One per config dir in this process: the flock, and the recursive mutex
// that makes the threads of this process take turns (a flock is per open
// file description, and this process opens the file once).
struct ConfigLock::Held {
  std::recursive_timed_mutex mu;
  int fd = -1;
  int depth = 0;  // how many ConfigLocks of this process hold it now
};

namespace {

std::mutex registry_mu;
std::map<fs::path, std::shared_ptr<ConfigLock::Held>>& registry() {
  static std::map<fs::path, std::shared_ptr<ConfigLock::Held>> r;
  return r;
}

}  // namespace

Result<ConfigLock> ConfigLock::acquire(const fs::path& config_dir, std::chrono::milliseconds timeout) {
  std::error_code ec;
  fs::create_directories(config_dir, ec);
  const fs::path key = fs::weakly_canonical(fs::absolute(config_dir, ec), ec);
  std::shared_ptr<Held> held;
  {
    std::lock_guard lock(registry_mu);
    auto& slot = registry()[key];
    if (!slot) slot = std::make_shared<Held>();
    held = slot;
  }
  const fs::path file = key / ".lock";
  auto busy = [&] {
    return make_error(ErrorKind::kUnavailable, "another acmekit process holds " + file.string() + " for longer than " +
                                                   std::to_string(timeout.count() / 1000) + " s");
  };
  if (!held->mu.try_lock_for(timeout)) return busy();
  if (held->depth++ > 0) return ConfigLock(held);  // this thread holds the flock already
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  held->fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (held->fd < 0) {
    const int err = errno;
    --held->depth;
    held->mu.unlock();
    return make_error(ErrorKind::kIo, "opening " + file.string() + ": " + std::strerror(err));
  }
  while (::flock(held->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      ::close(held->fd);
      held->fd = -1;
      --held->depth;
      held->mu.unlock();
      return make_error(ErrorKind::kIo, "locking " + file.string() + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(held->fd);
      held->fd = -1;
      --held->depth;
      held->mu.unlock();
      return busy();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ConfigLock(held);
}

ConfigLock::~ConfigLock() {
  if (!held_) return;
  if (--held_->depth == 0 && held_->fd >= 0) {
    ::close(held_->fd);  // releases the flock
    held_->fd = -1;
  }
  held_->mu.unlock();
}

std::string index_epoch(const fs::path& config_dir) {
  auto text = read_file(config_dir / ".index" / "epoch");
  return text ? *text : std::string();
}

Status bump_index_epoch(const fs::path& config_dir) {
  const std::string now = index_epoch(config_dir);
  unsigned long long n = 0;
  try {
    n = now.empty() ? 0 : std::stoull(now);
  } catch (...) {
    n = 0;
  }
  std::error_code ec;
  fs::create_directories(config_dir / ".index", ec);
  return write_file_atomic(config_dir / ".index" / "epoch", std::to_string(n + 1), 0644);
}

}  // namespace acmekit::client::store
