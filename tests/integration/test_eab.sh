#!/usr/bin/env bash
# External account binding (RFC 8555 §7.3.4) against the real Pebble with
# externalAccountBindingRequired: without EAB the CA refuses with its
# problem type; with --eab-kid/--eab-hmac-key the account is made and a
# certificate issued; a wrong HMAC key is refused; the key is never logged.
# The cases are lib_lifecycle.sh's, shared with test_ca_lifecycle.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
KID=acmekit-kid-1
HMAC=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
start_pebble "$(jq -n --arg k "$KID" --arg h "$HMAC" \
  '{externalAccountBindingRequired: true, externalAccountMACKeys: {($k): $h}}')"
use_pebble_client
lifecycle_use pebble

case_begin "no EAB: refused before any account exists"
lc_eab_missing eab.test
case_pass

case_begin "a wrong HMAC key is refused by the CA"
lc_eab_wrong_hmac eab.test "$KID"
case_pass

case_begin "with EAB: account and certificate; the HMAC key is not logged"
lc_eab_ok eab.test "$KID" "$HMAC"
case_pass
