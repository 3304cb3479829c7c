#!/usr/bin/env bash
# acmekit check: a certificate from Pebble served by nginx over TLS is found,
# verified with Pebble's root, matched to its lineage; thresholds, missing
# trust, a stale (not reloaded) server and a closed port give the documented
# exit codes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

use_pebble_client
NAME=check.test
LIVE="$CFG/live/$NAME"

run_acmekit certonly -d "$NAME" -d www.check.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$LIVE" "$PEBBLE_ROOT" "$NAME" www.check.test

# nginx serves the live fullchain over TLS on a second port of its server block.
HTTP_PORT=$(free_port); TLS_PORT=$(free_port)
start_nginx "$WORK/www" "$HTTP_PORT" \
  "listen 127.0.0.1:$TLS_PORT ssl; ssl_certificate $LIVE/fullchain.pem; ssl_certificate_key $LIVE/privkey.pem;"
wait_listening "$TLS_PORT" "$NGINX_PID" "nginx (TLS)"
TARGET="127.0.0.1:$TLS_PORT"
SERIAL=$(cert_serial "$LIVE/cert.pem")

# ---------------------------------------------------------------------------
case_begin "served live certificate: verified with Pebble's root, lineage, is_live, exit 0"
run_acmekit check "$TARGET" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG" --json
assert_success
[[ "$(json_get '.checks|length')" == 1 ]] || fail "expected one check object"
C='.checks[0]'
[[ "$(json_get "$C.target")" == "$TARGET" ]] || fail "target is '$(json_get "$C.target")'"
[[ "$(json_get "$C.names[]" | sort -u)" == "$(sorted_names "$NAME" www.check.test)" ]] \
  || fail "names are [$(json_get "$C.names|join(\",\")")]"
[[ "$(norm_serial "$(json_get "$C.serial")")" == "$SERIAL" ]] || fail "serial $(json_get "$C.serial") != $SERIAL"
[[ "$(json_get "$C.issuer")" == "$(cert_issuer_cn "$LIVE/cert.pem")" ]] || fail "issuer '$(json_get "$C.issuer")'"
want_epoch=$(date -d "$(openssl x509 -in "$LIVE/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
[[ "$(date -d "$(json_get "$C.not_after")" +%s)" == "$want_epoch" ]] || fail "not_after $(json_get "$C.not_after")"
days=$(json_get "$C.days_left")
[[ "$days" =~ ^[0-9]+$ && $days -gt 14 ]] || fail "days_left '$days'"
[[ "$(json_get "$C.verified")" == true ]] || fail "verified is $(json_get "$C.verified"): $(json_get "$C.verify_error")"
[[ "$(json_get "$C.name_matches")" == true ]] || fail "name_matches is $(json_get "$C.name_matches")"
[[ "$(json_get "$C.lineage")" == "$NAME" ]] || fail "lineage is '$(json_get "$C.lineage")', expected $NAME"
[[ "$(json_get "$C.is_live")" == true ]] || fail "is_live is $(json_get "$C.is_live")"
[[ "$(json_get "$C.ok")" == true ]] || fail "ok is $(json_get "$C.ok")"
case_pass

case_begin "human output: one block naming the lineage as live"
run_acmekit check "$TARGET" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG"
assert_success
grep -q "Target: $TARGET" "$ACME_OUT" || fail "no 'Target: $TARGET' line"
grep -q "Lineage: $NAME (live)" "$ACME_OUT" || fail "no 'Lineage: $NAME (live)' line:
$(cat "$ACME_OUT")"
grep -q "Verified: yes" "$ACME_OUT" || fail "no 'Verified: yes' line"
case_pass

case_begin "--days above the days left: exit 1"
run_acmekit check "$TARGET" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG" --days 100000
assert_failure 1
assert_error_matches "expires in [0-9]+ days"
case_pass

case_begin "without Pebble's root: reported, verified false, exit 1"
run_acmekit check "$TARGET" --servername "$NAME" --config-dir "$CFG" --json
assert_failure 1
[[ "$(json_get "$C.verified")" == false ]] || fail "verified is $(json_get "$C.verified") without the root"
[[ -n "$(json_get "$C.verify_error // empty")" ]] || fail "no verify_error"
[[ "$(json_get "$C.lineage")" == "$NAME" ]] || fail "lineage is '$(json_get "$C.lineage")' (must not need trust)"
case_pass

case_begin "wrong --servername: name_matches false, exit 1"
run_acmekit check "$TARGET" --servername other.test --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG" --json
assert_failure 1
[[ "$(json_get "$C.name_matches")" == false ]] || fail "name_matches is $(json_get "$C.name_matches")"
case_pass

case_begin "renewed but nginx not reloaded: stale"
run_acmekit renew --force-renewal --cert-name "$NAME" "${COMMON[@]}"
assert_success
[[ "$(cert_serial "$LIVE/cert.pem")" != "$SERIAL" ]] || fail "renewal did not change the live certificate"
run_acmekit check "$TARGET" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG" --json
[[ "$(json_get "$C.is_live")" == false ]] || fail "is_live is $(json_get "$C.is_live") after renewal"
[[ "$(json_get "$C.stale_lineage")" == "$NAME" ]] || fail "stale_lineage is '$(json_get "$C.stale_lineage")'"
run_acmekit check "$TARGET" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG"
grep -q "stale: serving an older certificate than live/$NAME" "$ACME_OUT" \
  || fail "human output does not say stale:
$(cat "$ACME_OUT")"
case_pass

case_begin "closed port: exit 4"
CLOSED=$(free_port)
run_acmekit check "127.0.0.1:$CLOSED" --config-dir "$CFG" --connect-timeout 5
assert_failure 4
assert_error_matches "127\.0\.0\.1:$CLOSED"
case_pass

case_begin "one good and one closed target: exit 4, both reported"
run_acmekit check "$TARGET" "127.0.0.1:$CLOSED" --servername "$NAME" --ca-bundle "$PEBBLE_ROOT" --config-dir "$CFG" --json
assert_failure 4
[[ "$(json_get '.checks|length')" == 2 ]] || fail "expected two check objects"
[[ "$(json_get '.checks[1].reachable')" == false ]] || fail "closed target not reported unreachable"
case_pass
