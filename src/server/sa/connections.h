// Where the storage gets a connection for one call (sql_storage.cc), and its
// exclusive locks: the engine-specific half of the storage. SQLite: one
// connection behind one mutex (sqlite_storage.cc). PostgreSQL: a pool that
// replaces lost connections, advisory locks (pg_storage.cc).
#pragma once

#include <memory>
#include <string_view>

#include "core/error.h"
#include "server/sa/sql.h"
#include "server/sa/storage.h"

namespace acmekit::server::sa {

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
