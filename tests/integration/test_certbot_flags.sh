#!/usr/bin/env bash
# certbot's remaining flags that scripts use, against the real Pebble:
# --renew-hook (old name of --deploy-hook), --expand, --reuse-key / --new-key,
# --no-autorenew, certonly --dry-run, --user-agent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
# One-hour certificates: due when less than 20 minutes are left.
start_pebble '{"certificateValidityPeriod": 3600}'
use_pebble_client

key_hash() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1; }
cert_key_hash() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
conf_value() { sed -n "s/^$2 = //p" "$CFG/renewal/$1.conf"; }

# ---------------------------------------------------------------------------
case_begin "--renew-hook is saved as the lineage's deploy hook"
run_acmekit certonly -d hook.test "${STANDALONE[@]}" "${COMMON[@]}" --renew-hook "echo renewed"
assert_success
[[ "$(conf_value hook.test renew_hook)" == "echo renewed" ]] \
  || fail "renew_hook not saved: $(cat "$CFG/renewal/hook.test.conf")"
case_pass

# ---------------------------------------------------------------------------
case_begin "--expand: names are added to the first name's lineage only with it"
run_acmekit certonly -d exp.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
serial=$(cert_serial "$CFG/live/exp.test/cert.pem")
run_acmekit certonly -d exp.test -d www.exp.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_failure 2
assert_error_matches 'exp\.test covers exp\.test; to add www\.exp\.test .*--expand'
[[ "$(cert_serial "$CFG/live/exp.test/cert.pem")" == "$serial" ]] || fail "refused, yet live/exp.test changed"
run_acmekit certonly -d exp.test -d www.exp.test "${STANDALONE[@]}" "${COMMON[@]}" --expand --json
assert_success
[[ "$(json_get .cert_name)" == exp.test && "$(json_get .status)" == issued ]] || fail "not expanded: $(cat "$ACME_OUT")"
assert_cert_ok "$CFG/live/exp.test" "$PEBBLE_ROOT" exp.test www.exp.test
[[ ! -e "$CFG/live/exp.test-0001" ]] || fail "--expand made a new lineage"
case_pass

case_begin "names that are not a superset go to a new lineage NAME-0001 (certbot's rule)"
run_acmekit certonly -d exp.test -d api.exp.test "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
[[ "$(json_get .cert_name)" == exp.test-0001 ]] || fail "expected lineage exp.test-0001: $(cat "$ACME_OUT")"
assert_cert_ok "$CFG/live/exp.test-0001" "$PEBBLE_ROOT" exp.test api.exp.test
assert_cert_ok "$CFG/live/exp.test" "$PEBBLE_ROOT" exp.test www.exp.test
# The same names again find that lineage: not due, no action.
run_acmekit certonly -d exp.test -d api.exp.test "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
[[ "$(json_get .cert_name)" == exp.test-0001 && "$(json_get .status)" == unchanged ]] \
  || fail "expected exp.test-0001 unchanged: $(cat "$ACME_OUT")"
[[ ! -e "$CFG/live/exp.test-0002" ]] || fail "a third lineage was made"
case_pass

# ---------------------------------------------------------------------------
case_begin "--reuse-key keeps the key across renewals; --new-key replaces it once"
run_acmekit certonly -d reuse.test "${STANDALONE[@]}" "${COMMON[@]}" --reuse-key
assert_success
[[ "$(conf_value reuse.test reuse_key)" == True ]] || fail "reuse_key not saved: $(cat "$CFG/renewal/reuse.test.conf")"
key1=$(key_hash "$CFG/live/reuse.test/privkey.pem")
serial=$(cert_serial "$CFG/live/reuse.test/cert.pem")
run_acmekit renew "${COMMON[@]}" --cert-name reuse.test --force-renewal
assert_success
[[ "$(cert_serial "$CFG/live/reuse.test/cert.pem")" != "$serial" ]] || fail "not renewed"
[[ "$(key_hash "$CFG/live/reuse.test/privkey.pem")" == "$key1" ]] || fail "the key changed despite reuse_key"
[[ "$(cert_key_hash "$CFG/live/reuse.test/cert.pem")" == "$key1" ]] || fail "the new certificate is not for the kept key"
grep -q 'reusing the certificate key' "$ACME_ERR" || fail "no word that the key was reused: $(cat "$ACME_ERR")"
run_acmekit renew "${COMMON[@]}" --cert-name reuse.test --force-renewal --new-key
assert_success
key2=$(key_hash "$CFG/live/reuse.test/privkey.pem")
[[ "$key2" != "$key1" ]] || fail "--new-key kept the key"
[[ "$(cert_key_hash "$CFG/live/reuse.test/cert.pem")" == "$key2" ]] || fail "certificate does not match the new key"
[[ "$(conf_value reuse.test reuse_key)" == True ]] || fail "--new-key dropped reuse_key"
assert_cert_ok "$CFG/live/reuse.test" "$PEBBLE_ROOT" reuse.test
# Without --reuse-key a lineage gets a new key each time (the default).
k=$(key_hash "$CFG/live/hook.test/privkey.pem")
run_acmekit renew "${COMMON[@]}" --cert-name hook.test --force-renewal
assert_success
[[ "$(key_hash "$CFG/live/hook.test/privkey.pem")" != "$k" ]] || fail "the key was kept without --reuse-key"
case_pass

