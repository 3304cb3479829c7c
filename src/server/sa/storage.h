// Storage authority: every byte of CA state goes through these two
// interfaces (Boulder's StorageReader/StorageWriter). Consumers take the
// smallest one they need. Each write is one transaction: when it returns
// success the change survives a kill -9 of the process.
//
// Two engines implement them with one storage code (sql_storage.cc): SQLite
// (the default, one process) and PostgreSQL (several instances on one
// database: every decision two instances could race on is taken by the
// database, in a transaction, a conditional UPDATE, a constraint or an
// advisory lock).
//
// Reads return std::nullopt for "no such record"; an Error is a storage
// failure (ErrorKind::kIo; kUnavailable when the database cannot answer now:
// SQLite locked past the busy timeout, PostgreSQL unreachable or
// restarting), or for writes: kAlreadyExists when a uniqueness rule
// would break (the record exists, or a concurrent writer made it first),
// kNotFound when the record named does not exist (update, revoke, bind),
// kFailedPrecondition when its state forbids the change (already revoked,
// already bound).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/model.h"

namespace acmekit::server::sa {

// Events in a rate limit's sliding window (the RA's limits, Boulder's
// windows): how many fell after `since` (the window is (now - window, now],
// so an event leaves it exactly `window` after it happened), and the times
// of the newest `keep` of them, newest first (the one that must leave the
// window before another event fits is among them).
struct WindowCount {
  std::size_t count = 0;
  std::vector<TimePoint> newest;
};

// A revoked certificate as a CRL lists it (RFC 5280 §5.1.2.6).
struct RevokedCertificate {
  std::string serial_hex;  // the certificate id: lower-case hex serial
  TimePoint revoked_at{};
  int reason = 0;  // RFC 5280 §5.3.1 CRLReason
  TimePoint not_after{};
};

// One published CRL (RFC 5280 §5): the DER every instance serves for its
// shard (server/ca/crl_shard.h) until a newer one is stored.
struct CrlRecord {
  int shard = 0;
  std::int64_t number = 0;  // RFC 5280 §5.2.3 cRLNumber
  TimePoint this_update{}, next_update{};
  std::string der;
};

class StorageReader {
 public:
  virtual ~StorageReader() = default;
  virtual Result<std::optional<AccountRecord>> get_account(std::string_view id) = 0;
  virtual Result<std::optional<AccountRecord>> get_account_by_thumbprint(std::string_view thumbprint) = 0;
  virtual Result<std::optional<OrderRecord>> get_order(std::string_view id) = 0;
  // The account's order ids, oldest first, at most `limit` after the order
  // with id `after` (empty: from the start) — for §7.1.2.1 paging.
  virtual Result<std::vector<std::string>> list_order_ids(std::string_view account_id, std::string_view after,
                                                          std::size_t limit) = 0;
  virtual Result<std::optional<AuthzRecord>> get_authz(std::string_view id) = 0;
  // A "valid" authorization of this account for this identifier and wildcard
  // flag that does not expire before `valid_until`, the one expiring last.
  virtual Result<std::optional<AuthzRecord>> find_valid_authz(std::string_view account_id,
                                                              const wire::Identifier& identifier, bool wildcard,
                                                              TimePoint valid_until) = 0;
  virtual Result<std::optional<CertificateRecord>> get_certificate(std::string_view id) = 0;
  // RFC 9773 §5: the orders whose "replaces" names certificate `id`, oldest
  // first.
  virtual Result<std::vector<std::string>> list_replacing_order_ids(std::string_view certificate_id) = 0;
  virtual Result<std::optional<EabKeyRecord>> get_eab_key(std::string_view kid) = 0;
  // Counts for metrics and rate limits: certificates whose notBefore is at
  // or after `since`.
  virtual Result<std::size_t> count_certificates_since(std::string_view account_id, TimePoint since) = 0;

