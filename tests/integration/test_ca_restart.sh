#!/usr/bin/env bash
# acmekit-ca keeps everything across a restart, also after kill -9: the
# account, the certificate (which can then be revoked) and the CA keys; and
# the same root keeps signing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
ca_hosts_add restart.ca.test again.ca.test
start_acmekit_ca
use_ca_client

case_begin "issue before the restart"
run_acmekit certonly -d restart.ca.test "${STANDALONE[@]}" "${COMMON[@]}" --email ops@ca.test
assert_success
assert_cert_ok "$CFG/live/restart.ca.test" "$CA_ROOT" restart.ca.test
run_acmekit show_account --config-dir "$CFG" --ca-bundle "$CA_ROOT" --server "$CA_DIR_URL" --json
assert_success
account_url=$(json_get .url)
[[ "$account_url" == "https://127.0.0.1:$CA_PORT/acme/acct/"* ]] || fail "unexpected account URL $account_url"
cp "$CA_ROOT" "$WORK/root-before.pem"
sha256sum "$CA_DATA"/*.key.pem >"$WORK/keys-before.txt"
ca_admin status --cert "$CFG/live/restart.ca.test/cert.pem" >"$WORK/status-before.json"
case_pass

case_begin "kill -9 and start again on the same port"
kill -9 "$CA_PID"; wait "$CA_PID" 2>/dev/null || true
start_acmekit_ca
cmp -s "$CA_ROOT" "$WORK/root-before.pem" || fail "root.pem changed across the restart"
sha256sum -c --quiet "$WORK/keys-before.txt" || fail "CA keys changed across the restart"
case_pass

case_begin "the account is still served at its URL"
run_acmekit show_account --config-dir "$CFG" --ca-bundle "$CA_ROOT" --server "$CA_DIR_URL" --json
assert_success
[[ "$(json_get .url)" == "$account_url" ]] || fail "account URL changed: $(json_get .url) vs $account_url"
[[ "$(json_get .status)" == valid ]] || fail "account not valid after the restart"
jq -e '.contact | index("mailto:ops@ca.test")' "$ACME_OUT" >/dev/null || fail "contact lost: $(cat "$ACME_OUT")"
case_pass

case_begin "the certificate's record survived, and it can be revoked"
ca_admin status --cert "$CFG/live/restart.ca.test/cert.pem" >"$WORK/status-after.json"
jq -e --slurpfile b "$WORK/status-before.json" '.serial == $b[0].serial and .order == $b[0].order and .account == $b[0].account' \
  "$WORK/status-after.json" >/dev/null || fail "certificate record differs after restart"
cp "$CFG/live/restart.ca.test/cert.pem" "$WORK/old.pem"
run_acmekit revoke --cert-name restart.ca.test --config-dir "$CFG" --ca-bundle "$CA_ROOT"
assert_success
[[ "$(ca_cert_status "$WORK/old.pem")" == revoked ]] || fail "revocation after restart not recorded"
case_pass

case_begin "the restarted CA issues with the same root"
run_acmekit certonly -d again.ca.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/again.ca.test" "$WORK/root-before.pem" again.ca.test
case_pass

case_begin "SIGTERM stops it cleanly (exit 0)"
kill -TERM "$CA_PID"
rc=0; wait "$CA_PID" || rc=$?
[[ $rc -eq 0 ]] || fail "acmekit-ca exited $rc on SIGTERM"
case_pass
