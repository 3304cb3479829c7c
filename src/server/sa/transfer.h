// Copying a CA's whole state from one database to another (`acmekit-ca
// migrate`: a SQLite CA moving to PostgreSQL), engine-neutral, through the
// SQL layer (sql.h): every table the CA keeps, row by row, each value as the
// source stores it (integer, text, bytes or NULL), by column name.
//
// The source is read in one read transaction: a consistent snapshot, also of
// a CA that is serving meanwhile (SQLite's WAL lets a reader see the last
// commit while the CA writes). The target is written in one transaction: it
// holds all of the source or, on any error, nothing. A target that already
// holds CA state is refused (two CAs are never merged), and so is a table
// whose columns differ between the two (a column only one side has would be
// lost or left at its default).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/sa/sql.h"

namespace acmekit::server::sa {

// The tables copied, every one a foreign key refers to before the tables
// that refer to it.
// crls: the published CRLs, so the target's next CRL numbers continue
// after them (RFC 5280 §5.2.3).
inline constexpr std::array<std::string_view, 10> kTransferTables{
    "accounts",          "orders",   "authzs",       "order_authzs", "certificates",
    "certificate_names", "eab_keys", "blocked_keys", "secrets",      "crls"};
// The tables left behind: redeemed nonces (the CA refuses a nonce older
// than a few minutes anyway), the health probe's row, the schema version
// (each engine keeps its own; migrate() writes it).
inline constexpr std::array<std::string_view, 3> kTransferSkippedTables{"used_nonces", "health", "schema_version"};

struct TransferredTable {
  std::string name;
  std::size_t rows = 0;
};

struct TransferReport {
  std::vector<TransferredTable> tables;  // kTransferTables' order
  std::int64_t next_order_seq = 1;       // what the target numbers the next order
};

// Brings both databases to kSchemaVersion (schema.h: what opening a storage
// does), then copies every table of kTransferTables from `source` to
// `target`. Errors: kFailedPrecondition when the target holds rows in any
// of those tables (naming them), when a table's columns differ (naming the
// columns) or when the source has a table this build does not know; the
// engines' errors otherwise (sql.h), with the table being copied. On
// PostgreSQL the target's tables are locked against writers until the copy
// commits, and the order sequence continues after the highest copied seq.
Result<TransferReport> transfer_database(Database& source, Database& target);

}  // namespace acmekit::server::sa
