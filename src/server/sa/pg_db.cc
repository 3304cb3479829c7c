#include "server/sa/pg_db.h"

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <charconv>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "core/hex.h"

namespace acmekit::server::sa {
namespace {

// Type oids (pg_type.h): what `migrate` needs to copy values faithfully.
constexpr Oid kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kByteaOid = 17;

ErrorKind kind_of(PGconn* conn, const PGresult* res) {
  if (PQstatus(conn) == CONNECTION_BAD) return ErrorKind::kUnavailable;
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) return ErrorKind::kUnavailable;  // no answer from the server
  const std::string_view s(state);
  if (s == "23505") return ErrorKind::kAlreadyExists;  // unique_violation
  if (s == "23503") return ErrorKind::kNotFound;       // foreign_key_violation
  if (s.starts_with("23")) return ErrorKind::kInvalidArgument;
  if (s.starts_with("08") || s.starts_with("57P") || s == "57014" || s == "40001" || s == "40P01" ||
      s == "53300") {
    // Connection trouble, admin shutdown / crash / starting up, statement
    // timeout, serialization failure, deadlock, too many connections.
    return ErrorKind::kUnavailable;
  }
  return ErrorKind::kIo;
}

std::unexpected<Error> pg_error(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string message = res != nullptr ? PQresultErrorMessage(res) : "";
  if (message.empty()) message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  Error e{.kind = kind_of(conn, res), .detail = fmt::format("postgresql {}: {}", what, message)};
  if (e.kind == ErrorKind::kUnavailable) e.retry_after = std::chrono::seconds(2);
  return std::unexpected(std::move(e));
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

class PgDatabase;

class PgStatement final : public StatementBackend {
 public:
  PgStatement(PgDatabase& db, std::string name, int params) : db_(db), name_(std::move(name)), values_(params) {}

  void bind_text(int index, std::string_view text) override { set(index, std::string(text)); }
  void bind_integer(int index, std::int64_t value) override { set(index, std::to_string(value)); }
  void bind_blob(int index, std::string_view bytes) override {
    // bytea's hex input format: \x then two hex digits per byte.
    set(index, "\\x" + to_hex(bytes));
  }
  void bind_null(int index) override { set(index, std::nullopt); }

  Result<bool> step() override;

  std::string text(int column) const override {
    return std::string(PQgetvalue(result_.get(), row_, column),
                       static_cast<std::size_t>(PQgetlength(result_.get(), row_, column)));
  }
  std::string blob(int column) const override {
    std::size_t n = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row_, column)), &n);
    if (bytes == nullptr) return {};
    std::string out(reinterpret_cast<const char*>(bytes), n);
    PQfreemem(bytes);
    return out;
  }
  std::int64_t integer(int column) const override {
    const char* v = PQgetvalue(result_.get(), row_, column);
    std::int64_t out = 0;
    std::from_chars(v, v + PQgetlength(result_.get(), row_, column), out);
    return out;
  }
  bool is_null(int column) const override { return PQgetisnull(result_.get(), row_, column) != 0; }
  int column_count() const override { return result_ ? PQnfields(result_.get()) : 0; }
  std::string column_name(int column) const override { return PQfname(result_.get(), column); }
  ColumnKind column_kind(int column) const override {
    if (is_null(column)) return ColumnKind::kNull;
    switch (PQftype(result_.get(), column)) {
      case kInt8Oid:
      case kInt2Oid:
      case kInt4Oid: return ColumnKind::kInteger;
      case kByteaOid: return ColumnKind::kBlob;
      default: return ColumnKind::kText;
    }
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    for (auto& v : values_) v.reset();
    bad_index_ = 0;
  }

 private:
  void set(int index, std::optional<std::string> value) {
    if (index < 1 || index > static_cast<int>(values_.size())) {
      if (bad_index_ == 0) bad_index_ = index;
      return;
    }
    values_[static_cast<std::size_t>(index - 1)] = std::move(value);
  }

  PgDatabase& db_;
  std::string name_;
  std::vector<std::optional<std::string>> values_;
  int bad_index_ = 0;
  ResultPtr result_;
  int row_ = -1;
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(PGconn* conn) : conn_(conn) {}
  ~PgDatabase() override {
    statements_.clear();
    PQfinish(conn_);
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Statement> prepare(const std::string& sql) override {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      auto [converted, params] = postgres_placeholders(sql);
      std::string name = fmt::format("s{}", statements_.size() + 1);
      ResultPtr res(PQprepare(conn_, name.c_str(), converted.c_str(), 0, nullptr));
      note(PQresultStatus(res.get()) == PGRES_COMMAND_OK);
      if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return pg_error(conn_, res.get(), fmt::format("prepare \"{}\"", sql));
      it = statements_.emplace(sql, std::make_unique<PgStatement>(*this, std::move(name), params)).first;
    }
    return Statement(it->second.get());
  }

  Status exec(const std::string& sql) override {
    ResultPtr res(PQexec(conn_, sql.c_str()));
    const auto status = PQresultStatus(res.get());
    note(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return pg_error(conn_, res.get(), fmt::format("exec \"{}\"", sql.substr(0, 200)));
    }
    changes_ = affected(res.get());
    return {};
  }

  int changes() const override { return changes_; }

  Status begin(TxMode mode) override {
    return exec(mode == TxMode::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  Status commit() override {
    ResultPtr res(PQexec(conn_, "COMMIT"));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return pg_error(conn_, res.get(), "commit");
    // COMMIT of a transaction an error aborted answers ROLLBACK, not an error.
    if (std::string_view(PQcmdStatus(res.get())) != "COMMIT") {
      return make_error(ErrorKind::kIo, "postgresql commit: the transaction was rolled back");
    }
    return {};
  }
  void rollback() override { ResultPtr res(PQexec(conn_, "ROLLBACK")); }
  // Between calls nothing is expected from the server (no LISTEN here):
  // anything readable on an idle connection is the server saying goodbye,
  // or its end of the socket closing.
  bool usable() const override {
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return true;
    pollfd p{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, 0) == 0;
  }
  void lease_started() override {
    commands_ = 0;
    lost_first_ = false;
  }
  bool lost_before_first_command() const override { return lost_first_; }
  // Every command's outcome: a lost connection on the first one of a lease
  // means the server ran nothing of the call.
  void note(bool ok) {
    if (!ok && commands_ == 0 && PQstatus(conn_) != CONNECTION_OK) lost_first_ = true;
    ++commands_;
  }

  PGconn* conn() { return conn_; }
  void set_changes(int n) { changes_ = n; }
  static int affected(const PGresult* res) {
    const char* n = PQcmdTuples(const_cast<PGresult*>(res));
    return (n != nullptr && *n != '\0') ? std::atoi(n) : 0;
  }

 private:
  PGconn* conn_;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> statements_;
  int changes_ = 0;
  int commands_ = 0;
  bool lost_first_ = false;
};

Result<bool> PgStatement::step() {
  if (!result_) {
    if (bad_index_ != 0) return make_error(ErrorKind::kIo, fmt::format("postgresql bind: no parameter {}", bad_index_));
    std::vector<const char*> values;
    values.reserve(values_.size());
    for (const auto& v : values_) values.push_back(v ? v->c_str() : nullptr);
    result_.reset(PQexecPrepared(db_.conn(), name_.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                 nullptr, 0));
    const auto status = PQresultStatus(result_.get());
    db_.note(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      auto err = pg_error(db_.conn(), result_.get(), "step");
      result_.reset();
      return err;
    }
    db_.set_changes(PgDatabase::affected(result_.get()));
  }
  ++row_;
  return row_ < PQntuples(result_.get());
}

}  // namespace

std::pair<std::string, int> postgres_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  int highest = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;  // '' inside a string toggles twice
    if (!quoted && c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      std::size_t j = i + 1;
      int n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') n = n * 10 + (sql[j++] - '0');
      highest = std::max(highest, n);
      out += '$';
      out.append(sql.substr(i + 1, j - i - 1));
      i = j - 1;
      continue;
    }
    out += c;
  }
  return {std::move(out), highest};
}

Result<std::unique_ptr<Database>> connect_postgres(const std::string& url) {
  // Defaults first: with expand_dbname the URL's own settings override them.
  const std::array<const char*, 9> keys{"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                                        "keepalives_count", "application_name", "options", "dbname", nullptr};
  const std::array<const char*, 9> values{"5", "1", "10", "5", "3", "acmekit-ca",
                                          "-c statement_timeout=30000", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  if (conn == nullptr) return make_error(ErrorKind::kUnavailable, "postgresql: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQfinish(conn);
    Error e{.kind = ErrorKind::kUnavailable, .detail = "postgresql connect: " + message};
    e.retry_after = std::chrono::seconds(2);
    return std::unexpected(std::move(e));
  }
  // NOTICEs (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::make_unique<PgDatabase>(conn);
}

}  // namespace acmekit::server::sa
