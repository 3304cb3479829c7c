#!/usr/bin/env bash
# Account verbs against the real Pebble: register, show_account,
# update_account, key rollover (RFC 8555 §7.3.5: the new key works, the old
# one is refused), unregister (a deactivated account is refused).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

CFG="$WORK/config"
SRV=(--server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA")
STANDALONE=(--standalone --http-01-port "$PEBBLE_HTTP_PORT" --http-01-address 127.0.0.1)
account_dir() { find "$1/accounts" -name regr.json -printf '%h\n' | head -1; }

case_begin "register, and not twice"
run_acmekit register "${SRV[@]}" --config-dir "$CFG" --email first@acmekit.test --agree-tos --json
assert_success
URL=$(json_get .url)
[[ "$(account_dirs "$CFG" | wc -l)" == 1 ]] || fail "expected one account directory"
[[ "$(_file_mode "$(account_dir "$CFG")/private_key.pem")" == 600 ]] || fail "account key is not 0600"
run_acmekit register "${SRV[@]}" --config-dir "$CFG" --email first@acmekit.test --agree-tos
assert_failure 2
assert_error_matches 'already registered'
case_pass

case_begin "show_account and update_account"
run_acmekit show_account "${SRV[@]}" --config-dir "$CFG" --json
assert_success
[[ "$(json_get .url)" == "$URL" && "$(json_get .status)" == valid && "$(json_get '.contact[0]')" == mailto:first@acmekit.test ]] \
  || fail "show_account: $(cat "$ACME_OUT")"
run_acmekit update_account "${SRV[@]}" --config-dir "$CFG" --email second@acmekit.test --json
assert_success
run_acmekit show_account "${SRV[@]}" --config-dir "$CFG" --json
[[ "$(json_get '.contact[0]')" == mailto:second@acmekit.test ]] || fail "contact not updated at the CA: $(cat "$ACME_OUT")"
grep -q 'mailto:second@acmekit.test' "$(account_dir "$CFG")/regr.json" || fail "regr.json not updated"
case_pass

case_begin "rollover_key: new key works, old key refused"
cp -a "$CFG" "$WORK/old-config"
OLDKEY=$(sha256sum <"$(account_dir "$CFG")/private_key.pem")
run_acmekit rollover_key "${SRV[@]}" --config-dir "$CFG"
assert_success
[[ "$(sha256sum <"$(account_dir "$CFG")/private_key.pem")" != "$OLDKEY" ]] || fail "account key on disk unchanged"
[[ ! -e "$(account_dir "$CFG")/private_key.next.pem" ]] || fail "staged key left behind"
run_acmekit certonly -d rolled.test "${STANDALONE[@]}" "${SRV[@]}" --config-dir "$CFG" --json
assert_success
[[ "$(json_get .account_url)" == "$URL" ]] || fail "the order did not use the same account"
assert_cert_ok "$CFG/live/rolled.test" "$PEBBLE_ROOT" rolled.test
run_acmekit show_account "${SRV[@]}" --config-dir "$WORK/old-config"
assert_failure 3
case_pass

case_begin "unregister: the account is deactivated and refused"
cp -a "$CFG" "$WORK/deactivated-config"
run_acmekit unregister "${SRV[@]}" --config-dir "$CFG"
assert_success
[[ -z "$(account_dir "$CFG")" ]] || fail "the deactivated account is still stored"
run_acmekit show_account "${SRV[@]}" --config-dir "$WORK/deactivated-config"
assert_failure 3
run_acmekit certonly -d refused.test "${STANDALONE[@]}" "${SRV[@]}" --config-dir "$WORK/deactivated-config"
assert_failure 3
assert_no_live "$WORK/deactivated-config" refused.test
case_pass
