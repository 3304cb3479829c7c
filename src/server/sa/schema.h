// The storage authority's SQLite schema and its migrations. The version
// lives in PRAGMA user_version; each migration moves it one step, in its own
// transaction, so a crash mid-way leaves the previous version intact.
#pragma once

#include "core/error.h"
#include "server/sa/sqlite_db.h"

namespace acmekit::server::sa {

// The version this build writes. A later build adds a migration (new
// tables, ALTER TABLE ... ADD COLUMN) and bumps it.
inline constexpr int kSchemaVersion = 5;

// Brings the database to kSchemaVersion. Refuses (kIo) a database written by
// a newer build, whose schema this one does not know.
Status migrate(Database& db);

}  // namespace acmekit::server::sa
