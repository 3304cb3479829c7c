#!/usr/bin/env bash
# The certificate lifecycle (issue 5) against acmekit-ca, as test_renew,
# test_revoke, test_account and test_eab check it against Pebble: due vs not
# due with one-hour certificates and the clock injected (ACMEKIT_FAKE_NOW,
# never slept), --force-renewal, --dry-run (reaches the CA, leaves the disk
# byte-identical), hooks and renewal-hooks/; revocation by account key and by
# certificate key as the CA's database records it, and a revoked lineage
# renewed by the next plain renew or certonly; key rollover (the old key
# refused), and kill -9 in the middle of one (the staged key recovered or
# discarded as the CA's onlyReturnExisting answer says); a deactivated
# account refused; external account binding with keys
# from `acmekit-ca eab add`, where a hand-made request (acme_raw.py) shows
# the CA itself refusing what acmekit would never send.
# The kill -9 cases during a renewal are in test_ca_crash.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is needed by acme_raw.py"

NAME=life.ca.test
ca_hosts_add "$NAME" "www.$NAME" rv-{a,b,c,d}.ca.test rolled.ca.test refused.ca.test old-key.rolled.ca.test \
  eab.ca.test recovered.ca.test discarded.ca.test
# One-hour certificates: due when less than 20 minutes are left.
start_acmekit_ca --certificate-validity 3600
use_ca_client
lifecycle_use acmekit-ca
HOOKLOG="$WORK/hooks.log"
lc_hook_recorders "$HOOKLOG"

# ca_log_count ERE: how many of acmekit-ca's request log lines
# ("REMOTE METHOD TARGET STATUS acct=...") match ERE.
ca_log_count() { grep -cE "$1" "$LOGS/acmekit-ca.log" || true; }
ca_issued_total() {
  curl -fsS --max-time 5 "http://127.0.0.1:$CA_MGMT_PORT/metrics" \
    | awk '/^acmekit_ca_certificates_issued_total /{print $2}'
}
# ca_reason CERT: the revocation reason code the CA's database recorded.
ca_reason() { ca_admin status --cert "$1" | jq -r .revocation_reason; }
# raw_new_account [ARGS...]: one hand-made newAccount; sets RAW_STATUS, RAW_TYPE, RAW_DETAIL.
# Option values go as --opt=VALUE: a base64url HMAC key or kid may begin
# with "-", which argparse would take for an option (1 run in 64 failed so).
raw_new_account() {
  local out
  out=$(python3 "$E2E_LIB_DIR/acme_raw.py" --directory "$CA_DIR_URL" --ca-bundle "$CA_ROOT" "$@") \
    || fail "acme_raw.py could not talk to acmekit-ca"
  RAW_STATUS=$(jq -r .status <<<"$out") RAW_TYPE=$(jq -r .type <<<"$out") RAW_DETAIL=$(jq -r .detail <<<"$out")
}

# ------------------------------------------------------------------ renewal

case_begin "issue a one-hour certificate"
run_acmekit certonly -d "$NAME" -d "www.$NAME" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$NAME" "$CA_ROOT" "$NAME" "www.$NAME"
NOT_AFTER=$(lc_not_after "$CFG/live/$NAME/cert.pem")
NOT_BEFORE=$(date -d "$(openssl x509 -in "$CFG/live/$NAME/cert.pem" -noout -startdate | cut -d= -f2)" +%s)
[[ $((NOT_AFTER - NOT_BEFORE)) == 3600 ]] || fail "--certificate-validity 3600 gave a lifetime of $((NOT_AFTER - NOT_BEFORE)) s"
case_pass

case_begin "not due now: left alone, no hooks"
lc_renew_not_due "$NAME" "$HOOKLOG"
case_pass

case_begin "not due 25 minutes before expiry (more than a third left)"
ACMEKIT_FAKE_NOW=$((NOT_AFTER - 1500)) lc_renew_not_due "$NAME" "$HOOKLOG"
case_pass

