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
    // Rate limits (the RA's sliding windows) count from the database, so a
    // restart keeps them: orders by account and creation time; certificates
    // by issuance time, per exact name set (name_set: sha256 of the sorted
    // identifiers, columns.h) and per name (certificate_names, dns names
    // with their labels reversed so a domain and everything under it is one
    // index range); failed validations per account and identifier.
    // Certificates issued before this step have no name set or names: the
    // per-set and per-domain counts start at the upgrade.
    Migration{3, R"sql(
CREATE INDEX orders_account_created ON orders(account_id, created_ms);
ALTER TABLE certificates ADD COLUMN issued_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN renewal INTEGER NOT NULL DEFAULT 0;
ALTER TABLE certificates ADD COLUMN name_set TEXT NOT NULL DEFAULT '';
UPDATE certificates SET issued_ms = not_before_ms;
CREATE INDEX certificates_name_set ON certificates(name_set, issued_ms) WHERE name_set != '';
CREATE TABLE certificate_names (
  identifier_type TEXT NOT NULL,
  reversed_name   TEXT NOT NULL,  -- dns: "com.example.www"; ip: the address
  issued_ms       INTEGER NOT NULL,
  certificate_id  TEXT NOT NULL REFERENCES certificates(id),
  renewal         INTEGER NOT NULL,
  PRIMARY KEY (identifier_type, reversed_name, issued_ms, certificate_id)
) WITHOUT ROWID;
ALTER TABLE authzs ADD COLUMN failed_ms INTEGER;
CREATE INDEX authzs_failed ON authzs(account_id, identifier_type, identifier_value, failed_ms)
  WHERE failed_ms IS NOT NULL;
)sql"},
    // GET /health and the systemd watchdog prove the database takes writes
    // by writing this one row (StorageWriter::check_health).
    Migration{4, R"sql(
CREATE TABLE health (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  checked_ms INTEGER NOT NULL
);
)sql"},
    // Keys that can never be used again (Boulder's blockedKeys): the key of a
    // certificate revoked for keyCompromise, refused as an account key, in a
    // key change and in a CSR. The pending authorizations, for the sweep at
    // start that resumes validations a killed process left "processing".
    Migration{5, R"sql(
CREATE INDEX authzs_pending ON authzs(status) WHERE status = 'pending';
CREATE TABLE blocked_keys (
  spki_sha256    TEXT PRIMARY KEY,  -- base64url SHA-256 of the SubjectPublicKeyInfo DER
  added_ms       INTEGER NOT NULL,
  reason         INTEGER NOT NULL,  -- RFC 5280 CRLReason
  certificate_id TEXT NOT NULL      -- the revoked certificate that blocked it
) WITHOUT ROWID;
)sql"},
    // Several instances on one database (PostgreSQL; the same columns here so
    // both engines run one storage code): a validation is leased to the
    // instance running it (lease_owner until lease_until_ms) and another
    // takes it over when the lease runs out; an order being finalized
    // records when that began, by whom and the CSR, so another instance can
    // finish it if that one dies; nonces redeemed by any instance (RFC 8555
    // §6.5), kept until they expire; secrets every instance shares (the
    // nonces' MAC key), made by the first.
    Migration{6, R"sql(
ALTER TABLE authzs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE authzs ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN finalize_started_ms INTEGER;
ALTER TABLE orders ADD COLUMN finalize_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN finalize_csr BLOB;
CREATE TABLE used_nonces (
  nonce      TEXT PRIMARY KEY,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_nonces_expires ON used_nonces(expires_ms);
CREATE TABLE secrets (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
    // draft-ietf-acme-profiles §4: the certificate profile an order was
    // created with (its name; '' for orders made before profiles: the
    // default profile).
    Migration{7, R"sql(
ALTER TABLE orders ADD COLUMN profile TEXT NOT NULL DEFAULT '';
)sql"},
    // RFC 5280 §5 CRLs: the latest of each shard, which every instance
    // serves (one number, one CRL: the primary key); the revoked
    // certificates a CRL pass lists, from a partial index.
    Migration{8, R"sql(
CREATE TABLE crls (
  shard          INTEGER NOT NULL,
  number         INTEGER NOT NULL,
  this_update_ms INTEGER NOT NULL,
  next_update_ms INTEGER NOT NULL,
  der            BLOB NOT NULL,
  PRIMARY KEY (shard, number)
) WITHOUT ROWID;
CREATE INDEX certificates_revoked ON certificates(not_after_ms) WHERE status = 'revoked';
)sql"},
    // The orders being finalized, from a partial index: Maintenance's sweep
    // (list_stalled_finalizations, every 2 s) read every order there was
    // (issue 13: with a million orders stored, about a second of every
    // 2 s sweep, the one SQLite connection held meanwhile).
    Migration{9, R"sql(
CREATE INDEX orders_processing ON orders(finalize_started_ms) WHERE status = 'processing';
)sql"},
};
static_assert(kMigrations.back().to_version == kSchemaVersion);

// PostgreSQL's schema starts at version 6, the SQLite schema of that
// version in PostgreSQL's types: BIGINT for every integer (SQLite's are
// 64-bit), BYTEA for blobs, BIGSERIAL for the order sequence, and the "C"
// collation where the storage compares by byte (the reversed names'
// ranges: '.' < '/' must hold, which a linguistic collation does not keep).
// Later steps are appended here and to kMigrations together.
constexpr std::array kPostgresMigrations{
    Migration{6, R"sql(
CREATE TABLE accounts (
  id             TEXT PRIMARY KEY,
  jwk_json       TEXT NOT NULL,
  key_thumbprint TEXT NOT NULL,
  contact        TEXT NOT NULL,
  status         TEXT NOT NULL,
  eab_kid        TEXT NOT NULL,
  created_ms     BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_key_thumbprint ON accounts(key_thumbprint);

CREATE TABLE orders (
  seq                     BIGSERIAL PRIMARY KEY,
  id                      TEXT NOT NULL UNIQUE,
  account_id              TEXT NOT NULL REFERENCES accounts(id),
  status                  TEXT NOT NULL,
  created_ms              BIGINT NOT NULL,
  expires_ms              BIGINT NOT NULL,
  identifiers             TEXT NOT NULL,
  not_before_ms           BIGINT,
  not_after_ms            BIGINT,
  error_json              TEXT NOT NULL,
  certificate_id          TEXT NOT NULL,
  replaces                TEXT NOT NULL DEFAULT '',
  replaces_certificate_id TEXT NOT NULL DEFAULT '',
  finalize_started_ms     BIGINT,
  finalize_owner          TEXT NOT NULL DEFAULT '',
  finalize_csr            BYTEA
);
CREATE INDEX orders_account ON orders(account_id, seq);
CREATE INDEX orders_replaces ON orders(replaces_certificate_id) WHERE replaces_certificate_id != '';
CREATE INDEX orders_account_created ON orders(account_id, created_ms);

CREATE TABLE authzs (
  id               TEXT PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts(id),
  identifier_type  TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard         BIGINT NOT NULL,
  status           TEXT NOT NULL,
  expires_ms       BIGINT NOT NULL,
  challenges       TEXT NOT NULL,
  failed_ms        BIGINT,
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_until_ms   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX authzs_reuse ON authzs(account_id, identifier_type, identifier_value, wildcard, status, expires_ms);
CREATE INDEX authzs_failed ON authzs(account_id, identifier_type, identifier_value, failed_ms)
  WHERE failed_ms IS NOT NULL;
CREATE INDEX authzs_pending ON authzs(status) WHERE status = 'pending';

CREATE TABLE order_authzs (
  order_id TEXT NOT NULL REFERENCES orders(id),
  position BIGINT NOT NULL,
  authz_id TEXT NOT NULL REFERENCES authzs(id),
  PRIMARY KEY (order_id, position)
);

CREATE TABLE certificates (
  id                TEXT PRIMARY KEY,
  account_id        TEXT NOT NULL REFERENCES accounts(id),
  order_id          TEXT NOT NULL REFERENCES orders(id),
  leaf_pem          TEXT NOT NULL,
  not_before_ms     BIGINT NOT NULL,
  not_after_ms      BIGINT NOT NULL,
  identifiers       TEXT NOT NULL,
  status            TEXT NOT NULL,
  revocation_reason BIGINT NOT NULL,
  revoked_at_ms     BIGINT,
  replaced_by_order TEXT NOT NULL DEFAULT '',
  issued_ms         BIGINT NOT NULL DEFAULT 0,
  renewal           BIGINT NOT NULL DEFAULT 0,
  name_set          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX certificates_account ON certificates(account_id, not_before_ms);
CREATE INDEX certificates_name_set ON certificates(name_set, issued_ms) WHERE name_set != '';

CREATE TABLE certificate_names (
  identifier_type TEXT NOT NULL,
  reversed_name   TEXT COLLATE "C" NOT NULL,
  issued_ms       BIGINT NOT NULL,
  certificate_id  TEXT NOT NULL REFERENCES certificates(id),
  renewal         BIGINT NOT NULL,
  PRIMARY KEY (identifier_type, reversed_name, issued_ms, certificate_id)
);

CREATE TABLE eab_keys (
  kid        TEXT PRIMARY KEY,
  hmac_key   BYTEA NOT NULL,
  created_ms BIGINT NOT NULL,
  account_id TEXT NOT NULL
);

CREATE TABLE health (
  id         BIGINT PRIMARY KEY CHECK (id = 1),
  checked_ms BIGINT NOT NULL
);

CREATE TABLE blocked_keys (
  spki_sha256    TEXT PRIMARY KEY,
  added_ms       BIGINT NOT NULL,
  reason         BIGINT NOT NULL,
  certificate_id TEXT NOT NULL
);

CREATE TABLE used_nonces (
  nonce      TEXT PRIMARY KEY,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX used_nonces_expires ON used_nonces(expires_ms);

CREATE TABLE secrets (
  name  TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);
)sql"},
    // draft-ietf-acme-profiles §4: the certificate profile an order was
    // created with (its name; '' for orders made before profiles: the
    // default profile).
    Migration{7, R"sql(
ALTER TABLE orders ADD COLUMN profile TEXT NOT NULL DEFAULT '';
)sql"},
    Migration{8, R"sql(
CREATE TABLE crls (
  shard          BIGINT NOT NULL,
  number         BIGINT NOT NULL,
  this_update_ms BIGINT NOT NULL,
  next_update_ms BIGINT NOT NULL,
  der            BYTEA NOT NULL,
  PRIMARY KEY (shard, number)
);
CREATE INDEX certificates_revoked ON certificates(not_after_ms) WHERE status = 'revoked';
)sql"},
    Migration{9, R"sql(
CREATE INDEX orders_processing ON orders(finalize_started_ms) WHERE status = 'processing';
)sql"},
};
static_assert(kPostgresMigrations.back().to_version == kSchemaVersion);

Result<int> user_version(Database& db) {
  ACMEKIT_TRY(auto stmt, db.prepare("PRAGMA user_version"));
  ACMEKIT_TRY(bool row, stmt.step());
  if (!row) return make_error(ErrorKind::kIo, "sqlite: PRAGMA user_version returned no row");
  return static_cast<int>(stmt.integer(0));
}

Status too_new(int version) {
  return make_error(ErrorKind::kIo, fmt::format("database schema version {} is newer than this build's ({})", version,
                                                kSchemaVersion));
}

// One transaction for every step: PostgreSQL's DDL is transactional. The
// advisory lock makes instances starting together on a new database take
// turns (the second finds the schema made).
Status migrate_postgres(Database& db) {
  ACMEKIT_TRY(auto tx, Transaction::begin(db, TxMode::kWrite));
  ACMEKIT_CHECK(db.exec("SELECT pg_advisory_xact_lock(4242001)"));
  ACMEKIT_CHECK(db.exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"));
  int version = 0;
  {
    ACMEKIT_TRY(auto stmt, db.prepare("SELECT MAX(version) FROM schema_version"));
    ACMEKIT_TRY(bool row, stmt.step());
    if (row && !stmt.is_null(0)) version = static_cast<int>(stmt.integer(0));
  }
  if (version > kSchemaVersion) return too_new(version);
  if (version == kSchemaVersion) return tx.commit();
  for (const Migration& m : kPostgresMigrations) {
    if (m.to_version > version) ACMEKIT_CHECK(db.exec(m.sql));
  }
  ACMEKIT_CHECK(db.exec("DELETE FROM schema_version"));
  ACMEKIT_CHECK(db.exec(fmt::format("INSERT INTO schema_version (version) VALUES ({})", kSchemaVersion)));
  return tx.commit();
}

}  // namespace

Status migrate(Database& db) {
  if (db.dialect() == Dialect::kPostgres) return migrate_postgres(db);
  for (const Migration& m : kMigrations) {
    // The version is read inside the write transaction, so two processes
    // opening a new file at once do not both run a step.
    ACMEKIT_TRY(auto tx, Transaction::begin(db, TxMode::kWrite));
    ACMEKIT_TRY(int version, user_version(db));
    if (version > kSchemaVersion) return too_new(version);
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
