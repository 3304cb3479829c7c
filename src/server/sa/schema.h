// The storage authority's schema and its migrations, for both engines. On
// SQLite the version lives in PRAGMA user_version and each migration moves it
// one step, in its own transaction, so a crash mid-way leaves the previous
// version intact. On PostgreSQL it lives in the table schema_version and the
// steps run in one transaction under an advisory lock (several instances may
// start at once).
#pragma once

#include "core/error.h"
#include "server/sa/sql.h"

namespace acmekit::server::sa {

// The version this build writes. A later build adds a migration (new
// tables, ALTER TABLE ... ADD COLUMN) and bumps it.
inline constexpr int kSchemaVersion = 9;

// Brings the database to kSchemaVersion. Refuses (kIo) a database written by
// a newer build, whose schema this one does not know.
Status migrate(Database& db);

}  // namespace acmekit::server::sa
