#include "server/sa/transfer.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "server/sa/schema.h"

namespace acmekit::server::sa {
namespace {

bool listed(auto const& list, std::string_view name) { return std::ranges::find(list, name) != list.end(); }

// The tables of the database, as its own catalog lists them.
Result<std::vector<std::string>> table_names(Database& db) {
  const std::string sql = db.dialect() == Dialect::kSqlite
                              ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
                                "ESCAPE '\\'"
                              : "SELECT table_name FROM information_schema.tables "
                                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'";
  ACMEKIT_TRY(auto stmt, db.prepare(sql));
  std::vector<std::string> names;
  for (;;) {
    ACMEKIT_TRY(bool row, stmt.step());
    if (!row) return names;
    names.push_back(stmt.text(0));
  }
}

Result<std::int64_t> count_rows(Database& db, std::string_view table) {
  ACMEKIT_TRY(auto stmt, db.prepare(fmt::format("SELECT COUNT(*) FROM \"{}\"", table)));
  ACMEKIT_TRY(bool row, stmt.step());
  if (!row) return make_error(ErrorKind::kIo, fmt::format("SELECT COUNT(*) FROM {} returned no row", table));
  return stmt.integer(0);
}

// The column names of a statement that has been stepped once (PostgreSQL
// knows them only from a result).
std::vector<std::string> column_names(const Statement& stmt) {
  std::vector<std::string> names;
  for (int c = 0; c < stmt.column_count(); ++c) names.push_back(stmt.column_name(c));
  return names;
}

Result<std::vector<std::string>> target_columns(Database& db, std::string_view table) {
  ACMEKIT_TRY(auto stmt, db.prepare(fmt::format("SELECT * FROM \"{}\" WHERE 1 = 0", table)));
  ACMEKIT_TRY(bool row, stmt.step());
  (void)row;
  return column_names(stmt);
}

Status same_columns(std::string_view table, const std::vector<std::string>& source,
                    const std::vector<std::string>& target) {
  const std::set<std::string> s(source.begin(), source.end()), t(target.begin(), target.end());
  std::vector<std::string> only_source, only_target;
  std::ranges::set_difference(s, t, std::back_inserter(only_source));
  std::ranges::set_difference(t, s, std::back_inserter(only_target));
  if (only_source.empty() && only_target.empty()) return {};
  std::string detail = fmt::format("table {}: the columns differ:", table);
  if (!only_source.empty()) detail += fmt::format(" only the source has {}", fmt::join(only_source, ", "));
  if (!only_source.empty() && !only_target.empty()) detail += ";";
  if (!only_target.empty()) detail += fmt::format(" only the target has {}", fmt::join(only_target, ", "));
  return make_error(ErrorKind::kFailedPrecondition, detail);
}

// Copies one table: returns the rows copied.
Result<std::size_t> copy_table(Database& source, Database& target, std::string_view table) {
  ACMEKIT_TRY(auto rows, source.prepare(fmt::format("SELECT * FROM \"{}\"", table)));
  ACMEKIT_TRY(bool row, rows.step());
  const std::vector<std::string> columns = column_names(rows);
  ACMEKIT_TRY(auto want, target_columns(target, table));
  ACMEKIT_CHECK(same_columns(table, columns, want));

  std::vector<std::string> quoted, params;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    quoted.push_back(fmt::format("\"{}\"", columns[i]));
    params.push_back(fmt::format("?{}", i + 1));
  }
  const std::string insert =
      fmt::format("INSERT INTO \"{}\" ({}) VALUES ({})", table, fmt::join(quoted, ", "), fmt::join(params, ", "));
  std::size_t copied = 0;
  for (; row; ++copied) {
    ACMEKIT_TRY(auto stmt, target.prepare(insert));
    for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
      switch (rows.column_kind(c)) {
        case ColumnKind::kNull: stmt.bind_null(c + 1); break;
        case ColumnKind::kInteger: stmt.bind(c + 1, rows.integer(c)); break;
        case ColumnKind::kBlob: stmt.bind_blob(c + 1, rows.blob(c)); break;
        case ColumnKind::kText: stmt.bind(c + 1, rows.text(c)); break;
      }
    }
    ACMEKIT_CHECK(stmt.run());
    ACMEKIT_TRY(row, rows.step());
  }
  return copied;
}

Result<TransferReport> transfer(Database& source, Database& target) {
  ACMEKIT_TRY(auto read, Transaction::begin(source, TxMode::kRead));
  ACMEKIT_TRY(auto write, Transaction::begin(target, TxMode::kWrite));
  if (target.dialect() == Dialect::kPostgres) {
    // Instances already serving on the target may read, not write, until
    // the copy commits: the emptiness checked below stays true.
    std::vector<std::string> tables(kTransferTables.begin(), kTransferTables.end());
    ACMEKIT_CHECK(target.exec(fmt::format("LOCK TABLE {} IN EXCLUSIVE MODE", fmt::join(tables, ", "))));
  }

  // A table this build does not know would be left behind: refuse.
  ACMEKIT_TRY(auto source_tables, table_names(source));
  for (const auto& name : source_tables) {
    if (!listed(kTransferTables, name) && !listed(kTransferSkippedTables, name)) {
      return make_error(ErrorKind::kFailedPrecondition,
                        fmt::format("the source has a table this build does not copy: {}", name));
    }
  }

  std::vector<std::string> occupied;
  for (std::string_view table : kTransferTables) {
    ACMEKIT_TRY(std::int64_t n, count_rows(target, table));
    if (n > 0) occupied.push_back(fmt::format("{} {}", n, table));
  }
  if (!occupied.empty()) {
    return make_error(ErrorKind::kFailedPrecondition,
                      fmt::format("the target database is not empty ({}): migrate only into a new database, never "
                                  "onto another CA's state",
                                  fmt::join(occupied, ", ")));
  }

  TransferReport report;
  for (std::string_view table : kTransferTables) {
    auto copied = copy_table(source, target, table);
    if (!copied) return std::unexpected(std::move(copied.error()).with_context(fmt::format("copying {}", table)));
    // What the target holds now is what was read: nothing skipped or doubled.
    ACMEKIT_TRY(std::int64_t n, count_rows(target, table));
    if (n != static_cast<std::int64_t>(*copied)) {
      return make_error(ErrorKind::kInternal,
                        fmt::format("copying {}: {} rows read, the target holds {}", table, *copied, n));
    }
    report.tables.push_back({.name = std::string(table), .rows = *copied});
  }

  {
    ACMEKIT_TRY(auto stmt, target.prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM orders"));
    ACMEKIT_TRY(bool row, stmt.step());
    if (row) report.next_order_seq = stmt.integer(0);
  }
  if (target.dialect() == Dialect::kPostgres) {
    // The rows came with their seq: BIGSERIAL's sequence still stands at 1.
    ACMEKIT_CHECK(target.exec(fmt::format(
        "SELECT setval(pg_get_serial_sequence('orders', 'seq'), {}, false)", report.next_order_seq)));
  }
  ACMEKIT_CHECK(write.commit());
  return report;
}

}  // namespace

Result<TransferReport> transfer_database(Database& source, Database& target) {
  if (auto s = migrate(source); !s) return std::unexpected(std::move(s.error()).with_context("source schema"));
  if (auto s = migrate(target); !s) return std::unexpected(std::move(s.error()).with_context("target schema"));
  return transfer(source, target);
}

}  // namespace acmekit::server::sa
