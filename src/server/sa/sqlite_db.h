// A thin RAII layer over the sqlite3 C API for the storage authority: one
// connection, its prepared statements cached by SQL text, and transactions.
// SQLite failures become Error: kInvalidArgument for a broken constraint
// (UNIQUE, FOREIGN KEY: the message names it), kIo for everything else, with
// SQLite's own message.
//
// Not thread-safe: the owner serializes every call (SqliteStorage holds one
// mutex around the connection).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace acmekit::server::sa {

// A cached prepared statement, borrowed from the Database for one use: the
// destructor resets it and clears its bindings so the next user starts
// clean. Bind indexes and column indexes are those of sqlite3 (bind from 1,
// columns from 0). A failed bind is reported by the next step()/run().
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // One step: true when a row is ready to read, false when done.
  Result<bool> step();
  // Steps to the end, for statements that return no rows.
  Status run();

  std::string text(int column) const;
  std::string blob(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_rc_ = 0;  // first failed bind's result code, 0 if none
};

class Database {
 public:
  // Opens (creating if needed) the database file; ":memory:" for a private
  // in-memory one. A new file is created 0600: it holds EAB MAC keys, and
  // SQLite gives the -wal and -shm files the database file's mode.
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The statement for sql, prepared on first use and cached afterwards.
  Result<Statement> prepare(const std::string& sql);
  // Runs one or more statements that return nothing of interest (schema,
  // pragmas). Not cached.
  Status exec(const std::string& sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int changes() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN ... COMMIT; rolled back when destroyed uncommitted, so every early
// return on an error leaves the database as it was.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };  // BEGIN DEFERRED, BEGIN IMMEDIATE
  static Result<Transaction> begin(Database& db, Mode mode);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;  // null once committed or moved from
};

}  // namespace acmekit::server::sa
