#include "server/sa/schema.h"

#include <array>

#include <fmt/format.h>

namespace acmekit::server::sa {
namespace {

struct Migration {
  int to_version;
  const char* sql;
};

// Times are unix milliseconds; lists (contact, identifiers, challenges) are
// JSON text. Append new steps at the end; never edit a released one.
constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE accounts (
  id             TEXT PRIMARY KEY,
  jwk_json       TEXT NOT NULL,
  key_thumbprint TEXT NOT NULL,
  contact        TEXT NOT NULL,
  status         TEXT NOT NULL,
  eab_kid        TEXT NOT NULL,
  created_ms     INTEGER NOT NULL
);
-- RFC 8555 §7.3.1: one account per key, found by the key.
CREATE UNIQUE INDEX accounts_key_thumbprint ON accounts(key_thumbprint);

CREATE TABLE orders (
  seq            INTEGER PRIMARY KEY,  -- creation order, for §7.1.2.1 paging
  id             TEXT NOT NULL UNIQUE,
  account_id     TEXT NOT NULL REFERENCES accounts(id),
  status         TEXT NOT NULL,
  created_ms     INTEGER NOT NULL,
  expires_ms     INTEGER NOT NULL,
  identifiers    TEXT NOT NULL,
  not_before_ms  INTEGER,
  not_after_ms   INTEGER,
  error_json     TEXT NOT NULL,
  certificate_id TEXT NOT NULL
);
CREATE INDEX orders_account ON orders(account_id, seq);

CREATE TABLE authzs (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  expires_ms       INTEGER NOT NULL,
  challenges       TEXT NOT NULL
);
-- find_valid_authz: authorization reuse (RFC 8555 §7.4, Boulder's authz reuse).
CREATE INDEX authzs_reuse ON authzs(account_id, identifier_type, identifier_value, wildcard, status, expires_ms);

CREATE TABLE order_authzs (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position INTEGER NOT NULL,
  authz_id TEXT NOT NULL REFERENCES authzs(id),
  PRIMARY KEY (order_id, position)
) WITHOUT ROWID;

CREATE TABLE certificates (
  id                TEXT PRIMARY KEY,  -- serial, lower-case hex
  account_id        TEXT NOT NULL REFERENCES accounts(id),
  order_id          TEXT NOT NULL REFERENCES orders(id),
  leaf_pem          TEXT NOT NULL,
  not_before_ms     INTEGER NOT NULL,
  not_after_ms      INTEGER NOT NULL,
  identifiers       TEXT NOT NULL,
  status            TEXT NOT NULL,
  revocation_reason INTEGER NOT NULL,
  revoked_at_ms     INTEGER
);
CREATE INDEX certificates_account ON certificates(account_id, not_before_ms);

-- RFC 8555 §7.3.4. account_id is '' while unused; no foreign key, so the
-- binding and the account may be written in either order.
CREATE TABLE eab_keys (
  kid        TEXT PRIMARY KEY,
  hmac_key   BLOB NOT NULL,
  created_ms INTEGER NOT NULL,
  account_id TEXT NOT NULL
);
)sql"},
    // RFC 9773 §5: an order may replace a certificate; the certificate
    // records the order that replaced it once that order is finalized.
    Migration{2, R"sql(
ALTER TABLE orders ADD COLUMN replaces TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN replaces_certificate_id TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_replaces ON orders(replaces_certificate_id) WHERE replaces_certificate_id != '';
ALTER TABLE certificates ADD COLUMN replaced_by_order TEXT NOT NULL DEFAULT '';
)sql"},
};
static_assert(kMigrations.back().to_version == kSchemaVersion);

Result<int> user_version(Database& db) {
  ACMEKIT_TRY(auto stmt, db.prepare("PRAGMA user_version"));
  ACMEKIT_TRY(bool row, stmt.step());
  if (!row) return make_error(ErrorKind::kIo, "sqlite: PRAGMA user_version returned no row");
  return static_cast<int>(stmt.integer(0));
}

}  // namespace

Status migrate(Database& db) {
  for (const Migration& m : kMigrations) {
    // The version is read inside the write transaction, so two processes
    // opening a new file at once do not both run a step.
    ACMEKIT_TRY(auto tx, Transaction::begin(db, Transaction::Mode::kWrite));
    ACMEKIT_TRY(int version, user_version(db));
    if (version > kSchemaVersion) {
      return make_error(ErrorKind::kIo, fmt::format("database schema version {} is newer than this build's ({})",
                                                    version, kSchemaVersion));
    }
    if (m.to_version <= version) continue;
    // user_version is part of the database header, so it commits (or not)
    // together with the step's tables.
    ACMEKIT_CHECK(db.exec(m.sql));
    ACMEKIT_CHECK(db.exec(fmt::format("PRAGMA user_version = {}", m.to_version)));
    ACMEKIT_CHECK(tx.commit());
  }
  return {};
}

}  // namespace acmekit::server::sa
