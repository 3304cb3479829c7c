// Where the storage gets a connection for one call (sql_storage.cc), and its
// exclusive locks: the engine-specific half of the storage. SQLite: one
// connection behind one mutex (sqlite_storage.cc). PostgreSQL: a pool that
// replaces lost connections, advisory locks (pg_storage.cc).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>

#include "core/error.h"
#include "server/sa/sql.h"
#include "server/sa/storage.h"

namespace acmekit::server::sa {

// A lock any thread may release (a std::mutex must be unlocked by the
// thread that locked it; an ExclusiveLock may be handed to another thread
// and released there): a flag under a mutex, waited for on a condition.
class Baton {
 public:
  void take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !held_; });
    held_ = true;
  }
  void give() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
};

class Connections {
 public:
  virtual ~Connections() = default;
  // A connection for this caller alone until release(); kUnavailable when
  // none can be had now.
  virtual Result<Database*> acquire() = 0;
  virtual void release(Database* db) = 0;
  virtual Result<std::unique_ptr<ExclusiveLock>> exclusive(std::string_view name) = 0;
  virtual std::string_view engine() const = 0;
};

// The storage over these connections.
std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<Connections> connections);

}  // namespace acmekit::server::sa
