// SQLite behind the SQL layer (sql.h): one connection, its prepared
// statements cached by SQL text. SQLite failures become Error as sql.h
// says, with SQLite's own message.
#pragma once

#include <filesystem>
#include <memory>

#include "core/error.h"
#include "server/sa/sql.h"

namespace acmekit::server::sa {

// Opens (creating if needed) the database file; ":memory:" for a private
// in-memory one. A new file is created 0600: it holds EAB MAC keys, and
// SQLite gives the -wal and -shm files the database file's mode.
Result<std::unique_ptr<Database>> open_sqlite_database(const std::filesystem::path& path);

}  // namespace acmekit::server::sa
