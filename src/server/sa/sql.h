// The storage authority's SQL layer, one interface over two engines:
// SQLite (sqlite_db.h, the default, one file in the data dir) and PostgreSQL
// (pg_db.h, several CA instances on one database). The storage code
// (sql_storage.cc) writes its SQL once, in the subset both engines accept:
// numbered parameters ?1..?N (PostgreSQL's backend turns them into $1..$N),
// INSERT ... ON CONFLICT, no engine-specific functions.
//
// Errors: kAlreadyExists for a broken UNIQUE/PRIMARY KEY rule, kNotFound
// for a broken FOREIGN KEY rule, kInvalidArgument for another constraint,
// kUnavailable when the engine cannot answer now (locked past the busy
// timeout, connection lost, server restarting: try again later), kIo for
// everything else, with the engine's own message.
//
// A Database is one connection; it is not thread-safe: the owner (the
// storage's connection source) hands it to one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::server::sa {

enum class Dialect { kSqlite, kPostgres };

// What a result column holds (for the engine-neutral copy of `migrate`).
enum class ColumnKind { kNull, kInteger, kText, kBlob };

// One prepared statement of one connection, as the engine implements it.
class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_integer(int index, std::int64_t value) = 0;
  virtual void bind_blob(int index, std::string_view bytes) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  virtual std::string text(int column) const = 0;
  virtual std::string blob(int column) const = 0;
  virtual std::int64_t integer(int column) const = 0;
  virtual bool is_null(int column) const = 0;
  virtual int column_count() const = 0;
  virtual std::string column_name(int column) const = 0;
  virtual ColumnKind column_kind(int column) const = 0;
  // Back to the start, bindings cleared.
  virtual void reset() = 0;
};

// A cached prepared statement, borrowed from the Database for one use: the
// destructor resets it and clears its bindings so the next user starts
// clean. Bind indexes count from 1 (?1), columns from 0. A failed bind is
// reported by the next step()/run().
class Statement {
 public:
  explicit Statement(StatementBackend* backend) : backend_(backend) {}
  Statement(Statement&& other) noexcept : backend_(other.backend_) { other.backend_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (backend_ != nullptr) backend_->reset();
  }

  Statement& bind(int index, std::string_view text) {
    backend_->bind_text(index, text);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    backend_->bind_integer(index, value);
    return *this;
  }
  Statement& bind_blob(int index, std::string_view bytes) {
    backend_->bind_blob(index, bytes);
    return *this;
  }
  Statement& bind_null(int index) {
    backend_->bind_null(index);
    return *this;
  }

  // One step: true when a row is ready to read, false when done.
  Result<bool> step() { return backend_->step(); }
  // Steps to the end, for statements that return no rows.
  Status run() {
    for (;;) {
      ACMEKIT_TRY(bool row, step());
      if (!row) return {};
    }
  }

  std::string text(int column) const { return backend_->text(column); }
  std::string blob(int column) const { return backend_->blob(column); }
  std::int64_t integer(int column) const { return backend_->integer(column); }
  bool is_null(int column) const { return backend_->is_null(column); }
  int column_count() const { return backend_->column_count(); }
  std::string column_name(int column) const { return backend_->column_name(column); }
  ColumnKind column_kind(int column) const { return backend_->column_kind(column); }

 private:
  StatementBackend* backend_;
};

// How a transaction starts: kWrite takes the engine's write lock up front
// where it has one (SQLite's BEGIN IMMEDIATE), kRead reads one snapshot.
enum class TxMode { kRead, kWrite };

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // The statement for sql, prepared on first use and cached afterwards.
  virtual Result<Statement> prepare(const std::string& sql) = 0;
  // Runs one or more statements that return nothing of interest (schema,
  // settings). Not cached.
  virtual Status exec(const std::string& sql) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int changes() const = 0;
  virtual Status begin(TxMode mode) = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;  // nothing to report: a failed rollback ends with the connection
  // False once the connection is lost (PostgreSQL restarted): the owner
  // replaces it instead of handing it out again.
  virtual bool usable() const { return true; }
  // The owner lends the connection to a new caller.
  virtual void lease_started() {}
  // True when the connection was found lost by the first command of this
  // lease: the server ran nothing of it, so the caller may run the whole
  // call again on another connection.
  virtual bool lost_before_first_command() const { return false; }
};

// BEGIN ... COMMIT; rolled back when destroyed uncommitted, so every early
// return on an error leaves the database as it was.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db, TxMode mode) {
    ACMEKIT_CHECK(db.begin(mode));
    return Transaction(&db);
  }
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    if (db_ != nullptr) db_->rollback();
  }
  Status commit() {
    Database* db = db_;
    db_ = nullptr;
    Status done = db->commit();
    if (!done) db->rollback();  // SQLite keeps a transaction whose COMMIT failed (busy)
    return done;
  }

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed or moved from
};

}  // namespace acmekit::server::sa
