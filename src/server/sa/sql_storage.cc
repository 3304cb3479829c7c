// Storage (storage.h) in SQL both engines run (sql.h), over the connections
// of either (connections.h). Each call borrows one connection for its whole
// duration; every write is one transaction. Where two callers (two
// instances) could race, the SQL decides: conditional UPDATEs whose changed
// row count says who won, constraints, INSERT ... ON CONFLICT.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>

#include <fmt/format.h>

#include "server/sa/columns.h"
#include "server/sa/schema.h"
#include "server/sa/connections.h"
#include "server/sa/storage.h"

namespace acmekit::server::sa {
namespace {

using Mode = TxMode;

// Prefixes the operation's name to an error: "add_order: sqlite step: ...".
template <typename T>
Result<T> in(std::string_view operation, Result<T> result) {
  if (!result) return std::unexpected(std::move(result.error()).with_context(operation));
  return result;
}

std::unexpected<Error> not_found(std::string detail) { return make_error(ErrorKind::kNotFound, std::move(detail)); }
std::unexpected<Error> precondition(std::string detail) {
  return make_error(ErrorKind::kFailedPrecondition, std::move(detail));
}

std::optional<std::int64_t> optional_millis(const Statement& s, int column) {
  if (s.is_null(column)) return std::nullopt;
  return s.integer(column);
}

void bind_optional_time(Statement& s, int index, const std::optional<TimePoint>& t) {
  if (t) {
    s.bind(index, to_millis(*t));
  } else {
    s.bind_null(index);
  }
}

const std::string kAccountSelect =
    "SELECT id, jwk_json, key_thumbprint, contact, status, eab_kid, created_ms FROM accounts ";

Result<AccountRecord> account_from_row(const Statement& s) {
  ACMEKIT_TRY(auto contact, strings_from_json(s.text(3)));
  ACMEKIT_TRY(auto status, status_from_column(s.text(4)));
  return AccountRecord{.id = s.text(0), .jwk_json = s.text(1), .key_thumbprint = s.text(2),
                       .contact = std::move(contact), .status = status, .eab_kid = s.text(5),
                       .created = from_millis(s.integer(6))};
}

const std::string kOrderSelect =
    "SELECT id, account_id, status, created_ms, expires_ms, identifiers, not_before_ms, not_after_ms, error_json, "
    "certificate_id, replaces, replaces_certificate_id, finalize_started_ms, finalize_owner, finalize_csr, profile "
    "FROM orders ";

// Everything but authz_ids, which live in order_authzs.
Result<OrderRecord> order_from_row(const Statement& s) {
  ACMEKIT_TRY(auto identifiers, identifiers_from_json(s.text(5)));
  ACMEKIT_TRY(auto status, status_from_column(s.text(2)));
  OrderRecord o{.id = s.text(0), .account_id = s.text(1), .status = status, .created = from_millis(s.integer(3)),
                .expires = from_millis(s.integer(4)), .identifiers = std::move(identifiers),
                .error_json = s.text(8), .certificate_id = s.text(9), .replaces = s.text(10),
                .replaces_certificate_id = s.text(11)};
  if (auto ms = optional_millis(s, 6)) o.not_before = from_millis(*ms);
  if (auto ms = optional_millis(s, 7)) o.not_after = from_millis(*ms);
  if (auto ms = optional_millis(s, 12)) o.finalize_started = from_millis(*ms);
  o.finalize_owner = s.text(13);
  if (!s.is_null(14)) o.finalize_csr = s.blob(14);
  o.profile = s.text(15);
  return o;
}

const std::string kAuthzSelect =
    "SELECT id, account_id, identifier_type, identifier_value, wildcard, status, expires_ms, challenges, failed_ms "
    "FROM authzs ";

Result<AuthzRecord> authz_from_row(const Statement& s) {
  ACMEKIT_TRY(auto challenges, challenges_from_json(s.text(7)));
  ACMEKIT_TRY(auto status, status_from_column(s.text(5)));
  AuthzRecord a{.id = s.text(0), .account_id = s.text(1),
                .identifier = {.type = s.text(2), .value = s.text(3)}, .wildcard = s.integer(4) != 0,
                .status = status, .expires = from_millis(s.integer(6)), .challenges = std::move(challenges)};
  if (auto ms = optional_millis(s, 8)) a.failed = from_millis(*ms);
  return a;
}

const std::string kCertificateSelect =
    "SELECT id, account_id, order_id, leaf_pem, not_before_ms, not_after_ms, identifiers, status, "
    "revocation_reason, revoked_at_ms, replaced_by_order, issued_ms, renewal FROM certificates ";

Result<CertificateRecord> certificate_from_row(const Statement& s) {
  ACMEKIT_TRY(auto identifiers, identifiers_from_json(s.text(6)));
  ACMEKIT_TRY(auto status, status_from_column(s.text(7)));
  CertificateRecord c{.id = s.text(0), .account_id = s.text(1), .order_id = s.text(2), .leaf_pem = s.text(3),
                      .not_before = from_millis(s.integer(4)), .not_after = from_millis(s.integer(5)),
                      .identifiers = std::move(identifiers), .status = status,
                      .revocation_reason = static_cast<int>(s.integer(8)), .replaced_by_order = s.text(10),
                      .issued = from_millis(s.integer(11)), .renewal = s.integer(12) != 0};
  if (auto ms = optional_millis(s, 9)) c.revoked_at = from_millis(*ms);
  return c;
}

const std::string kEabSelect = "SELECT kid, hmac_key, created_ms, account_id FROM eab_keys ";

Result<EabKeyRecord> eab_from_row(const Statement& s) {
  return EabKeyRecord{.kid = s.text(0), .hmac_key = s.blob(1), .created = from_millis(s.integer(2)),
                      .account_id = s.text(3)};
}

// The one row `select` (already holding its WHERE clause) finds for `key`,
// decoded by from_row; nullopt when there is none.
template <typename F>
auto select_one(Database& db, const std::string& select, std::string_view key, F from_row)
    -> Result<std::optional<typename std::invoke_result_t<F, const Statement&>::value_type>> {
  ACMEKIT_TRY(auto stmt, db.prepare(select));
  stmt.bind(1, key);
  ACMEKIT_TRY(bool row, stmt.step());
  if (!row) return std::nullopt;
  ACMEKIT_TRY(auto record, from_row(stmt));
  return record;
}

Status insert_authz(Database& db, const AuthzRecord& a) {
  ACMEKIT_TRY(auto stmt, db.prepare("INSERT INTO authzs (id, account_id, identifier_type, identifier_value, wildcard, "
                                    "status, expires_ms, challenges, failed_ms) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  stmt.bind(1, a.id).bind(2, a.account_id).bind(3, a.identifier.type).bind(4, a.identifier.value);
  stmt.bind(5, std::int64_t{a.wildcard}).bind(6, status_column(a.status)).bind(7, to_millis(a.expires));
  stmt.bind(8, challenges_to_json(a.challenges));
  bind_optional_time(stmt, 9, a.failed);
  return stmt.run();
}

Status insert_order(Database& db, const OrderRecord& o) {
  ACMEKIT_TRY(auto stmt, db.prepare("INSERT INTO orders (id, account_id, status, created_ms, expires_ms, identifiers, "
                                    "not_before_ms, not_after_ms, error_json, certificate_id, replaces, "
                                    "replaces_certificate_id, profile) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  stmt.bind(1, o.id).bind(2, o.account_id).bind(3, status_column(o.status)).bind(4, to_millis(o.created));
  stmt.bind(5, to_millis(o.expires)).bind(6, identifiers_to_json(o.identifiers));
  bind_optional_time(stmt, 7, o.not_before);
  bind_optional_time(stmt, 8, o.not_after);
  stmt.bind(9, o.error_json).bind(10, o.certificate_id).bind(11, o.replaces).bind(12, o.replaces_certificate_id);
  stmt.bind(13, o.profile);
  return stmt.run();
}

Status link_authz(Database& db, std::string_view order_id, std::size_t position, std::string_view authz_id) {
  ACMEKIT_TRY(auto stmt, db.prepare("INSERT INTO order_authzs (order_id, position, authz_id) VALUES (?1, ?2, ?3)"));
  stmt.bind(1, order_id).bind(2, static_cast<std::int64_t>(position)).bind(3, authz_id);
  return stmt.run();
}

Result<std::vector<std::string>> order_authz_ids(Database& db, std::string_view order_id) {
  ACMEKIT_TRY(auto stmt, db.prepare("SELECT authz_id FROM order_authzs WHERE order_id = ?1 ORDER BY position"));
  stmt.bind(1, order_id);
  std::vector<std::string> ids;
  while (true) {
    ACMEKIT_TRY(bool row, stmt.step());
    if (!row) return ids;
    ids.push_back(stmt.text(0));
  }
}

// Steps through rows whose column 0 is a time in milliseconds, newest
// first: all of them counted, the first `keep` kept.
Result<WindowCount> window_count(Statement& stmt, std::size_t keep) {
  WindowCount out;
  while (true) {
    ACMEKIT_TRY(bool row, stmt.step());
    if (!row) return out;
    ++out.count;
    if (out.newest.size() < keep) out.newest.push_back(from_millis(stmt.integer(0)));
  }
}

// Runs an UPDATE that must hit exactly the record named `what`.
Status update_one(Database& db, Statement& stmt, std::string_view what) {
  ACMEKIT_CHECK(stmt.run());
  if (db.changes() == 0) return not_found(fmt::format("no {}", what));
  return {};
}

// The queries of one call, on the connection it borrowed.
class Queries {
 public:
  explicit Queries(Database& db) : db_(db) {}

  Result<std::optional<AccountRecord>> get_account(std::string_view id) {
    return in("get_account", select_one(db_, kAccountSelect + "WHERE id = ?1", id, account_from_row));
  }

  Result<std::optional<AccountRecord>> get_account_by_thumbprint(std::string_view thumbprint) {
    return in("get_account_by_thumbprint",
              select_one(db_, kAccountSelect + "WHERE key_thumbprint = ?1", thumbprint, account_from_row));
  }

  Result<std::optional<OrderRecord>> get_order(std::string_view id) {
    return in("get_order", read_order(id));
  }

  Result<std::vector<std::string>> list_order_ids(std::string_view account_id, std::string_view after,
                                                  std::size_t limit) {
    return in("list_order_ids", read_order_ids(account_id, after, limit));
  }

  Result<std::optional<AuthzRecord>> get_authz(std::string_view id) {
    return in("get_authz", select_one(db_, kAuthzSelect + "WHERE id = ?1", id, authz_from_row));
  }

  Result<std::optional<AuthzRecord>> find_valid_authz(std::string_view account_id, const wire::Identifier& identifier,
                                                      bool wildcard, TimePoint valid_until) {
    return in("find_valid_authz", read_valid_authz(account_id, identifier, wildcard, valid_until));
  }

  Result<std::optional<CertificateRecord>> get_certificate(std::string_view id) {
    return in("get_certificate", select_one(db_, kCertificateSelect + "WHERE id = ?1", id, certificate_from_row));
  }

  Result<std::vector<std::string>> list_replacing_order_ids(std::string_view certificate_id) {
    return in("list_replacing_order_ids", read_replacing_order_ids(certificate_id));
  }

  Result<std::optional<EabKeyRecord>> get_eab_key(std::string_view kid) {
    return in("get_eab_key", select_one(db_, kEabSelect + "WHERE kid = ?1", kid, eab_from_row));
  }

  // Certificates whose notBefore is at or after `since`.
  Result<std::size_t> count_certificates_since(std::string_view account_id, TimePoint since) {
    return in("count_certificates_since", count_certificates(account_id, since));
  }

  Result<WindowCount> count_orders(std::string_view account_id, TimePoint since, std::size_t keep) {
    return in("count_orders", [&]() -> Result<WindowCount> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT created_ms FROM orders WHERE account_id = ?1 AND created_ms > ?2 "
                                          "ORDER BY created_ms DESC"));
      stmt.bind(1, account_id).bind(2, to_millis(since));
      return window_count(stmt, keep);
    }());
  }

  Result<WindowCount> count_certificates_under(const wire::Identifier& domain, TimePoint since,
                                               std::size_t keep) {
    return in("count_certificates_under", [&]() -> Result<WindowCount> {
      // "com.example" itself, or "com.example." up to (not including)
      // "com.example/" ('/' follows '.'): every name under it. One row per
      // certificate, at its issuance time.
      // Two index ranges (an OR would scan every name of the type).
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT MAX(issued_ms) AS t FROM ("
                                          "SELECT issued_ms, certificate_id FROM certificate_names "
                                          "WHERE identifier_type = ?1 AND reversed_name = ?3 AND issued_ms > ?2 "
                                          "AND renewal = 0 UNION ALL "
                                          "SELECT issued_ms, certificate_id FROM certificate_names "
                                          "WHERE identifier_type = ?1 AND reversed_name >= ?4 AND reversed_name < ?5 "
                                          "AND issued_ms > ?2 AND renewal = 0) AS names "
                                          "GROUP BY certificate_id ORDER BY t DESC"));
      const std::string key = reversed_name(domain);
      const bool dns = domain.type == "dns";  // an address has nothing under it: an empty range
      stmt.bind(1, domain.type).bind(2, to_millis(since)).bind(3, key);
      stmt.bind(4, dns ? key + "." : key).bind(5, dns ? key + "/" : key);
      return window_count(stmt, keep);
    }());
  }

  Result<WindowCount> count_certificates_for_set(const std::vector<wire::Identifier>& identifiers, TimePoint since,
                                                 std::size_t keep) {
    return in("count_certificates_for_set", [&]() -> Result<WindowCount> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT issued_ms FROM certificates WHERE name_set = ?1 AND name_set != '' "
                                          "AND issued_ms > ?2 ORDER BY issued_ms DESC"));
      stmt.bind(1, name_set_key(identifiers)).bind(2, to_millis(since));
      return window_count(stmt, keep);
    }());
  }

  Result<bool> certificate_set_issued(const std::vector<wire::Identifier>& identifiers) {
    return in("certificate_set_issued", [&]() -> Result<bool> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT 1 FROM certificates WHERE name_set = ?1 AND name_set != '' LIMIT 1"));
      stmt.bind(1, name_set_key(identifiers));
      return stmt.step();
    }());
  }

  Result<WindowCount> count_failed_validations(std::string_view account_id, const wire::Identifier& identifier,
                                               TimePoint since, std::size_t keep) {
    return in("count_failed_validations", [&]() -> Result<WindowCount> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT failed_ms FROM authzs WHERE account_id = ?1 AND identifier_type = ?2 "
                                          "AND identifier_value = ?3 AND failed_ms IS NOT NULL AND failed_ms > ?4 "
                                          "ORDER BY failed_ms DESC"));
      stmt.bind(1, account_id).bind(2, identifier.type).bind(3, identifier.value).bind(4, to_millis(since));
      return window_count(stmt, keep);
    }());
  }

  Status add_account(const AccountRecord& a) {
    return in("add_account", write([&]() -> Status {
                if (!a.eab_kid.empty()) ACMEKIT_CHECK(bind_eab(a.eab_kid, a.id));
                ACMEKIT_TRY(auto stmt, db_.prepare("INSERT INTO accounts (id, jwk_json, key_thumbprint, contact, "
                                                    "status, eab_kid, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
                stmt.bind(1, a.id).bind(2, a.jwk_json).bind(3, a.key_thumbprint).bind(4, strings_to_json(a.contact));
                stmt.bind(5, status_column(a.status)).bind(6, a.eab_kid).bind(7, to_millis(a.created));
                return stmt.run();
              }));
  }

  Status update_account(const AccountRecord& a) {
    return in("update_account", write([&]() -> Status {
                // The unique index refuses another account's thumbprint (key rollover, §7.3.5).
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE accounts SET contact = ?2, status = ?3, jwk_json = ?4, "
                                                    "key_thumbprint = ?5 WHERE id = ?1"));
                stmt.bind(1, a.id).bind(2, strings_to_json(a.contact)).bind(3, status_column(a.status)).bind(4, a.jwk_json);
                stmt.bind(5, a.key_thumbprint);
                return update_one(db_, stmt, "account " + a.id);
              }));
  }

  Status add_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs) {
    return in("add_order", write([&]() -> Status {
                for (const AuthzRecord& a : new_authzs) {
                  ACMEKIT_CHECK(insert_authz(db_, a));
                }
                ACMEKIT_CHECK(insert_order(db_, order));
                for (std::size_t i = 0; i < order.authz_ids.size(); ++i) {
                  ACMEKIT_CHECK(link_authz(db_, order.id, i, order.authz_ids[i]));
                }
                return {};
              }));
  }

  Status add_authz(const AuthzRecord& authz) {
    return in("add_authz", write([&] { return insert_authz(db_, authz); }));
  }

  Status update_order(const OrderRecord& o) {
    return in("update_order", write([&]() -> Status {
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE orders SET status = ?2, error_json = ?3, "
                                                    "certificate_id = ?4 WHERE id = ?1"));
                stmt.bind(1, o.id).bind(2, status_column(o.status)).bind(3, o.error_json).bind(4, o.certificate_id);
                return update_one(db_, stmt, "order " + o.id);
              }));
  }

  Status update_authz(const AuthzRecord& a) {
    return in("update_authz", write([&]() -> Status {
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE authzs SET status = ?2, expires_ms = ?3, "
                                                    "challenges = ?4, failed_ms = ?5 WHERE id = ?1"));
                stmt.bind(1, a.id).bind(2, status_column(a.status)).bind(3, to_millis(a.expires));
                stmt.bind(4, challenges_to_json(a.challenges));
                bind_optional_time(stmt, 5, a.failed);
                return update_one(db_, stmt, "authorization " + a.id);
              }));
  }

  Status add_certificate(const CertificateRecord& c) {
    return in("add_certificate", write([&]() -> Status {
                // RFC 8555 §7.4: the order becomes "valid" with its certificate
                // URL, once: the first certificate recorded for it wins.
                {
                  ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE orders SET status = 'valid', certificate_id = ?2 "
                                                      "WHERE id = ?1 AND certificate_id = ''"));
                  stmt.bind(1, c.order_id).bind(2, c.id);
                  ACMEKIT_CHECK(stmt.run());
                  if (db_.changes() == 0) {
                    ACMEKIT_TRY(auto order, select_one(db_, kOrderSelect + "WHERE id = ?1", c.order_id, order_from_row));
                    if (!order) return not_found(fmt::format("no order {}", c.order_id));
                    return precondition(fmt::format("order {} has a certificate already", c.order_id));
                  }
                }
                ACMEKIT_TRY(auto stmt, db_.prepare("INSERT INTO certificates (id, account_id, order_id, leaf_pem, "
                                                    "not_before_ms, not_after_ms, identifiers, status, "
                                                    "revocation_reason, revoked_at_ms, issued_ms, renewal, name_set) "
                                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
                stmt.bind(1, c.id).bind(2, c.account_id).bind(3, c.order_id).bind(4, c.leaf_pem);
                stmt.bind(5, to_millis(c.not_before)).bind(6, to_millis(c.not_after));
                stmt.bind(7, identifiers_to_json(c.identifiers)).bind(8, status_column(c.status));
                stmt.bind(9, std::int64_t{c.revocation_reason});
                bind_optional_time(stmt, 10, c.revoked_at);
                stmt.bind(11, to_millis(c.issued)).bind(12, std::int64_t{c.renewal});
                stmt.bind(13, name_set_key(c.identifiers));
                ACMEKIT_CHECK(stmt.run());
                // The names, for the certificates-per-domain limit.
                for (const auto& id : c.identifiers) {
                  ACMEKIT_TRY(auto name, db_.prepare("INSERT INTO certificate_names (identifier_type, "
                                                      "reversed_name, issued_ms, certificate_id, renewal) "
                                                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING"));
                  name.bind(1, id.type).bind(2, reversed_name(id)).bind(3, to_millis(c.issued)).bind(4, c.id);
                  name.bind(5, std::int64_t{c.renewal});
                  ACMEKIT_CHECK(name.run());
                }
                // RFC 9773 §5: finalizing a replacement order marks the
                // certificate it replaces, in the same transaction.
                ACMEKIT_TRY(auto mark, db_.prepare("UPDATE certificates SET replaced_by_order = ?1 WHERE id = "
                                                    "(SELECT replaces_certificate_id FROM orders WHERE id = ?1) "
                                                    "AND replaced_by_order = ''"));
                mark.bind(1, c.order_id);
                return mark.run();
              }));
  }

  Status revoke_certificate(std::string_view id, int reason, TimePoint when,
                            std::string_view block_spki_sha256) {
    return in("revoke_certificate", write([&]() -> Status {
                // RFC 8555 §7.6: revoking twice is refused ("alreadyRevoked"
                // at the WFE); of two racing revocations one changes the row.
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE certificates SET status = 'revoked', "
                                                    "revocation_reason = ?2, revoked_at_ms = ?3 "
                                                    "WHERE id = ?1 AND status != 'revoked'"));
                stmt.bind(1, id).bind(2, std::int64_t{reason}).bind(3, to_millis(when));
                ACMEKIT_CHECK(stmt.run());
                if (db_.changes() == 0) {
                  ACMEKIT_TRY(auto found, select_one(db_, kCertificateSelect + "WHERE id = ?1", id, certificate_from_row));
                  if (!found) return not_found(fmt::format("no certificate {}", id));
                  return precondition(fmt::format("certificate {} already revoked", id));
                }
                if (block_spki_sha256.empty()) return {};
                ACMEKIT_TRY(auto block, db_.prepare("INSERT INTO blocked_keys (spki_sha256, added_ms, "
                                                     "reason, certificate_id) VALUES (?1, ?2, ?3, ?4) "
                                                     "ON CONFLICT DO NOTHING"));
                block.bind(1, block_spki_sha256).bind(2, to_millis(when)).bind(3, std::int64_t{reason}).bind(4, id);
                return block.run();
              }));
  }

  Status add_eab_key(const EabKeyRecord& k) {
    return in("add_eab_key", write([&]() -> Status {
                ACMEKIT_TRY(auto stmt, db_.prepare("INSERT INTO eab_keys (kid, hmac_key, created_ms, account_id) "
                                                    "VALUES (?1, ?2, ?3, ?4)"));
                stmt.bind(1, k.kid).bind_blob(2, k.hmac_key).bind(3, to_millis(k.created)).bind(4, k.account_id);
                return stmt.run();
              }));
  }

  Status bind_eab_key(std::string_view kid, std::string_view account_id) {
    return in("bind_eab_key", write([&] { return bind_eab(kid, account_id); }));
  }

  Result<bool> is_key_blocked(std::string_view spki_sha256) {
    return in("is_key_blocked", [&]() -> Result<bool> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT 1 FROM blocked_keys WHERE spki_sha256 = ?1"));
      stmt.bind(1, spki_sha256);
      return stmt.step();
    }());
  }

  Result<std::vector<std::string>> list_validating_authz_ids(TimePoint now) {
    return in("list_validating_authz_ids", [&]() -> Result<std::vector<std::string>> {
      // authzs_pending (a partial index) keeps this off the whole table.
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT id FROM authzs WHERE status = 'pending' "
                                          "AND challenges LIKE '%\"processing\"%' AND lease_until_ms < ?1"));
      stmt.bind(1, to_millis(now));
      std::vector<std::string> ids;
      for (;;) {
        ACMEKIT_TRY(bool row, stmt.step());
        if (!row) break;
        ids.push_back(stmt.text(0));
      }
      return ids;
    }());
  }

  Result<bool> claim_validation(std::string_view authz_id, std::string_view owner, TimePoint now, TimePoint until) {
    return in("claim_validation", write_result([&]() -> Result<bool> {
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE authzs SET lease_owner = ?2, lease_until_ms = ?3 "
                                                    "WHERE id = ?1 AND status = 'pending' AND lease_until_ms < ?4 "
                                                    "AND challenges LIKE '%\"processing\"%'"));
                stmt.bind(1, authz_id).bind(2, owner).bind(3, to_millis(until)).bind(4, to_millis(now));
                ACMEKIT_CHECK(stmt.run());
                return db_.changes() == 1;
              }));
  }

  Result<bool> begin_finalize(std::string_view order_id, std::string_view owner, std::string_view csr_der,
                              TimePoint now) {
    return in("begin_finalize", write_result([&]() -> Result<bool> {
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE orders SET status = 'processing', finalize_started_ms = ?2, "
                                                    "finalize_owner = ?3, finalize_csr = ?4 "
                                                    "WHERE id = ?1 AND status = 'pending' AND certificate_id = ''"));
                stmt.bind(1, order_id).bind(2, to_millis(now)).bind(3, owner).bind_blob(4, csr_der);
                ACMEKIT_CHECK(stmt.run());
                return db_.changes() == 1;
              }));
  }

  Result<bool> take_over_finalize(std::string_view order_id, std::string_view owner, TimePoint started,
                                  TimePoint now) {
    return in("take_over_finalize", write_result([&]() -> Result<bool> {
                ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE orders SET finalize_started_ms = ?2, finalize_owner = ?3 "
                                                    "WHERE id = ?1 AND status = 'processing' AND certificate_id = '' "
                                                    "AND finalize_started_ms = ?4"));
                stmt.bind(1, order_id).bind(2, to_millis(now)).bind(3, owner).bind(4, to_millis(started));
                ACMEKIT_CHECK(stmt.run());
                return db_.changes() == 1;
              }));
  }

  Result<std::vector<std::string>> list_stalled_finalizations(TimePoint started_before) {
    return in("list_stalled_finalizations", [&]() -> Result<std::vector<std::string>> {
      // The partial index orders_processing (schema step 9) holds exactly
      // the orders being finalized.
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT id FROM orders WHERE status = 'processing' AND certificate_id = '' "
                                          "AND finalize_started_ms < ?1"));
      stmt.bind(1, to_millis(started_before));
      std::vector<std::string> ids;
      for (;;) {
        ACMEKIT_TRY(bool row, stmt.step());
        if (!row) return ids;
        ids.push_back(stmt.text(0));
      }
    }());
  }

  Result<bool> redeem_nonce(std::string_view nonce, TimePoint expires) {
    return in("redeem_nonce", write_result([&]() -> Result<bool> {
                ACMEKIT_TRY(auto stmt, db_.prepare("INSERT INTO used_nonces (nonce, expires_ms) VALUES (?1, ?2) "
                                                    "ON CONFLICT DO NOTHING"));
                stmt.bind(1, nonce).bind(2, to_millis(expires));
                ACMEKIT_CHECK(stmt.run());
                return db_.changes() == 1;
              }));
  }

  Status prune_nonces(TimePoint now) {
    return in("prune_nonces", write([&]() -> Status {
                ACMEKIT_TRY(auto stmt, db_.prepare("DELETE FROM used_nonces WHERE expires_ms < ?1"));
                stmt.bind(1, to_millis(now));
                return stmt.run();
              }));
  }

  Result<std::string> shared_secret(std::string_view name, std::string_view candidate) {
    return in("shared_secret", [&]() -> Result<std::string> {
      ACMEKIT_TRY(auto tx, Transaction::begin(db_, Mode::kWrite));
      {
        ACMEKIT_TRY(auto insert, db_.prepare("INSERT INTO secrets (name, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING"));
        insert.bind(1, name).bind_blob(2, candidate);
        ACMEKIT_CHECK(insert.run());
      }
      std::string value;
      {
        ACMEKIT_TRY(auto stmt, db_.prepare("SELECT value FROM secrets WHERE name = ?1"));
        stmt.bind(1, name);
        ACMEKIT_TRY(bool row, stmt.step());
        if (!row) return make_error(ErrorKind::kIo, fmt::format("secret {} was not stored", name));
        value = stmt.blob(0);
      }
      ACMEKIT_CHECK(tx.commit());
      return value;
    }());
  }

  Result<std::vector<RevokedCertificate>> list_revoked_certificates(TimePoint expires_after) {
    return in("list_revoked_certificates", [&]() -> Result<std::vector<RevokedCertificate>> {
      // The partial index certificates_revoked (schema step 7) holds exactly
      // these rows.
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT id, revoked_at_ms, revocation_reason, not_after_ms FROM certificates "
                                          "WHERE status = 'revoked' AND not_after_ms > ?1 "
                                          "ORDER BY not_after_ms, id"));
      stmt.bind(1, to_millis(expires_after));
      std::vector<RevokedCertificate> out;
      while (true) {
        ACMEKIT_TRY(bool row, stmt.step());
        if (!row) return out;
        RevokedCertificate r{.serial_hex = stmt.text(0), .reason = static_cast<int>(stmt.integer(2)),
                             .not_after = from_millis(stmt.integer(3))};
        // A revoked row always has its time; a missing one reads as the epoch.
        r.revoked_at = from_millis(stmt.is_null(1) ? 0 : stmt.integer(1));
        out.push_back(std::move(r));
      }
    }());
  }

  Result<std::optional<CrlRecord>> latest_crl(int shard) {
    return in("latest_crl", [&]() -> Result<std::optional<CrlRecord>> {
      ACMEKIT_TRY(auto stmt, db_.prepare("SELECT number, this_update_ms, next_update_ms, der FROM crls "
                                          "WHERE shard = ?1 ORDER BY number DESC LIMIT 1"));
      stmt.bind(1, std::int64_t{shard});
      ACMEKIT_TRY(bool row, stmt.step());
      if (!row) return std::nullopt;
      return CrlRecord{.shard = shard, .number = stmt.integer(0), .this_update = from_millis(stmt.integer(1)),
                       .next_update = from_millis(stmt.integer(2)), .der = stmt.blob(3)};
    }());
  }

  Status add_crls(const std::vector<CrlRecord>& crls) {
    return in("add_crls", write([&]() -> Status {
                for (const auto& crl : crls) {
                  // The primary key (shard, number) refuses a second CRL of a
                  // number (kAlreadyExists), and with it the whole write.
                  ACMEKIT_TRY(auto insert, db_.prepare("INSERT INTO crls (shard, number, this_update_ms, "
                                                        "next_update_ms, der) VALUES (?1, ?2, ?3, ?4, ?5)"));
                  insert.bind(1, std::int64_t{crl.shard}).bind(2, crl.number);
                  insert.bind(3, to_millis(crl.this_update)).bind(4, to_millis(crl.next_update));
                  insert.bind_blob(5, crl.der);
                  ACMEKIT_CHECK(insert.run());
                  ACMEKIT_TRY(auto prune, db_.prepare("DELETE FROM crls WHERE shard = ?1 AND number < ?2"));
                  prune.bind(1, std::int64_t{crl.shard}).bind(2, crl.number);
                  ACMEKIT_CHECK(prune.run());
                }
                return {};
              }));
  }

  Status check_health(TimePoint now) {
    return in("check_health", write([&]() -> Status {
                ACMEKIT_TRY(auto read, db_.prepare("SELECT COUNT(*) FROM (SELECT 1 FROM accounts LIMIT 1) AS one"));
                ACMEKIT_TRY(bool row, read.step());
                if (!row) return make_error(ErrorKind::kIo, "reading accounts returned no row");
                ACMEKIT_TRY(auto stmt, db_.prepare("INSERT INTO health (id, checked_ms) VALUES (1, ?1) "
                                                    "ON CONFLICT (id) DO UPDATE SET checked_ms = excluded.checked_ms"));
                stmt.bind(1, to_millis(now));
                return stmt.run();
              }));
  }

 private:
  // Inside a write: binds an unused EAB key to an account (RFC 8555 §7.3.4).
  Status bind_eab(std::string_view kid, std::string_view account_id) {
    // RFC 8555 §7.3.4: one external account key, one ACME account; of two
    // accounts racing for one key, one UPDATE changes the row.
    ACMEKIT_TRY(auto stmt, db_.prepare("UPDATE eab_keys SET account_id = ?2 WHERE kid = ?1 AND account_id = ''"));
    stmt.bind(1, kid).bind(2, account_id);
    ACMEKIT_CHECK(stmt.run());
    if (db_.changes() == 1) return {};
    ACMEKIT_TRY(auto found, select_one(db_, kEabSelect + "WHERE kid = ?1", kid, eab_from_row));
    if (!found) return not_found(fmt::format("no EAB key {}", kid));
    return precondition(fmt::format("EAB key {} already bound", kid));
  }

  // Runs body inside one write transaction (SQLite: BEGIN IMMEDIATE); any
  // error rolls back.
  template <typename F>
  Status write(F body) {
    ACMEKIT_TRY(auto tx, Transaction::begin(db_, Mode::kWrite));
    ACMEKIT_CHECK(body());
    return tx.commit();
  }
  template <typename F>
  Result<bool> write_result(F body) {
    ACMEKIT_TRY(auto tx, Transaction::begin(db_, Mode::kWrite));
    ACMEKIT_TRY(bool out, body());
    ACMEKIT_CHECK(tx.commit());
    return out;
  }

  Result<std::optional<OrderRecord>> read_order(std::string_view id) {
    // One read transaction: the order and its links from the same snapshot.
    ACMEKIT_TRY(auto tx, Transaction::begin(db_, Mode::kRead));
    ACMEKIT_TRY(auto order, select_one(db_, kOrderSelect + "WHERE id = ?1", id, order_from_row));
    if (order) {
      ACMEKIT_TRY(order->authz_ids, order_authz_ids(db_, id));
    }
    ACMEKIT_CHECK(tx.commit());
    return order;
  }

  Result<std::vector<std::string>> read_order_ids(std::string_view account_id, std::string_view after,
                                                  std::size_t limit) {
    // After an id that is not this account's order the page is empty.
    ACMEKIT_TRY(auto stmt, db_.prepare(after.empty()
                                            ? "SELECT id FROM orders WHERE account_id = ?1 ORDER BY seq LIMIT ?2"
                                            : "SELECT id FROM orders WHERE account_id = ?1 AND seq > "
                                              "(SELECT seq FROM orders WHERE id = ?3 AND account_id = ?1) "
                                              "ORDER BY seq LIMIT ?2"));
    constexpr std::size_t kMax = std::numeric_limits<std::int64_t>::max();
    stmt.bind(1, account_id).bind(2, static_cast<std::int64_t>(std::min(limit, kMax)));
    if (!after.empty()) stmt.bind(3, after);
    std::vector<std::string> ids;
    while (true) {
      ACMEKIT_TRY(bool row, stmt.step());
      if (!row) return ids;
      ids.push_back(stmt.text(0));
    }
  }

  Result<std::optional<AuthzRecord>> read_valid_authz(std::string_view account_id, const wire::Identifier& identifier,
                                                      bool wildcard, TimePoint valid_until) {
    ACMEKIT_TRY(auto stmt, db_.prepare(kAuthzSelect +
                                        "WHERE account_id = ?1 AND identifier_type = ?2 AND identifier_value = ?3 "
                                        "AND wildcard = ?4 AND status = 'valid' AND expires_ms >= ?5 "
                                        "ORDER BY expires_ms DESC LIMIT 1"));
    stmt.bind(1, account_id).bind(2, identifier.type).bind(3, identifier.value);
    stmt.bind(4, std::int64_t{wildcard}).bind(5, to_millis(valid_until));
    ACMEKIT_TRY(bool row, stmt.step());
    if (!row) return std::nullopt;
    ACMEKIT_TRY(auto authz, authz_from_row(stmt));
    return authz;
  }

  Result<std::vector<std::string>> read_replacing_order_ids(std::string_view certificate_id) {
    // The repeated "!= ''" lets SQLite use the partial index orders_replaces
    // (it cannot tell that ?1 is never ''); without it every order is read.
    ACMEKIT_TRY(auto stmt, db_.prepare("SELECT id FROM orders WHERE replaces_certificate_id = ?1 "
                                        "AND replaces_certificate_id != '' ORDER BY seq"));
    stmt.bind(1, certificate_id);
    std::vector<std::string> ids;
    while (true) {
      ACMEKIT_TRY(bool row, stmt.step());
      if (!row) return ids;
      ids.push_back(stmt.text(0));
    }
  }

  Result<std::size_t> count_certificates(std::string_view account_id, TimePoint since) {
    ACMEKIT_TRY(auto stmt, db_.prepare("SELECT COUNT(*) FROM certificates WHERE account_id = ?1 "
                                        "AND not_before_ms >= ?2"));
    stmt.bind(1, account_id).bind(2, to_millis(since));
    ACMEKIT_TRY(bool row, stmt.step());
    if (!row) return make_error(ErrorKind::kIo, "COUNT(*) returned no row");
    return static_cast<std::size_t>(stmt.integer(0));
  }

  Database& db_;
};