case_begin "--dry-run reaches the CA and leaves the disk byte-identical"
orders=$(ca_log_count ' POST /acme/new-order 201 ')
finals=$(ca_log_count ' POST /acme/order/[^ ]+/finalize 200 ')
issued=$(ca_issued_total)
lc_renew_dry_run "$NAME" "$HOOKLOG"
[[ $(ca_log_count ' POST /acme/new-order 201 ') == $((orders + 1)) ]] || fail "the CA did not log one new order for the dry run"
[[ $(ca_log_count ' POST /acme/order/[^ ]+/finalize 200 ') == $((finals + 1)) ]] || fail "the CA did not log one finalize for the dry run"
[[ $(ca_issued_total) == $((issued + 1)) ]] || fail "the CA's issued count went from $issued to $(ca_issued_total), expected +1"
case_pass

case_begin "due 10 minutes before expiry: renewed, hooks with certbot's environment"
ACMEKIT_FAKE_NOW=$((NOT_AFTER - 600)) lc_renew_renews "$NAME" "$HOOKLOG" "$NAME" "www.$NAME"
[[ "$(ca_cert_status "$CFG/live/$NAME/cert.pem")" == valid ]] || fail "the CA does not list the renewed certificate"
case_pass

case_begin "--force-renewal renews a certificate that is not due"
lc_renew_renews "$NAME" "$HOOKLOG" "$NAME" "www.$NAME" -- --force-renewal
case_pass

# ------------------------------------------------------------------ revocation

case_begin "issue four lineages to revoke"
for n in a b c d; do
  run_acmekit certonly -d "rv-$n.ca.test" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
done
case_pass

case_begin "revoke with the account key (keyCompromise), then again: alreadyRevoked"
lc_revoke_by_account rv-a.ca.test keycompromise
[[ "$(ca_reason "$LC_REVOKED")" == 1 ]] || fail "the CA recorded reason $(ca_reason "$LC_REVOKED"), expected keyCompromise (1)"
ca_admin status --cert "$LC_REVOKED" | jq -e '.revoked_at != null' >/dev/null \
  || fail "the CA's record has no revoked_at"
case_pass

case_begin "renew (not forced) replaces the revoked live certificate at once; a second renew is a no-op"
lc_renew_after_revoke rv-a.ca.test "$HOOKLOG" rv-a.ca.test
case_pass

case_begin "revoke with the certificate's key (superseded), then again: alreadyRevoked"
lc_revoke_by_cert_key rv-b.ca.test
[[ "$(ca_reason "$LC_REVOKED")" == 4 ]] || fail "the CA recorded reason $(ca_reason "$LC_REVOKED"), expected superseded (4)"
case_pass

case_begin "a key that is not the certificate's is refused before asking the CA"
lc_revoke_wrong_key rv-c.ca.test rv-d.ca.test
case_pass

case_begin "--delete-after-revoke"
lc_revoke_and_delete rv-c.ca.test
[[ "$(ca_reason "$WORK/deleted-rv-c.ca.test.pem")" == 0 ]] || fail "the CA recorded reason $(ca_reason "$WORK/deleted-rv-c.ca.test.pem"), expected unspecified (0)"
case_pass

case_begin "revoke --cert-path of the live archive file: certonly on the same names issues, not unchanged"
lc_certonly_after_revoke_by_path rv-d.ca.test
case_pass

# ------------------------------------------------------------------ account

case_begin "rollover_key: the new key orders, the CA refuses the old one"
lc_rollover_key rolled.ca.test
# The last refusal is the CA's answer to the old key: no account has it.
assert_error_matches 'accountDoesNotExist'
case_pass

case_begin "rollover_key killed -9 after the CA took the new key: the next command recovers it"
lc_rollover_killed_after_ca recovered.ca.test
# The CA's answer to the pre-rollover key signing as the account (kid): its
# signature does not verify with the account's key (RFC 8555 §6.2).
assert_error_matches 'signature verification failed.*malformed'
case_pass

