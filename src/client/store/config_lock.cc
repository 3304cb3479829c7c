#include "client/store/config_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "client/store/atomic_file.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;

// One per config dir in this process: the flock, and which thread of this
// process owns it (a flock is per open file description, and this process
// opens the file once, so its threads take turns here; the owner may take it
// again). A monitor rather than std::recursive_timed_mutex: ThreadSanitizer
// does not see the latter's timed lock and reports its unlock as a bug.
struct ConfigLock::Held {
  std::mutex mu;
  std::condition_variable released;
  std::thread::id owner;  // guarded by mu; empty when no thread holds it
  int depth = 0;          // guarded by mu; how many ConfigLocks of the owner
  int fd = -1;            // touched only by the owner
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto me = std::this_thread::get_id();
  {
    std::unique_lock lock(held->mu);
    if (held->owner == me) {  // this thread holds the flock already
      ++held->depth;
      return ConfigLock(held);
    }
    if (!held->released.wait_until(lock, deadline, [&] { return held->owner == std::thread::id(); })) return busy();
    held->owner = me;
    held->depth = 1;
  }
  // Gives the turn back when the flock could not be taken.
  auto give_up = [&] {
    if (held->fd >= 0) ::close(held->fd);
    held->fd = -1;
    {
      std::lock_guard lock(held->mu);
      held->owner = std::thread::id();
      held->depth = 0;
    }
    held->released.notify_one();
  };
  held->fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (held->fd < 0) {
    const int err = errno;
    give_up();
    return make_error(ErrorKind::kIo, "opening " + file.string() + ": " + std::strerror(err));
  }
  while (::flock(held->fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const int err = errno;
      give_up();
      return make_error(ErrorKind::kIo, "locking " + file.string() + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      give_up();
      return busy();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ConfigLock(held);
}

ConfigLock::~ConfigLock() {
  if (!held_) return;
  {
    std::lock_guard lock(held_->mu);
    if (--held_->depth > 0) return;
    if (held_->fd >= 0) ::close(held_->fd);  // releases the flock
    held_->fd = -1;
    held_->owner = std::thread::id();
  }
  held_->released.notify_one();
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
