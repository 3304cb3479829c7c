#!/usr/bin/env bash
# acmekit-ca migrate: a CA that ran on SQLite (certbot and acmekit got
# certificates from it) is copied into PostgreSQL and served from there with
# the same data dir, and it is the same CA: certbot revokes the certificate
# issued before the move, acmekit's account (its URL unchanged) renews its
# lineage, the new certificate verifies against the same root. Also: a copy
# taken while the CA serves is a consistent snapshot; a non-empty target is
# refused; the database password is never printed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd certbot jq openssl
ca_hosts_add certbot.ca.test acmekit.ca.test www.acmekit.ca.test
start_postgres
start_acmekit_ca
use_ca_client

CB="$WORK/certbot"
certbot_run() {
  REQUESTS_CA_BUNDLE="$CA_ROOT" timeout 120 certbot "$@" --server "$CA_DIR_URL" --config-dir "$CB/config" \
    --work-dir "$CB/work" --logs-dir "$CB/logs" --non-interactive >"$LOGS/certbot.out" 2>&1 \
    || fail "certbot $1 failed: $(tail -n 20 "$LOGS/certbot.out")"
}
# migrate ARGS...: acmekit-ca migrate; sets MIG_RC, MIG_OUT, MIG_ERR.
MIG_NO=0
migrate() {
  MIG_NO=$((MIG_NO + 1))
  MIG_OUT="$LOGS/migrate-$MIG_NO.out" MIG_ERR="$LOGS/migrate-$MIG_NO.err" MIG_RC=0
  timeout 60 "$ACMEKIT_CA_BIN" migrate "$@" >"$MIG_OUT" 2>"$MIG_ERR" || MIG_RC=$?
}
# A password the server does not ask for (trust authentication) but libpq sends along.
SECRET=Sekr1t-not-for-logs
with_password() { sed "s|://acmekit@|://acmekit:$SECRET@|" <<<"$1"; }
assert_no_secret() {
  ! grep -q "$SECRET" "$MIG_OUT" "$MIG_ERR" || fail "migrate printed the database password:
$(cat "$MIG_OUT" "$MIG_ERR")"
}

case_begin "certbot and acmekit get certificates from the SQLite CA"
certbot_run certonly --standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1 \
  --agree-tos --register-unsafely-without-email -d certbot.ca.test