  // Rate limits, each counting events after `since` and keeping the newest
  // `keep` times (WindowCount). Orders the account created:
  virtual Result<WindowCount> count_orders(std::string_view account_id, TimePoint since, std::size_t keep) = 0;
  // Certificates issued naming `domain` or a name under it (a wildcard
  // "*.d" is under d); for an ip identifier, that address. Renewals
  // (CertificateRecord::renewal) are not counted.
  virtual Result<WindowCount> count_certificates_under(const wire::Identifier& domain, TimePoint since,
                                                       std::size_t keep) = 0;
  // Certificates issued for exactly this set of identifiers (case, order
  // and duplicates ignored), renewals included.
  virtual Result<WindowCount> count_certificates_for_set(const std::vector<wire::Identifier>& identifiers,
                                                         TimePoint since, std::size_t keep) = 0;
  // Whether a certificate for exactly this set was ever issued (a renewal).
  virtual Result<bool> certificate_set_issued(const std::vector<wire::Identifier>& identifiers) = 0;
  // Whether the key with this SubjectPublicKeyInfo hash (base64url SHA-256
  // of the DER) is blocked: a certificate of it was revoked for keyCompromise.
  virtual Result<bool> is_key_blocked(std::string_view spki_sha256) = 0;
  // Pending authorizations with a challenge still "processing" whose
  // validation lease ran out before `now` (claim_validation): validations an
  // instance that stopped or died did not finish.
  virtual Result<std::vector<std::string>> list_validating_authz_ids(TimePoint now) = 0;
  // Orders "processing" without a certificate whose finalization started
  // before `started_before` (their instance stopped or died).
  virtual Result<std::vector<std::string>> list_stalled_finalizations(TimePoint started_before) = 0;
  // The account's authorizations for `identifier` whose validation failed
  // (AuthzRecord::failed).
  virtual Result<WindowCount> count_failed_validations(std::string_view account_id,
                                                       const wire::Identifier& identifier, TimePoint since,
                                                       std::size_t keep) = 0;
  // CRLs (RFC 5280 §5): the revoked certificates whose notAfter is after
  // `expires_after`, soonest-expiring first. Every shard's at once: the CRL
  // job makes all shards in one pass and sorts them itself (the shard is a
  // function of notAfter, server/ca/crl_shard.h), so one indexed query
  // serves the pass.
  virtual Result<std::vector<RevokedCertificate>> list_revoked_certificates(TimePoint expires_after) = 0;
  // The stored CRL of `shard` with the highest number, if any.
  virtual Result<std::optional<CrlRecord>> latest_crl(int shard) = 0;
};

class StorageWriter {
 public:
  virtual ~StorageWriter() = default;
  // kAlreadyExists if the id or the key thumbprint is taken. With
  // account.eab_kid set, that external account key is bound to it in the
  // same transaction (RFC 8555 §7.3.4: one key, one account): kNotFound for
  // an unknown kid, kFailedPrecondition when it is bound already; a refusal
  // leaves both untouched.
  virtual Status add_account(const AccountRecord& account) = 0;
  // Replaces contact, status, jwk_json and key_thumbprint of account.id.
  // kAlreadyExists if the new thumbprint belongs to another account.
  virtual Status update_account(const AccountRecord& account) = 0;
  // A new order with the authorizations it created (reused ones are only
  // referenced by order.authz_ids), in one transaction.
  virtual Status add_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs) = 0;
  // A pre-authorization (RFC 8555 §7.4.1): an authorization without an order.
  virtual Status add_authz(const AuthzRecord& authz) = 0;
  // Replaces status, error_json and certificate_id of order.id.
  virtual Status update_order(const OrderRecord& order) = 0;
  // Replaces status, expires, challenges and failed of authz.id.
  virtual Status update_authz(const AuthzRecord& authz) = 0;
  // Claims the validation of a pending authorization with a challenge
  // "processing" for `owner` until `until`: true when it was free (never
  // claimed, or its lease ran out before `now`), false when another owner
  // holds it or the authorization is no longer being validated. Any instance
  // may take over a validation whose owner died (RFC 8555 §7.5.1: the client
  // polls until it ends).
  virtual Result<bool> claim_validation(std::string_view authz_id, std::string_view owner, TimePoint now,
                                        TimePoint until) = 0;
  // RFC 8555 §7.4: an order about to be finalized turns "processing"
  // (finalize_started = now, finalize_owner, finalize_csr): true for the one
  // caller that moved it from "pending", false for every other (already
  // processing, valid or invalid).
  virtual Result<bool> begin_finalize(std::string_view order_id, std::string_view owner, std::string_view csr_der,
                                      TimePoint now) = 0;
  // An interrupted finalization (its owner died) is taken over: true for the
  // one caller that finds the order still "processing" without a
  // certificate and still started at `started` (the claim it saw); the
  // order then records the new owner and `now`.
  virtual Result<bool> take_over_finalize(std::string_view order_id, std::string_view owner, TimePoint started,
                                          TimePoint now) = 0;
  // Stores the certificate and marks its order valid with it, together
  // (kFailedPrecondition when the order has a certificate already); when
  // the order replaces a certificate (RFC 9773 §5), that one's
  // replaced_by_order becomes the order, in the same transaction. Its name
  // set and names are indexed for the rate limits in that transaction too.
  virtual Status add_certificate(const CertificateRecord& certificate) = 0;
  // Sets status "revoked", reason and time. kFailedPrecondition if it
  // already is. A non-empty block_spki_sha256 blocks that key in the same
  // transaction (keyCompromise).
  virtual Status revoke_certificate(std::string_view id, int reason, TimePoint when,
                                    std::string_view block_spki_sha256) = 0;
  virtual Status add_eab_key(const EabKeyRecord& key) = 0;
  // RFC 8555 §6.5: records that a nonce was used: true the first time, false
  // ever after (until `expires`, after which the nonce is refused anyway and
  // prune_nonces forgets it). For instances that share the database.
  virtual Result<bool> redeem_nonce(std::string_view nonce, TimePoint expires) = 0;
  virtual Status prune_nonces(TimePoint now) = 0;
  // The secret named `name` every instance shares: `candidate` if none was
  // stored yet (the first instance's), else the stored one.
  virtual Result<std::string> shared_secret(std::string_view name, std::string_view candidate) = 0;
  // Binds an unused key to an account; kFailedPrecondition if already bound.
  virtual Status bind_eab_key(std::string_view kid, std::string_view account_id) = 0;
  // Reads a table and commits a write (one row of its own), as a request
  // would: kIo when the database cannot do both now (full disk, read-only
  // file, I/O error, locked past the busy timeout). For GET /health and
  // the systemd watchdog.
  virtual Status check_health(TimePoint now) = 0;
  // Stores the CRLs of one generation together: all or none. A shard that
  // has a CRL of that number already refuses them all (kAlreadyExists): one
  // number, one CRL, whichever instance made it. The older CRLs of those
  // shards are deleted in the same transaction (only the latest is served).
  virtual Status add_crls(const std::vector<CrlRecord>& crls) = 0;
};

