#!/usr/bin/env bash
# Account verbs against the real Pebble: register, show_account,
# update_account, key rollover (RFC 8555 §7.3.5: the new key works, the old
# one is refused), kill -9 in the middle of a rollover (the next command asks
# the CA which key it knows: the staged key is recovered or discarded),
# unregister (a deactivated account is refused). The last ones are
# lib_lifecycle.sh's, shared with test_ca_lifecycle.sh (acmekit-ca).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
start_pebble

use_pebble_client
lifecycle_use pebble
SRV=("${LC_SRV[@]}")
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
lc_rollover_key rolled.test
case_pass

case_begin "rollover_key killed -9 after the CA took the new key: the next command recovers it"
lc_rollover_killed_after_ca recovered.test
case_pass

case_begin "rollover_key killed -9 before asking the CA, or a stray staged key: discarded"
lc_rollover_killed_before_ca discarded.test
case_pass

case_begin "rollover_key after a killed rollover_key: recovers the staged key, then rolls over"
lc_rollover_after_killed_rollover
case_pass

case_begin "unregister: the account is deactivated and refused"
lc_unregister refused.test
case_pass