CERTBOT_CERT="$CB/config/live/certbot.ca.test/cert.pem"
cp "$CERTBOT_CERT" "$WORK/certbot-before.pem"
run_acmekit certonly -d acmekit.ca.test -d www.acmekit.ca.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/acmekit.ca.test" "$CA_ROOT" acmekit.ca.test www.acmekit.ca.test
run_acmekit show_account --server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$CFG" --json
assert_success
ACCOUNT_URL=$(json_get .url)
ACCOUNT_ID=${ACCOUNT_URL##*/}
ACCOUNT_FILES=$(find "$CFG/accounts" -type f -exec sha256sum {} + | sort)
case_pass

case_begin "migrate while the CA serves: one consistent snapshot, in one go"
SNAP_URL=$(pg_create_db snapshot)
migrate --data-dir "$CA_DATA" --to "$(with_password "$SNAP_URL")" --json
[[ $MIG_RC == 0 ]] || fail "migrate of the serving CA failed ($MIG_RC): $(cat "$MIG_ERR")"
assert_no_secret
# The schema version the serving CA's SQLite file is at (this build's).
SCHEMA=$(ca_sql "PRAGMA user_version")
jq -e --argjson v "$SCHEMA" '.tables.accounts == 2 and .tables.certificates == 2 and .tables.orders == 2 and
  .schema_version == $v' "$MIG_OUT" >/dev/null || fail "unexpected summary (schema $SCHEMA): $(cat "$MIG_OUT")"
[[ "$(jq -r .to "$MIG_OUT")" == "$(sed 's|://acmekit@|://acmekit:***@|' <<<"$SNAP_URL")" ]] \
  || fail "summary names the target as $(jq -r .to "$MIG_OUT")"
for t in $(jq -r '.tables | keys[]' "$MIG_OUT"); do
  [[ "$(pg_sql "SELECT COUNT(*) FROM $t" "$SNAP_URL")" == "$(jq -r ".tables.$t" "$MIG_OUT")" ]] \
    || fail "table $t: the summary and the database disagree"
done
# Every valid order's certificate and every order's authorizations came along (foreign keys).
[[ "$(pg_sql "SELECT COUNT(*) FROM orders o LEFT JOIN certificates c ON c.id = o.certificate_id
              WHERE o.status = 'valid' AND c.id IS NULL" "$SNAP_URL")" == 0 ]] || fail "a valid order lost its certificate"
case_pass

case_begin "a target holding CA state is refused, nothing written; bad usage is exit 2"
migrate --data-dir "$CA_DATA" --to "$(with_password "$SNAP_URL")"
[[ $MIG_RC == 1 ]] || fail "migrate onto a migrated database: exit $MIG_RC, expected 1"
grep -q '^acmekit-ca: error: .*not empty (2 accounts, 2 orders' "$MIG_ERR" || fail "unclear refusal: $(cat "$MIG_ERR")"
assert_no_secret
[[ "$(pg_sql "SELECT COUNT(*) FROM accounts" "$SNAP_URL")" == 2 ]] || fail "the refused copy wrote rows"
migrate --data-dir "$CA_DATA" --to "sqlite:$WORK/other.db"
[[ $MIG_RC == 2 ]] || fail "--to sqlite: exit $MIG_RC, expected 2"
migrate --to "$PG_URL"
[[ $MIG_RC == 2 ]] || fail "no source: exit $MIG_RC, expected 2"
migrate --from "sqlite:$WORK/missing.db" --to "$PG_URL"
[[ $MIG_RC == 1 && ! -e "$WORK/missing.db" ]] || fail "a missing source: exit $MIG_RC (expected 1), or it was created"
case_pass

case_begin "stop the CA, migrate it into PostgreSQL (--from sqlite:PATH)"
stop_acmekit_ca
migrate --from "sqlite:$CA_DATA/acmekit-ca.db" --to "$(with_password "$PG_URL")"
[[ $MIG_RC == 0 ]] || fail "migrate failed ($MIG_RC): $(cat "$MIG_ERR")"
assert_no_secret
grep -qE '^  accounts +2$' "$MIG_OUT" && grep -qE '^  certificates +2$' "$MIG_OUT" \
  || fail "unexpected summary: $(cat "$MIG_OUT")"
log "$(cat "$MIG_OUT")"
case_pass

case_begin "the PostgreSQL CA (same data dir, same ports) knows acmekit's account"
start_acmekit_ca --database "$PG_URL"
grep -q 'database: postgresql' "$LOGS/acmekit-ca.log" || fail "the CA does not say it serves from PostgreSQL"
run_acmekit show_account --server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$CFG" --json
assert_success
[[ "$(json_get .url)" == "$ACCOUNT_URL" && "$(json_get .status)" == valid ]] \
  || fail "the account after the move: $(cat "$ACME_OUT"), expected $ACCOUNT_URL"
case_pass

case_begin "certbot revokes the certificate issued before the move"
certbot_run revoke --cert-path "$CERTBOT_CERT" --reason keycompromise --no-delete-after-revoke
serial=$(cert_serial "$WORK/certbot-before.pem")
[[ "$(pg_sql "SELECT status || ' ' || revocation_reason FROM certificates WHERE ltrim(id, '0') = '$serial'")" == "revoked 1" ]] \
  || fail "PostgreSQL does not record $serial as revoked for keyCompromise"
[[ "$(pg_sql "SELECT COUNT(*) FROM blocked_keys")" == 1 ]] || fail "the compromised key was not blocked"
case_pass

case_begin "acmekit renews its lineage with the same account; the certificate verifies"
before=$(cert_serial "$CFG/live/acmekit.ca.test/cert.pem")
max_seq=$(pg_sql "SELECT MAX(seq) FROM orders")
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$CA_ROOT"
assert_success
after=$(cert_serial "$CFG/live/acmekit.ca.test/cert.pem")
[[ "$before" != "$after" ]] || fail "acmekit renew did not replace the certificate"
assert_cert_ok "$CFG/live/acmekit.ca.test" "$CA_ROOT" acmekit.ca.test www.acmekit.ca.test
openssl verify -CAfile "$CA_ROOT" -untrusted "$CFG/live/acmekit.ca.test/chain.pem" \
  "$CFG/live/acmekit.ca.test/cert.pem" >/dev/null || fail "the renewed certificate does not verify against the root"
[[ "$(find "$CFG/accounts" -type f -exec sha256sum {} + | sort)" == "$ACCOUNT_FILES" ]] \
  || fail "acmekit's account files changed (a new account?)"
[[ "$(pg_sql "SELECT account_id FROM certificates WHERE ltrim(id, '0') = '$after'")" == "$ACCOUNT_ID" ]] \
  || fail "the renewed certificate does not belong to account $ACCOUNT_ID"
[[ "$(pg_sql "SELECT COUNT(*) FROM accounts")" == 2 ]] || fail "the CA made a new account"
seq=$(pg_sql "SELECT o.seq FROM orders o JOIN certificates c ON c.order_id = o.id WHERE ltrim(c.id, '0') = '$after'")
[[ -n "$seq" && "$seq" -gt "$max_seq" ]] || fail "the renewal's order (seq '$seq') does not come after the migrated ones ($max_seq)"
case_pass
