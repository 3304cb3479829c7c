#!/usr/bin/env python3
"""Fills an acmekit-ca SQLite database with COUNT issued certificates, fast.

Usage: fill_db.py DB COUNT [REVOKED_EVERY]

Written straight into SQLite (for bench/bench_ca.sh --filled, issue 13), not
through the CA: each certificate comes with the rows one issuance leaves
(src/server/sa/sql_storage.cc): a valid order (its CSR and finalize columns
kept), one valid authorization (http-01 valid, dns-01 and tls-alpn-01
pending, the lease of the validation that ran it), the order_authzs link,
the certificate row (name_set, issued_ms, renewal 0) and its
certificate_names row. The rows are copies of the single-name issuances
already in DB (the bench's run against the empty database) with fresh ids,
tokens, serials and names, and every time shifted together: issued over the
last 89 days (newest last), so with 90-day certificates nearly all are
unexpired. COUNT/100 accounts (at least one) hold them, 100 each, each with
its own JWK and thumbprint (random coordinates: nothing reads these keys).

The certificate PEMs are the template certificates, reused: nothing at
startup or on the issuance path parses a stored certificate (only a
download, ARI's renewalInfo, which checks the issuer's key id, the same here,
and a revocation, which compares the DER the requester holds). Every
REVOKED_EVERY-th certificate (default 1000, 0 for none) is revoked
(superseded, a day after issuance), as the CRL job would find them.

Names: h{i%4}.s{i//4}.example, 4 names per registered domain. Prints one
JSON line: counts, seconds, the file's bytes.
"""
import base64
import hashlib
import json
import os
import random
import sqlite3
import sys
import time