// Every call borrows a connection for its duration and runs its Queries.
class SqlStorage final : public Storage {
 public:
  explicit SqlStorage(std::unique_ptr<Connections> connections) : connections_(std::move(connections)) {}

  Result<std::optional<AccountRecord>> get_account(std::string_view id) override {
    return with([&](Queries& q) { return q.get_account(id); });
  }
  Result<std::optional<AccountRecord>> get_account_by_thumbprint(std::string_view thumbprint) override {
    return with([&](Queries& q) { return q.get_account_by_thumbprint(thumbprint); });
  }
  Result<std::optional<OrderRecord>> get_order(std::string_view id) override {
    return with([&](Queries& q) { return q.get_order(id); });
  }
  Result<std::vector<std::string>> list_order_ids(std::string_view account_id, std::string_view after,
                                                  std::size_t limit) override {
    return with([&](Queries& q) { return q.list_order_ids(account_id, after, limit); });
  }
  Result<std::optional<AuthzRecord>> get_authz(std::string_view id) override {
    return with([&](Queries& q) { return q.get_authz(id); });
  }
  Result<std::optional<AuthzRecord>> find_valid_authz(std::string_view account_id, const wire::Identifier& identifier,
                                                      bool wildcard, TimePoint valid_until) override {
    return with([&](Queries& q) { return q.find_valid_authz(account_id, identifier, wildcard, valid_until); });
  }
  Result<std::optional<CertificateRecord>> get_certificate(std::string_view id) override {
    return with([&](Queries& q) { return q.get_certificate(id); });
  }
  Result<std::vector<std::string>> list_replacing_order_ids(std::string_view certificate_id) override {
    return with([&](Queries& q) { return q.list_replacing_order_ids(certificate_id); });
  }
  Result<std::optional<EabKeyRecord>> get_eab_key(std::string_view kid) override {
    return with([&](Queries& q) { return q.get_eab_key(kid); });
  }
  Result<std::size_t> count_certificates_since(std::string_view account_id, TimePoint since) override {
    return with([&](Queries& q) { return q.count_certificates_since(account_id, since); });
  }
  Result<WindowCount> count_orders(std::string_view account_id, TimePoint since, std::size_t keep) override {
    return with([&](Queries& q) { return q.count_orders(account_id, since, keep); });
  }
  Result<WindowCount> count_certificates_under(const wire::Identifier& domain, TimePoint since,
                                               std::size_t keep) override {
    return with([&](Queries& q) { return q.count_certificates_under(domain, since, keep); });
  }
  Result<WindowCount> count_certificates_for_set(const std::vector<wire::Identifier>& identifiers, TimePoint since,
                                                 std::size_t keep) override {
    return with([&](Queries& q) { return q.count_certificates_for_set(identifiers, since, keep); });
  }
  Result<bool> certificate_set_issued(const std::vector<wire::Identifier>& identifiers) override {
    return with([&](Queries& q) { return q.certificate_set_issued(identifiers); });
  }
  Result<bool> is_key_blocked(std::string_view spki_sha256) override {
    return with([&](Queries& q) { return q.is_key_blocked(spki_sha256); });
  }
  Result<std::vector<std::string>> list_validating_authz_ids(TimePoint now) override {
    return with([&](Queries& q) { return q.list_validating_authz_ids(now); });
  }
  Result<WindowCount> count_failed_validations(std::string_view account_id, const wire::Identifier& identifier,
                                               TimePoint since, std::size_t keep) override {
    return with([&](Queries& q) { return q.count_failed_validations(account_id, identifier, since, keep); });
  }

