#!/usr/bin/env bash
# kill -9 in the middle of a renewal against acmekit-ca, at the points
# test_crash.sh uses against Pebble (after the new key, after finalize, after
# the archive files, just before the live/ switch): live/ still holds a
# matching certificate and key that verify to the CA's root, and the next run
# completes. The certificates the killed runs obtained stay valid at the CA
# (nothing revokes them); every one of them is in its database.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
NAME=crash.ca.test
ca_hosts_add "$NAME" "www.$NAME"
# Eight certificates for one name set in a minute: no duplicate-certificate
# limit (test_ca_rate_limits.sh tests the limits).
start_acmekit_ca --rate-limit-certificates-per-name-set 0
use_ca_client
lifecycle_use acmekit-ca

case_begin "issue the lineage"
run_acmekit certonly -d "$NAME" -d "www.$NAME" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
case_pass

for point in after-key after-finalize install-archived install-before-switch; do
  case_begin "kill -9 at $point"
  lc_crash_and_recover "$point" "$NAME" "$NAME" "www.$NAME"
  [[ "$(ca_cert_status "$CFG/live/$NAME/cert.pem")" == valid ]] || fail "the CA does not list the installed certificate as valid"
  case_pass
done

case_begin "the archive versions a killed run left are complete, and the CA issued them"
# install-archived and install-before-switch stopped after writing their
# archive version: each is a whole certificate + key pair the CA knows.
for cert in "$CFG/archive/$NAME"/cert*.pem; do
  v=${cert##*/cert}; v=${v%.pem}
  assert_key_matches "$cert" "$CFG/archive/$NAME/privkey$v.pem"
  [[ "$(ca_cert_status "$cert")" == valid ]] || fail "the CA has no valid record of archive version $v"
done
case_pass
