#!/usr/bin/env bash
# acmekit revoke and delete against the real Pebble: revoke by account key
# and by the certificate's own key (RFC 8555 §7.6), a second revoke gets
# alreadyRevoked, --delete-after-revoke, delete.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

use_pebble_client

# revocation_status CERT: Pebble's own view, from its management port.
revocation_status() {
  local serial; serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
  curl -fsS --max-time 10 --cacert "$TLS_CA" "$PEBBLE_MGMT_URL/cert-status-by-serial/$serial" | jq -r .Status
}

case_begin "issue four lineages"
for n in a b c d; do
  run_acmekit certonly -d "$n.revoke.test" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
done
[[ "$(revocation_status "$CFG/live/a.revoke.test/cert.pem")" == Valid ]] \
  || fail "Pebble does not report a fresh certificate as Valid"
case_pass

case_begin "revoke with the account key, then again: alreadyRevoked"
cp "$CFG/live/a.revoke.test/cert.pem" "$WORK/a.pem"
run_acmekit revoke --cert-name a.revoke.test --reason keycompromise --config-dir "$CFG" --ca-bundle "$TLS_CA" --json
assert_success
[[ "$(json_get .status)" == revoked ]] || fail "unexpected output: $(cat "$ACME_OUT")"
[[ "$(revocation_status "$WORK/a.pem")" == Revoked ]] || fail "Pebble does not show a.revoke.test revoked"
run_acmekit revoke --cert-name a.revoke.test --config-dir "$CFG" --ca-bundle "$TLS_CA"
assert_failure 3
assert_error_matches 'alreadyRevoked'
case_pass

case_begin "revoke with the certificate's key, without the account"
run_acmekit revoke --cert-path "$CFG/live/b.revoke.test/cert.pem" --key-path "$CFG/live/b.revoke.test/privkey.pem" \
  --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" --config-dir "$WORK/empty-config"
assert_success
[[ "$(revocation_status "$CFG/live/b.revoke.test/cert.pem")" == Revoked ]] || fail "Pebble does not show b.revoke.test revoked"
case_pass

case_begin "a key that is not the certificate's is refused before asking the CA"
run_acmekit revoke --cert-path "$CFG/live/c.revoke.test/cert.pem" --key-path "$CFG/live/d.revoke.test/privkey.pem" \
  --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" --config-dir "$WORK/empty-config"
assert_failure 2
assert_error_matches 'is not the key of'
[[ "$(revocation_status "$CFG/live/c.revoke.test/cert.pem")" == Valid ]] || fail "c.revoke.test was revoked anyway"
case_pass

case_begin "--delete-after-revoke removes the lineage"
cp "$CFG/live/c.revoke.test/cert.pem" "$WORK/c.pem"
run_acmekit revoke --cert-name c.revoke.test --delete-after-revoke --config-dir "$CFG" --ca-bundle "$TLS_CA"
assert_success
[[ "$(revocation_status "$WORK/c.pem")" == Revoked ]] || fail "Pebble does not show c.revoke.test revoked"
[[ ! -e "$CFG/live/c.revoke.test" && ! -e "$CFG/archive/c.revoke.test" && ! -e "$CFG/renewal/c.revoke.test.conf" ]] \
  || fail "lineage c.revoke.test still on disk"
case_pass

case_begin "delete --cert-name"
run_acmekit delete --cert-name d.revoke.test --config-dir "$CFG"
assert_success
run_acmekit certificates --config-dir "$CFG" --json
assert_success
[[ "$(json_get '[.certificates[].cert_name] | sort | join(",")')" == "a.revoke.test,b.revoke.test" ]] \
  || fail "certificates lists: $(json_get '[.certificates[].cert_name] | join(",")')"
run_acmekit delete --cert-name d.revoke.test --config-dir "$CFG"
assert_failure 2
case_pass
