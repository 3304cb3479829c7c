// `acmekit-ca migrate`: moves a SQLite CA's state into PostgreSQL, so that
// instances run with --database on that URL (and the same data dir: the CA
// keys stay files) continue the same CA. The copy itself is
// server::sa::transfer_database (one snapshot read, one transaction written).
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/acmekit-ca/commands.h"
#include "server/sa/schema.h"
#include "server/sa/pg_db.h"
#include "server/sa/sqlite_db.h"
#include "server/sa/storage.h"
#include "server/sa/transfer.h"

namespace acmekit::ca_cli {
namespace {

bool is_postgres_url(std::string_view s) { return s.starts_with("postgres://") || s.starts_with("postgresql://"); }

int usage(std::string_view message) {
  std::cerr << "acmekit-ca migrate: " << message << "\n";
  return kExitUsage;
}

int fail(const Error& e) {
  std::cerr << "acmekit-ca: error: " << e.message() << "\n";
  return kExitFailure;
}

}  // namespace

int run_migrate(const MigrateOptions& o) {
  // The source: --from sqlite:PATH or PATH, else the data dir's database.
  std::filesystem::path from;
  if (!o.from.empty()) {
    if (is_postgres_url(o.from)) return usage("--from must be a SQLite database (sqlite:PATH or a path)");
    from = std::string_view(o.from).starts_with("sqlite:") ? o.from.substr(7) : o.from;
  } else if (!o.data_dir.empty()) {
    from = std::filesystem::path(o.data_dir) / "acmekit-ca.db";
  } else {
    return usage("give the source: --data-dir DIR or --from sqlite:PATH");
  }
  if (from.empty()) return usage("--from sqlite: needs a path");
  if (!is_postgres_url(o.to)) return usage("--to must be a postgres:// or postgresql:// URL");
  const std::string to = server::sa::redact_database_url(o.to);

  // Opening would create a missing file: an empty CA copied is no migration.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) {
    return fail({.kind = ErrorKind::kNotFound, .detail = fmt::format("no SQLite database at {}", from.string())});
  }
  auto source = server::sa::open_sqlite_database(from);
  if (!source) return fail(source.error());
  // A serving CA holds the write lock for a moment at a time: wait for it
  // (the snapshot read itself needs no lock under WAL).
  if (auto s = (*source)->exec("PRAGMA busy_timeout = 5000"); !s) return fail(s.error());
  auto target = server::sa::connect_postgres(o.to);
  if (!target) return fail(std::move(target.error()).with_context("connecting to " + to));

  auto report = server::sa::transfer_database(**source, **target);
  if (!report) {
    return fail(std::move(report.error()).with_context(fmt::format("migrating {} to {}", from.string(), to)));
  }

  if (o.json) {
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& t : report->tables) tables[t.name] = t.rows;
    std::cout << nlohmann::json{{"from", "sqlite:" + from.string()},
                                {"to", to},
                                {"schema_version", server::sa::kSchemaVersion},
                                {"tables", tables},
                                {"next_order_seq", report->next_order_seq}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << fmt::format("migrated sqlite:{} to {} (schema version {})\n", from.string(), to,
                             server::sa::kSchemaVersion);
    for (const auto& t : report->tables) std::cout << fmt::format("  {:<18} {:>8}\n", t.name, t.rows);
    std::cout << fmt::format("next: stop the SQLite CA, then serve with --database {} and the same --data-dir "
                             "(the CA keys are files there)\n",
                             to);
  }
  return kExitOk;
}

}  // namespace acmekit::ca_cli
