#!/usr/bin/env bash
# External account binding (RFC 8555 §7.3.4) against the real Pebble with
# externalAccountBindingRequired: without EAB the CA refuses with its
# problem type; with --eab-kid/--eab-hmac-key the account is made and a
# certificate issued; a wrong HMAC key is refused; the key is never logged.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
KID=acmekit-kid-1
HMAC=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
start_pebble "$(jq -n --arg k "$KID" --arg h "$HMAC" \
  '{externalAccountBindingRequired: true, externalAccountMACKeys: {($k): $h}}')"
use_pebble_client

case_begin "no EAB: refused before any account exists"
run_acmekit certonly -d eab.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_failure 2
assert_error_matches 'external account binding'
assert_no_live "$CFG" eab.test
case_pass

case_begin "a wrong HMAC key is refused by the CA"
WRONG=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
run_acmekit certonly -d eab.test "${STANDALONE[@]}" "${COMMON[@]}" --eab-kid "$KID" --eab-hmac-key "$WRONG"
assert_failure 3
assert_no_live "$CFG" eab.test
[[ -z "$(account_dirs "$CFG" | xargs -r -I{} find {} -name regr.json)" ]] || fail "an account was saved although the CA refused it"
case_pass

case_begin "with EAB: account and certificate; the HMAC key is not logged"
run_acmekit certonly -d eab.test "${STANDALONE[@]}" "${COMMON[@]}" --eab-kid "$KID" --eab-hmac-key "$HMAC" -v -v
assert_success
assert_cert_ok "$CFG/live/eab.test" "$PEBBLE_ROOT" eab.test
! grep -rqF -- "$HMAC" "$ACME_OUT" "$ACME_ERR" "$CFG" || fail "the EAB HMAC key appears in the output or the config dir"
case_pass
