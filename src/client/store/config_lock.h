// The config dir's writer lock, certbot's approach: every change to the
// store (a lineage installed or removed, a revocation recorded, the caches
// written) happens under an exclusive flock on CONFIG_DIR/.lock, so the
// daemon, a cron `renew` and a manual `certonly` can run at once. Readers
// take no lock: every file is replaced atomically and live/NAME switches
// with one rename, so they never see a torn state.
//
// The lock is held only while a change is made (milliseconds), not for a
// whole run. It is reentrant within a process (one thread at a time holds
// it), so a locked operation may call another.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"

namespace acmekit::client::store {

class ConfigLock {
 public:
  // Waits for the lock up to `timeout`; kUnavailable naming the lock file
  // when another process keeps it longer. Creates the config dir (0755)
  // and the lock file (0600) when missing.
  static Result<ConfigLock> acquire(const std::filesystem::path& config_dir,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(120));
  ConfigLock(ConfigLock&&) noexcept = default;
  ConfigLock& operator=(ConfigLock&&) noexcept = default;
  ~ConfigLock();

  struct Held;

 private:
  explicit ConfigLock(std::shared_ptr<Held> held) : held_(std::move(held)) {}
  std::shared_ptr<Held> held_;
};

// A counter writers bump (under the lock) when they invalidate index lines
// (a revocation recorded, a lineage removed). A scan reads it before it
// starts and writes its index only when it is unchanged, so it never puts
// back a line a concurrent writer dropped.
std::string index_epoch(const std::filesystem::path& config_dir);
Status bump_index_epoch(const std::filesystem::path& config_dir);

}  // namespace acmekit::client::store
