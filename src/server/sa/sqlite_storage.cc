// Storage on SQLite (storage.h): the default, one process on one file. One
// connection behind one mutex: calls from any thread are serialized, which
// SQLite would do for writers anyway; the prepared statements are cached on
// that connection. WAL makes a committed transaction survive a kill -9 of
// the process (and, with synchronous=full, of the machine).
#include <map>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "server/sa/connections.h"
#include "server/sa/schema.h"
#include "server/sa/sqlite_db.h"

namespace acmekit::server::sa {
namespace {

class SqliteConnections final : public Connections {
 public:
  explicit SqliteConnections(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<Database*> acquire() override {
    mu_.lock();
    return db_.get();
  }
  void release(Database*) override { mu_.unlock(); }

  // One process owns the file, so a mutex of this process is enough.
  Result<std::unique_ptr<ExclusiveLock>> exclusive(std::string_view name) override {
    Baton* baton = nullptr;
    {
      std::lock_guard lock(names_mu_);
      baton = &named_[std::string(name)];
    }
    struct Held final : ExclusiveLock {
      explicit Held(Baton& b) : baton(b) { baton.take(); }
      ~Held() override { baton.give(); }
      Baton& baton;
    };
    return std::make_unique<Held>(*baton);
  }

  std::string_view engine() const override { return "sqlite"; }

 private:
  std::mutex mu_;
  std::unique_ptr<Database> db_;
  std::mutex names_mu_;
  std::map<std::string, Baton, std::less<>> named_;  // never erased: the batons stay put
};

Status configure(Database& db, const SqliteOptions& options) {
  if (options.synchronous != "normal" && options.synchronous != "full") {
    return make_error(ErrorKind::kInvalidArgument,
                      fmt::format("synchronous must be \"normal\" or \"full\", not \"{}\"", options.synchronous));
  }
  // Wait for another process's write lock (an admin command) instead of failing at once.
  ACMEKIT_CHECK(db.exec("PRAGMA busy_timeout = 5000"));
  ACMEKIT_CHECK(db.exec("PRAGMA journal_mode = WAL"));
  ACMEKIT_CHECK(db.exec("PRAGMA synchronous = " + options.synchronous));
  return db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace

Result<std::unique_ptr<Storage>> open_sqlite(const std::filesystem::path& path, const SqliteOptions& options) {
  const std::string context = "opening storage " + path.string();
  auto db = open_sqlite_database(path);
  if (!db) return std::unexpected(std::move(db.error()).with_context(context));
  if (auto s = configure(**db, options); !s) return std::unexpected(std::move(s.error()).with_context(context));
  if (auto s = migrate(**db); !s) return std::unexpected(std::move(s.error()).with_context(context));
  return make_sql_storage(std::make_unique<SqliteConnections>(std::move(*db)));
}

}  // namespace acmekit::server::sa