case_begin "rollover_key killed -9 before asking the CA, or a stray staged key: discarded"
lc_rollover_killed_before_ca discarded.ca.test
case_pass

case_begin "rollover_key after a killed rollover_key: recovers the staged key, then rolls over"
lc_rollover_after_killed_rollover
assert_error_matches 'signature verification failed.*malformed'
case_pass

case_begin "unregister: the CA refuses the deactivated account"
lc_unregister refused.ca.test
assert_error_matches 'deactivated.*unauthorized'
case_pass

# ------------------------------------------------------------------ external account binding

case_begin "restart the CA with --external-account-required; eab add while it runs"
stop_acmekit_ca
start_acmekit_ca --certificate-validity 3600 --external-account-required
ca_admin eab add --json >"$WORK/eab.json" || fail "acmekit-ca eab add failed"
KID=$(jq -r .kid "$WORK/eab.json") HMAC=$(jq -r .hmac_key "$WORK/eab.json")
rm -f "$WORK/eab.json"
[[ -n "$KID" && ${#HMAC} -ge 43 ]] || fail "eab add printed no kid/hmac_key"
use_ca_client "$WORK/eab-config"
lifecycle_use acmekit-ca
case_pass

case_begin "the CA itself refuses a newAccount without EAB, with a wrong MAC, with an unknown kid"
# raw_expect STATUS TYPE DETAIL_GLOB WHAT: the last raw_new_account's answer.
raw_expect() {
  [[ $RAW_STATUS == "$1" && $RAW_TYPE == "urn:ietf:params:acme:error:$2" && $RAW_DETAIL == $3 ]] \
    || fail "$4: the CA answered $RAW_STATUS $RAW_TYPE \"$RAW_DETAIL\", expected $1 $2 \"$3\""
}
raw_new_account
raw_expect 400 externalAccountRequired '*external account binding*' "newAccount without EAB"
raw_new_account --eab-kid="$KID" --eab-hmac-key="$(openssl rand 32 | basenc --base64url | tr -d '=\n')"
raw_expect 403 unauthorized '*MAC is wrong*' "newAccount with a wrong MAC"
raw_new_account --eab-kid=no-such-kid --eab-hmac-key="$HMAC"
raw_expect 403 unauthorized '*unknown external account key*' "newAccount with an unknown kid"
# The same hand-made request with a good binding is accepted, so the
# refusals above are about the binding, not about acme_raw.py.
ca_admin eab add --json >"$WORK/eab2.json" || fail "acmekit-ca eab add failed"
raw_new_account --eab-kid="$(jq -r .kid "$WORK/eab2.json")" --eab-hmac-key="$(jq -r .hmac_key "$WORK/eab2.json")"
[[ $RAW_STATUS == 201 ]] || fail "newAccount with a good binding: $RAW_STATUS $RAW_TYPE $RAW_DETAIL"
case_pass

case_begin "acmekit without --eab-kid stops before asking"
lc_eab_missing eab.ca.test
case_pass

case_begin "acmekit with a wrong HMAC key: refused by the CA"
lc_eab_wrong_hmac eab.ca.test "$KID"
assert_error_matches 'MAC is wrong.*unauthorized'
case_pass

case_begin "acmekit with the key from eab add: account and certificate; the key is not logged"
lc_eab_ok eab.ca.test "$KID" "$HMAC"
! grep -qF -- "$HMAC" "$LOGS/acmekit-ca.log" || fail "acmekit-ca logged the EAB HMAC key"
case_pass

case_begin "a used EAB key does not bind a second account"
raw_new_account --eab-kid="$KID" --eab-hmac-key="$HMAC"
raw_expect 403 unauthorized '*already bound*' "a second account with the same EAB key"
case_pass
