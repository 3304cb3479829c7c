// Storage on PostgreSQL (storage.h): several acmekit-ca instances on one
// database. A pool of connections for requests (made on demand, up to
// PostgresOptions::pool; a connection the server dropped is discarded when
// returned or found dropped while idle, so a restarted server is reconnected
// to by the next request, which does not fail on a dead connection),
// and for each exclusive lock name a connection of its own holding a
// session advisory lock: the server releases it if the instance dies, and
// waiting for it never takes a connection requests need.
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "server/sa/connections.h"
#include "server/sa/pg_db.h"
#include "server/sa/schema.h"

namespace acmekit::server::sa {
namespace {

// The first key of every advisory lock acmekit-ca takes (the second is
// hashtext(name)), so other applications' locks on the database cannot collide.
constexpr std::int64_t kLockSpace = 4242002;

class PgConnections final : public Connections {
 public:
  PgConnections(PostgresOptions options, std::unique_ptr<Database> first) : options_(std::move(options)) {
    idle_.push_back(std::move(first));
    open_ = 1;
  }

  Result<Database*> acquire() override {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    for (;;) {
      while (!idle_.empty()) {
        std::unique_ptr<Database> db = std::move(idle_.back());
        idle_.pop_back();
        if (db->usable()) {
          db->lease_started();
          return db.release();
        }
        --open_;  // closed by the server while idle: replaced below
      }
      if (open_ < options_.pool) {
        ++open_;
        lock.unlock();
        auto made = connect_postgres(options_.url);
        if (!made) {
          lock.lock();
          --open_;
          cv_.notify_one();
          return std::unexpected(std::move(made.error()));
        }
        (*made)->lease_started();
        return made->release();
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= options_.pool) {
        Error e{.kind = ErrorKind::kUnavailable,
                .detail = fmt::format("postgresql: all {} connections busy for {} ms", options_.pool,
                                      options_.acquire_timeout.count())};
        e.retry_after = std::chrono::seconds(1);
        return std::unexpected(std::move(e));
      }
    }
  }

  void release(Database* db) override {
    std::unique_ptr<Database> owned(db);
    {
      std::lock_guard lock(mu_);
      if (owned->usable()) {
        idle_.push_back(std::move(owned));
      } else {
        // Lost (server restarted): the next acquire connects anew. The idle
        // ones most likely went with it, but libpq only finds out when one
        // is used: each would fail one more request. Dropped now instead;
        // if they were fine, a reconnect is all that costs.
        open_ -= 1 + static_cast<int>(idle_.size());
        idle_.clear();
      }
    }
    cv_.notify_all();
  }

  Result<std::unique_ptr<ExclusiveLock>> exclusive(std::string_view name) override {
    Slot* slot = nullptr;
    {
      std::lock_guard lock(mu_);
      auto& s = slots_[std::string(name)];
      if (!s) s = std::make_unique<Slot>();
      slot = s.get();
    }
    // Threads of this process take turns here; only one at a time waits at
    // the server for the other instances.
    slot->turn.take();
    if (!slot->db || !slot->db->usable()) {
      slot->db.reset();
      auto made = connect_postgres(options_.url);
      if (!made) {
        slot->turn.give();
        return std::unexpected(std::move(made.error()));
      }
      slot->db = std::move(*made);
    }
    auto taken = advisory(*slot->db, "SELECT pg_advisory_lock(?1, hashtext(?2))", name);
    if (!taken) {
      slot->db.reset();
      slot->turn.give();
      return std::unexpected(std::move(taken.error()).with_context(fmt::format("lock {}", name)));
    }
    return std::make_unique<Held>(*slot, std::string(name));
  }

  std::string_view engine() const override { return "postgresql"; }

 private:
  struct Slot {
    Baton turn;  // held from taking the advisory lock to releasing it
    std::unique_ptr<Database> db;
  };
  struct Held final : ExclusiveLock {
    Held(Slot& slot, std::string name) : slot(slot), name(std::move(name)) {}
    ~Held() override {
      // A failed unlock means the session is gone, and with it the lock.
      if (!advisory(*slot.db, "SELECT pg_advisory_unlock(?1, hashtext(?2))", name)) slot.db.reset();
      slot.turn.give();
    }
    Slot& slot;
    std::string name;
  };

  static Status advisory(Database& db, const std::string& sql, std::string_view name) {
    ACMEKIT_TRY(auto stmt, db.prepare(sql));
    stmt.bind(1, kLockSpace).bind(2, name);
    return stmt.run();
  }

  PostgresOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Database>> idle_;
  int open_ = 0;  // idle + lent
  std::map<std::string, std::unique_ptr<Slot>, std::less<>> slots_;
};

}  // namespace

Result<std::unique_ptr<Storage>> open_postgres(const PostgresOptions& options) {
  const std::string context = "opening storage " + redact_database_url(options.url);
  if (options.pool < 1) return make_error(ErrorKind::kInvalidArgument, "the database pool needs at least 1 connection");
  auto db = connect_postgres(options.url);
  if (!db) return std::unexpected(std::move(db.error()).with_context(context));
  if (auto s = migrate(**db); !s) return std::unexpected(std::move(s.error()).with_context(context));
  return make_sql_storage(std::make_unique<PgConnections>(options, std::move(*db)));
}

Result<std::unique_ptr<Storage>> open_database(std::string_view database, const std::filesystem::path& data_dir,
                                               const SqliteOptions& sqlite, int pool) {
  if (database.empty()) return open_sqlite(data_dir / "acmekit-ca.db", sqlite);
  if (database.starts_with("sqlite:")) return open_sqlite(std::filesystem::path(database.substr(7)), sqlite);
  if (database.starts_with("postgres://") || database.starts_with("postgresql://")) {
    return open_postgres({.url = std::string(database), .pool = pool});
  }
  return make_error(ErrorKind::kInvalidArgument,
                    "database must be sqlite:PATH or a postgres:// URL, not " + redact_database_url(database));
}

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  // scheme://user:PASSWORD@host
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=PASSWORD&... or key=value strings
  for (std::size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const auto start = p + 9;
    auto end = out.find_first_of("& ", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

}  // namespace acmekit::server::sa
