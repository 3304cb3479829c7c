#include "server/sa/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

namespace acmekit::server::sa {
namespace {

std::unexpected<Error> sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // A broken UNIQUE rule: the record exists (or another writer made it
  // first), not a storage failure. A lock held past the busy timeout: try
  // again later.
  // A FOREIGN KEY rule: what the record refers to does not exist.
  const int code = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  ErrorKind kind = ErrorKind::kIo;
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      kind = code == SQLITE_CONSTRAINT_FOREIGNKEY                                          ? ErrorKind::kNotFound
             : code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY ? ErrorKind::kAlreadyExists
                                                                                         : ErrorKind::kInvalidArgument;
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: kind = ErrorKind::kUnavailable; break;
    default: break;
  }
  return make_error(kind, fmt::format("sqlite {}: {}", what, message));
}

// Creates the file 0600 when missing; an existing file keeps its mode.
Status create_private(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorKind::kIo, fmt::format("opening {}: {}", path.string(), std::strerror(errno)));
  }
  ::close(fd);
  return {};
}

class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  void bind_text(int index, std::string_view text) override {
    note(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  }
  void bind_integer(int index, std::int64_t value) override { note(sqlite3_bind_int64(stmt_, index, value)); }
  void bind_blob(int index, std::string_view bytes) override {
    note(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
  }
  void bind_null(int index) override { note(sqlite3_bind_null(stmt_, index)); }

  Result<bool> step() override {
    if (bind_rc_ != 0) return sqlite_error(db_, bind_rc_, "bind");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, rc, "step");
  }

  std::string text(int column) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (p == nullptr) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::string blob(int column) const override {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    if (p == nullptr) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int column_count() const override { return sqlite3_column_count(stmt_); }
  std::string column_name(int column) const override {
    const char* name = sqlite3_column_name(stmt_, column);
    return name != nullptr ? name : "";
  }
  ColumnKind column_kind(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_NULL: return ColumnKind::kNull;
      case SQLITE_INTEGER: return ColumnKind::kInteger;
      case SQLITE_BLOB: return ColumnKind::kBlob;
      default: return ColumnKind::kText;
    }
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_rc_ = 0;
  }

 private:
  void note(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  }
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = 0;  // first failed bind's result code, 0 if none
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    statements_.clear();  // finalized before the connection closes
    sqlite3_close(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Statement> prepare(const std::string& sql) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                  nullptr);
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, fmt::format("prepare \"{}\"", sql));
      it = statements_.emplace(sql, std::make_unique<SqliteStatement>(stmt, db_)).first;
    }
    return Statement(it->second.get());
  }

  Status exec(const std::string& sql) override {
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, fmt::format("exec \"{}\"", sql));
    return {};
  }

  int changes() const override { return sqlite3_changes(db_); }

  Status begin(TxMode mode) override {
    // IMMEDIATE takes the write lock up front, so a write transaction never
    // fails half-way with SQLITE_BUSY on lock upgrade (busy_timeout applies).
    ACMEKIT_TRY(auto stmt, prepare(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
    return stmt.run();
  }
  Status commit() override {
    ACMEKIT_TRY(auto stmt, prepare("COMMIT"));
    return stmt.run();
  }
  void rollback() override {
    // Nothing to report: without a transaction open this fails harmlessly,
    // and a failed rollback leaves SQLite to roll back on the next open.
    if (auto stmt = prepare("ROLLBACK")) (void)stmt->run();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite_database(const std::filesystem::path& path) {
  if (path != ":memory:") {
    ACMEKIT_CHECK(create_private(path));
  }
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serializes calls; SQLite's own mutex would be a second lock.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(db, rc, fmt::format("open {}", path.string()));
    sqlite3_close(db);
    return err;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::make_unique<SqliteDatabase>(db);
}

}  // namespace acmekit::server::sa