  Status add_account(const AccountRecord& account) override {
    return with([&](Queries& q) { return q.add_account(account); });
  }
  Status update_account(const AccountRecord& account) override {
    return with([&](Queries& q) { return q.update_account(account); });
  }
  Status add_order(const OrderRecord& order, const std::vector<AuthzRecord>& new_authzs) override {
    return with([&](Queries& q) { return q.add_order(order, new_authzs); });
  }
  Status add_authz(const AuthzRecord& authz) override {
    return with([&](Queries& q) { return q.add_authz(authz); });
  }
  Status update_order(const OrderRecord& order) override {
    return with([&](Queries& q) { return q.update_order(order); });
  }
  Status update_authz(const AuthzRecord& authz) override {
    return with([&](Queries& q) { return q.update_authz(authz); });
  }
  Result<bool> claim_validation(std::string_view authz_id, std::string_view owner, TimePoint now,
                                TimePoint until) override {
    return with([&](Queries& q) { return q.claim_validation(authz_id, owner, now, until); });
  }
  Result<bool> begin_finalize(std::string_view order_id, std::string_view owner, std::string_view csr_der,
                              TimePoint now) override {
    return with([&](Queries& q) { return q.begin_finalize(order_id, owner, csr_der, now); });
  }
  Result<bool> take_over_finalize(std::string_view order_id, std::string_view owner, TimePoint started,
                                  TimePoint now) override {
    return with([&](Queries& q) { return q.take_over_finalize(order_id, owner, started, now); });
  }
  Result<std::vector<std::string>> list_stalled_finalizations(TimePoint started_before) override {
    return with([&](Queries& q) { return q.list_stalled_finalizations(started_before); });
  }
  Status add_certificate(const CertificateRecord& certificate) override {
    return with([&](Queries& q) { return q.add_certificate(certificate); });
  }
  Status revoke_certificate(std::string_view id, int reason, TimePoint when,
                            std::string_view block_spki_sha256) override {
    return with([&](Queries& q) { return q.revoke_certificate(id, reason, when, block_spki_sha256); });
  }
  Status add_eab_key(const EabKeyRecord& key) override {
    return with([&](Queries& q) { return q.add_eab_key(key); });
  }
  Status bind_eab_key(std::string_view kid, std::string_view account_id) override {
    return with([&](Queries& q) { return q.bind_eab_key(kid, account_id); });
  }
  Result<bool> redeem_nonce(std::string_view nonce, TimePoint expires) override {
    return with([&](Queries& q) { return q.redeem_nonce(nonce, expires); });
  }
  Status prune_nonces(TimePoint now) override {
    return with([&](Queries& q) { return q.prune_nonces(now); });
  }
  Result<std::vector<RevokedCertificate>> list_revoked_certificates(TimePoint expires_after) override {
    return with([&](Queries& q) { return q.list_revoked_certificates(expires_after); });
  }
  Result<std::optional<CrlRecord>> latest_crl(int shard) override {
    return with([&](Queries& q) { return q.latest_crl(shard); });
  }
  Status add_crls(const std::vector<CrlRecord>& crls) override {
    return with([&](Queries& q) { return q.add_crls(crls); });
  }
  Result<std::string> shared_secret(std::string_view name, std::string_view candidate) override {
    return with([&](Queries& q) { return q.shared_secret(name, candidate); });
  }
  Status check_health(TimePoint now) override {
    return with([&](Queries& q) { return q.check_health(now); });
  }

  Result<std::unique_ptr<ExclusiveLock>> exclusive(std::string_view name) override {
    return connections_->exclusive(name);
  }
  std::string_view engine() const override { return connections_->engine(); }

 private:
  // Runs `body` on a borrowed connection, returned however body ends. A
  // connection found lost by its first command (the server restarted while
  // it was idle) ran nothing, so the call runs once more on a new one.
  template <typename F>
  auto with(F body) -> decltype(body(std::declval<Queries&>())) {
    for (int attempt = 0;; ++attempt) {
      auto db = connections_->acquire();
      if (!db) return std::unexpected(std::move(db.error()));
      struct Return {
        Connections& pool;
        Database* db;
        ~Return() { pool.release(db); }
      } give_back{*connections_, *db};
      Queries q(**db);
      auto result = body(q);
      if (!result && attempt == 0 && (*db)->lost_before_first_command()) continue;
      return result;
    }
  }

  std::unique_ptr<Connections> connections_;
};

}  // namespace

std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<Connections> connections) {
  return std::make_unique<SqlStorage>(std::move(connections));
}

}  // namespace acmekit::server::sa
