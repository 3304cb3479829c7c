#!/usr/bin/env bash
# acmekit revoke and delete against the real Pebble: revoke by account key
# and by the certificate's own key (RFC 8555 §7.6), a second revoke gets
# alreadyRevoked, a lineage whose live certificate was revoked (and kept) is
# renewed by the next plain renew and not left "unchanged" by certonly,
# --delete-after-revoke, delete. The revoke cases are lib_lifecycle.sh's,
# shared with test_ca_lifecycle.sh (acmekit-ca).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
start_pebble

use_pebble_client
lifecycle_use pebble

HOOKLOG="$WORK/hooks.log"
lc_hook_recorders "$HOOKLOG"

case_begin "issue five lineages"
for n in a b c d e; do
  run_acmekit certonly -d "$n.revoke.test" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
done
case_pass

case_begin "revoke with the account key, then again: alreadyRevoked"
lc_revoke_by_account a.revoke.test keycompromise
case_pass

case_begin "renew (not forced) replaces the revoked live certificate at once; a second renew is a no-op"
lc_renew_after_revoke a.revoke.test "$HOOKLOG" a.revoke.test
case_pass

case_begin "revoke --cert-path of the live archive file: certonly on the same names issues, not unchanged"
lc_certonly_after_revoke_by_path e.revoke.test
case_pass

case_begin "revoke with the certificate's key, without the account, then again: alreadyRevoked"
lc_revoke_by_cert_key b.revoke.test
case_pass

case_begin "a key that is not the certificate's is refused before asking the CA"
lc_revoke_wrong_key c.revoke.test d.revoke.test
case_pass

case_begin "--delete-after-revoke removes the lineage"
lc_revoke_and_delete c.revoke.test
case_pass

case_begin "delete --cert-name"
run_acmekit delete --cert-name d.revoke.test --config-dir "$CFG"
assert_success
run_acmekit certificates --config-dir "$CFG" --json
assert_success
[[ "$(json_get '[.certificates[].cert_name] | sort | join(",")')" == "a.revoke.test,b.revoke.test,e.revoke.test" ]] \
  || fail "certificates lists: $(json_get '[.certificates[].cert_name] | join(",")')"
run_acmekit delete --cert-name d.revoke.test --config-dir "$CFG"
assert_failure 2
case_pass