DAY_MS = 86_400_000
SCHEMA_VERSION = 8  # src/server/sa/schema.h kSchemaVersion this was written for
CHUNK = 20_000


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    path, count = sys.argv[1], int(sys.argv[2])
    revoked_every = int(sys.argv[3]) if len(sys.argv) == 4 else 1000
    if count < 1 or revoked_every < 0:
        print("fill_db.py: COUNT must be >= 1, REVOKED_EVERY >= 0", file=sys.stderr)
        return 2
    started = time.monotonic()
    db = sqlite3.connect(path, isolation_level=None)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        print(f"fill_db.py: {path} has schema version {version}, need {SCHEMA_VERSION}", file=sys.stderr)
        return 1
    # A throwaway file: no journal, no syncs, every page in memory while filling.
    db.execute("PRAGMA journal_mode = DELETE")  # leaves WAL (the CA was stopped: checkpointed)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.execute("PRAGMA cache_size = -4000000")  # KiB: 4 GB at most, the random-key indexes stay cached
    db.execute("PRAGMA temp_store = MEMORY")

    templates = db.execute(
        """SELECT c.leaf_pem, c.not_before_ms - c.issued_ms, c.not_after_ms - c.issued_ms,
                  o.created_ms - c.issued_ms, o.expires_ms - c.issued_ms, o.error_json,
                  o.finalize_started_ms - c.issued_ms, o.finalize_owner, o.finalize_csr, o.profile,
                  a.expires_ms - c.issued_ms, a.challenges, a.lease_owner, a.lease_until_ms - c.issued_ms, c.issued_ms
           FROM certificates c JOIN orders o ON o.id = c.order_id
           JOIN order_authzs oa ON oa.order_id = o.id AND oa.position = 0 JOIN authzs a ON a.id = oa.authz_id
           WHERE c.status = 'valid' AND c.renewal = 0 AND c.identifiers NOT LIKE '%},{%'
             AND a.status = 'valid' AND o.replaces = '' AND o.finalize_started_ms IS NOT NULL
           ORDER BY c.issued_ms LIMIT 64""").fetchall()
    if not templates:
        print("fill_db.py: no single-name issuance in the database to copy", file=sys.stderr)
        return 1
    # The challenges JSON with its tokens and validation time as fields.
    shaped = []
    for t in templates:
        challenges = json.loads(t[11])
        fmt = t[11].replace("{", "{{").replace("}", "}}")
        for n, ch in enumerate(challenges):
            fmt = fmt.replace(json.dumps(ch["token"]), '"{t%d}"' % n)
            if "validated_ms" in ch:
                fmt = fmt.replace('"validated_ms":%d' % ch["validated_ms"], '"validated_ms":{v%d}' % n)
        validated = [ch.get("validated_ms", 0) - t[14] for ch in challenges]  # relative to issuance
        shaped.append((t, fmt, len(challenges), validated))

    rng = random.Random(13)
    now_ms = int(time.time() * 1000)
    first_ms = now_ms - 89 * DAY_MS
    step = (now_ms - 60_000 - first_ms) / count

    def rid() -> str:
        return b64u(rng.randbytes(16))

    n_accounts = max(1, count // 100)
    accounts = []
    rows = []
    for k in range(n_accounts):
        jwk = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (b64u(rng.randbytes(32)), b64u(rng.randbytes(32)))
        thumb = b64u(hashlib.sha256(jwk.encode()).digest())  # RFC 7638: these members, this order
        aid = rid()
        accounts.append(aid)
        rows.append((aid, jwk, thumb, "[]", "valid", "", first_ms - DAY_MS + k))
    db.execute("BEGIN")
    db.executemany("INSERT INTO accounts (id, jwk_json, key_thumbprint, contact, status, eab_kid, created_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    sql_authz = ("INSERT INTO authzs (id, account_id, identifier_type, identifier_value, wildcard, status, "
                 "expires_ms, challenges, failed_ms, lease_owner, lease_until_ms) "
                 "VALUES (?, ?, 'dns', ?, 0, 'valid', ?, ?, NULL, ?, ?)")
    sql_order = ("INSERT INTO orders (id, account_id, status, created_ms, expires_ms, identifiers, not_before_ms, "
                 "not_after_ms, error_json, certificate_id, replaces, replaces_certificate_id, finalize_started_ms, "
                 "finalize_owner, finalize_csr, profile) "
                 "VALUES (?, ?, 'valid', ?, ?, ?, NULL, NULL, ?, ?, '', '', ?, ?, ?, ?)")
    sql_link = "INSERT INTO order_authzs (order_id, position, authz_id) VALUES (?, 0, ?)"
    sql_cert = ("INSERT INTO certificates (id, account_id, order_id, leaf_pem, not_before_ms, not_after_ms, "
                "identifiers, status, revocation_reason, revoked_at_ms, replaced_by_order, issued_ms, renewal, "
                "name_set) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, 0, ?)")
    sql_name = ("INSERT INTO certificate_names (identifier_type, reversed_name, issued_ms, certificate_id, renewal) "
                "VALUES ('dns', ?, ?, ?, 0)")
    revoked = 0
    for base in range(0, count, CHUNK):
        authzs, orders, links, certs, names = [], [], [], [], []
        for i in range(base, min(count, base + CHUNK)):
            t, fmt, n_ch, validated = shaped[i % len(shaped)]
            issued = int(first_ms + i * step)
            shift = issued  # the template's times are relative to its issuance
            name = "h%d.s%d.example" % (i % 4, i // 4)
            account = accounts[i % n_accounts]
            order_id, authz_id = rid(), rid()
            serial = "%032x" % (rng.getrandbits(128) | (1 << 124))  # 16 bytes, no leading zero
            fields = {"t%d" % n: b64u(rng.randbytes(32)) for n in range(n_ch)}
            for n in range(n_ch):
                fields["v%d" % n] = shift + validated[n]
            identifiers = '[{"type":"dns","value":"%s"}]' % name
            authzs.append((authz_id, account, name, shift + t[10], fmt.format(**fields), t[12], shift + t[13]))
            orders.append((order_id, account, shift + t[3], shift + t[4], identifiers, t[5], serial,
                           shift + t[6], t[7], t[8], t[9]))
            links.append((order_id, authz_id))
            status, reason, revoked_at = "valid", 0, None
            if revoked_every and i % revoked_every == revoked_every - 1 and issued + DAY_MS < now_ms:
                status, reason, revoked_at = "revoked", 4, issued + DAY_MS
                revoked += 1
            not_before = (shift + t[1]) // 1000 * 1000  # whole seconds, as in the certificate
            certs.append((serial, account, order_id, t[0], not_before, not_before + t[2] - t[1], identifiers,
                          status, reason,
                          revoked_at, issued, hashlib.sha256(("dns:" + name).encode()).hexdigest()))
            names.append((".".join(reversed(name.split("."))), issued, serial))
        db.executemany(sql_authz, authzs)
        db.executemany(sql_order, orders)
        db.executemany(sql_link, links)
        db.executemany(sql_cert, certs)
        db.executemany(sql_name, names)
    db.execute("COMMIT")
    filled = time.monotonic() - started
    db.execute("PRAGMA locking_mode = NORMAL")
    db.execute("PRAGMA journal_mode = WAL")  # as the CA keeps it (the mode is stored in the file)
    db.close()
    # Filled with no syncs, so its pages are still dirty in the page cache:
    # flushed here, or the CA's first checkpoint (which fsyncs the database)
    # would pay for writing the whole fill out, a stall of seconds.
    synced = time.monotonic()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    sync_seconds = time.monotonic() - synced
    print(json.dumps({"certificates": count, "accounts": n_accounts, "revoked": revoked,
                      "templates": len(templates), "seconds": round(time.monotonic() - started, 1),
                      "insert_seconds": round(filled, 1), "sync_seconds": round(sync_seconds, 1),
                      "db_bytes": os.path.getsize(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
