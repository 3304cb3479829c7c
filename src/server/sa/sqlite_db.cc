#include "server/sa/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : stmt_(other.stmt_), db_(other.db_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  int rc = sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_rc_ != 0) return sqlite_error(db_, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, "step");
}

Status Statement::run() {
  while (true) {
    ACMEKIT_TRY(bool row, step());
    if (!row) return {};
  }
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::blob(int column) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path) {
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
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> Database::prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, fmt::format("prepare \"{}\"", sql));
    it = statements_.emplace(sql, stmt).first;
  }
  return Statement(it->second, db_);
}

Status Database::exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, fmt::format("exec \"{}\"", sql));
  return {};
}

int Database::changes() const { return sqlite3_changes(db_); }

Result<Transaction> Transaction::begin(Database& db, Mode mode) {
  // IMMEDIATE takes the write lock up front, so a write transaction never
  // fails half-way with SQLITE_BUSY on lock upgrade (busy_timeout applies).
  ACMEKIT_TRY(auto stmt, db.prepare(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  ACMEKIT_CHECK(stmt.run());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  // Nothing to report from a destructor; a failed rollback leaves SQLite to
  // roll back on the next open.
  if (auto stmt = db_->prepare("ROLLBACK")) (void)stmt->run();
}

Status Transaction::commit() {
  ACMEKIT_TRY(auto stmt, db_->prepare("COMMIT"));
  ACMEKIT_CHECK(stmt.run());
  db_ = nullptr;
  return {};
}

}  // namespace acmekit::server::sa