// Held while a check and the write it decides must not interleave with
// another's (the rate limits: count, then issue). Released when destroyed.
class ExclusiveLock {
 public:
  virtual ~ExclusiveLock() = default;
};

class Storage : public StorageReader, public StorageWriter {
 public:
  // The lock named `name`, exclusive across every process of this CA: a
  // process-local mutex on SQLite (one process owns the file), a PostgreSQL
  // advisory lock on a connection of its own (released by the server if the
  // instance dies). Waits until it is free.
  virtual Result<std::unique_ptr<ExclusiveLock>> exclusive(std::string_view name) = 0;
  // Which engine: "sqlite" or "postgresql" (logs, /health, metrics).
  virtual std::string_view engine() const = 0;
};

struct SqliteOptions {
  // "normal": WAL + synchronous=NORMAL, durable against a crash of the
  // process (kill -9), not of the machine. "full": fsync at every commit.
  std::string synchronous = "normal";
};

// Opens (creating if needed) the SQLite database at path, WAL mode, schema
// migrated. ":memory:" gives a private in-memory database for tests.
// Thread-safe: calls may come from any thread (one connection behind a
// mutex, so they are serialized).
Result<std::unique_ptr<Storage>> open_sqlite(const std::filesystem::path& path, const SqliteOptions& options = {});

struct PostgresOptions {
  std::string url;  // libpq URI: postgres://USER[:PASSWORD]@HOST:PORT/DB[?...]
  int pool = 8;     // connections for requests (plus one per exclusive lock name)
  // How long a request waits for a free connection before 503.
  std::chrono::milliseconds acquire_timeout{10'000};
};

// Connects to PostgreSQL and brings the schema up to date (several
// instances may do so at once). kUnavailable when the server cannot be
// reached. Thread-safe: each call borrows a pooled connection; a connection
// lost (server restarted) is replaced on the next call, so instances
// reconnect by themselves.
Result<std::unique_ptr<Storage>> open_postgres(const PostgresOptions& options);

// --database: "" (the SQLite file acmekit-ca.db in data_dir), "sqlite:PATH",
// or "postgres://..." / "postgresql://...".
Result<std::unique_ptr<Storage>> open_database(std::string_view database, const std::filesystem::path& data_dir,
                                               const SqliteOptions& sqlite, int pool);

// The URL with its password replaced by "***", for logs.
std::string redact_database_url(std::string_view url);

}  // namespace acmekit::server::sa