# ---------------------------------------------------------------------------
case_begin "--no-autorenew: renew skips the lineage when due; --force-renewal still renews it"
run_acmekit certonly -d off.test "${STANDALONE[@]}" "${COMMON[@]}" --no-autorenew
assert_success
[[ "$(conf_value off.test autorenew)" == False ]] || fail "autorenew not saved: $(cat "$CFG/renewal/off.test.conf")"
serial=$(cert_serial "$CFG/live/off.test/cert.pem")
export ACMEKIT_FAKE_NOW=$(( $(date +%s) + 2700 ))
run_acmekit renew "${COMMON[@]}" --cert-name off.test --json
unset ACMEKIT_FAKE_NOW
assert_success
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "renewed despite autorenew off: $(cat "$ACME_OUT")"
json_get '.not_due[0].reason' | grep -q 'autorenew is off' || fail "reason does not say autorenew: $(cat "$ACME_OUT")"
[[ "$(cert_serial "$CFG/live/off.test/cert.pem")" == "$serial" ]] || fail "live/off.test changed"
run_acmekit renew "${COMMON[@]}" --cert-name off.test --force-renewal --json
assert_success
[[ "$(json_get '.renewed[0]')" == off.test ]] || fail "--force-renewal did not renew: $(cat "$ACME_OUT")"
[[ "$(conf_value off.test autorenew)" == False ]] || fail "renewal dropped autorenew = False"
case_pass

# ---------------------------------------------------------------------------
case_begin "certonly --dry-run orders and validates but saves nothing"
run_acmekit certonly -d dry.test "${STANDALONE[@]}" "${COMMON[@]}" --dry-run
assert_success
grep -q '^The dry run was successful' "$ACME_OUT" || fail "no success line: $(cat "$ACME_OUT")"
assert_no_live "$CFG" dry.test
[[ ! -e "$CFG/renewal/dry.test.conf" ]] || fail "a dry run saved a renewal conf"
grep -q 'finalizing the order' "$ACME_ERR" || fail "the dry run did not reach finalize: $(cat "$ACME_ERR")"
run_acmekit certonly -d exp.test -d www.exp.test "${STANDALONE[@]}" "${COMMON[@]}" --dry-run --json
assert_success
[[ "$(json_get .status)" == dry_run && -n "$(json_get .serial)" ]] || fail "--json of a dry run: $(cat "$ACME_OUT")"
[[ "$(ls "$CFG/archive/exp.test" | grep -c '^cert')" == 2 ]] || fail "a dry run wrote to archive/exp.test"
case_pass

# ---------------------------------------------------------------------------
case_begin "--user-agent replaces acmekit's User-Agent on requests to the CA"
UA_PORT=$(free_port)
UA_LOG="$WORK/ua.log"
python3 - "$UA_PORT" "$TLS_CERT" "$TLS_KEY" "$UA_LOG" >"$LOGS/ua-server.log" 2>&1 <<'PY' &
import http.server, ssl, sys
port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(log, "a") as f:
            f.write(self.headers.get("User-Agent", "") + "\n")
        self.send_response(503)
        self.send_header("Content-Type", "application/problem+json")
        self.end_headers()
        self.wfile.write(b'{"type":"urn:ietf:params:acme:error:serverInternal","detail":"test"}')
srv = http.server.HTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
UA_PID=$!
track_pid "$UA_PID"
wait_listening "$UA_PORT" "$UA_PID" "user-agent recorder"
: >"$UA_LOG"
run_acmekit certonly -d ua.test "${STANDALONE[@]}" --server "https://127.0.0.1:$UA_PORT/dir" --ca-bundle "$TLS_CA" \
  --config-dir "$CFG" --register-unsafely-without-email --agree-tos --user-agent "my-fleet/1.2 (ops)"
assert_failure
grep -qx 'my-fleet/1.2 (ops)' "$UA_LOG" || fail "the CA saw User-Agent '$(cat "$UA_LOG")'"
: >"$UA_LOG"
run_acmekit certonly -d ua.test "${STANDALONE[@]}" --server "https://127.0.0.1:$UA_PORT/dir" --ca-bundle "$TLS_CA" \
  --config-dir "$CFG" --register-unsafely-without-email --agree-tos
grep -q '^acmekit/' "$UA_LOG" || fail "default User-Agent is '$(cat "$UA_LOG")'"
case_pass

