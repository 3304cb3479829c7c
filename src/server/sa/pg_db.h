// PostgreSQL behind the SQL layer (sql.h), on libpq: one connection, its
// prepared statements cached by SQL text (PREPARE once per connection), the
// SQL's ?N parameters sent as $N, every value as text. Errors become Error as
// sql.h says, from the SQLSTATE: class 23 constraints, class 08 / 57P
// (connection lost, server shutting down or starting) and 40001/40P01
// (serialization failure, deadlock) kUnavailable, the rest kIo.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "server/sa/sql.h"

namespace acmekit::server::sa {

// Connects to `url` (a libpq URI postgres://USER@HOST:PORT/DB?... or a
// key=value string). Defaults the URL may override: connect_timeout 5 s, TCP
// keepalives, statement_timeout 30 s (a hung server fails a request instead
// of holding it), application_name acmekit-ca. kUnavailable when the server
// cannot be reached.
Result<std::unique_ptr<Database>> connect_postgres(const std::string& url);

// "?1 ... ?12" -> "$1 ... $12" outside quoted strings, and the highest
// parameter number.
std::pair<std::string, int> postgres_placeholders(std::string_view sql);

}  // namespace acmekit::server::sa
