#!/usr/bin/env bash
# acmekit-ca publishes RFC 5280 CRLs (issue 17): with --crl-listen every
# certificate names its shard's CRL (cRLDistributionPoints); a revocation
# with a reason appears in the next CRL (--crl-period 2s here), which
# verifies with the intermediate, makes `openssl verify -crl_check` refuse
# the revoked certificate and accept the other, and carries a higher CRL
# number each time. Also the listener's HTTP rules and the /metrics lines.
# Runs again on PostgreSQL as e2e.test_ca_crl.pg.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd openssl curl
ca_hosts_add one.crl.test two.crl.test
start_acmekit_ca --crl-listen 127.0.0.1:0 --crl-period 2s --crl-shards 16
use_ca_client
INTERMEDIATE="$CA_DATA/intermediate.pem"
CRL_PORT=$(sed -n 's|.*CRLs on http://127\.0\.0\.1:\([0-9]*\)/crl/0\.crl.*|\1|p' "$LOGS/acmekit-ca.log" | head -n 1)
[[ -n "$CRL_PORT" ]] || fail "the CA did not log its CRL listener; see $LOGS/acmekit-ca.log"

# crl_url CERT: the one URI of its cRLDistributionPoints.
crl_url() {
  openssl x509 -in "$1" -noout -text | sed -n 's|^ *URI:\(http://.*\)$|\1|p'
}
# fetch_crl URL OUT: GET it (DER) and make OUT.pem for openssl verify.
fetch_crl() {
  curl -fsS --max-time 5 -D "$2.headers" -o "$2" "$1" || fail "GET $1 failed"
  openssl crl -inform DER -in "$2" -outform PEM -out "$2.pem" || fail "$1 is not a DER CRL"
}
crl_number() { openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/^crlNumber=//'; }
# hex_gt A B: A > B as hex numbers (CRL numbers exceed 2^53 soon enough).
hex_gt() { python3 -c 'import sys; sys.exit(0 if int(sys.argv[1], 16) > int(sys.argv[2], 16) else 1)' "$1" "$2"; }

case_begin "issued certificates carry their shard's CRL distribution point"
for name in one.crl.test two.crl.test; do
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
  assert_cert_ok "$CFG/live/$name" "$CA_ROOT" "$name"
  cp "$CFG/live/$name/cert.pem" "$WORK/$name.pem"
done
ONE_URL=$(crl_url "$WORK/one.crl.test.pem")
TWO_URL=$(crl_url "$WORK/two.crl.test.pem")
[[ "$ONE_URL" =~ ^http://127\.0\.0\.1:$CRL_PORT/crl/([0-9]+)\.crl$ ]] || fail "unexpected CDP URL '$ONE_URL'"
[[ "$TWO_URL" =~ ^http://127\.0\.0\.1:$CRL_PORT/crl/([0-9]+)\.crl$ ]] || fail "unexpected CDP URL '$TWO_URL'"
log "CRLs: $ONE_URL, $TWO_URL"
case_pass

case_begin "the CRL verifies with the intermediate and lists nothing yet"
fetch_crl "$ONE_URL" "$WORK/before.crl"
grep -qi '^content-type: application/pkix-crl' "$WORK/before.crl.headers" || fail "content type: $(cat "$WORK/before.crl.headers")"
grep -qiE '^cache-control: public, max-age=[0-9]+' "$WORK/before.crl.headers" || fail "no max-age: $(cat "$WORK/before.crl.headers")"
openssl crl -inform DER -in "$WORK/before.crl" -CAfile "$INTERMEDIATE" -noout 2>"$WORK/verify.txt" ||
  fail "openssl crl -verify failed: $(cat "$WORK/verify.txt")"
grep -q 'verify OK' "$WORK/verify.txt" || fail "openssl crl did not verify it: $(cat "$WORK/verify.txt")"
openssl crl -inform DER -in "$WORK/before.crl" -noout -text >"$WORK/before.txt"
grep -q 'Version 2' "$WORK/before.txt" || fail "not a v2 CRL"
grep -A3 'Issuing Distribution Point: critical' "$WORK/before.txt" | grep -qF "URI:$ONE_URL" ||
  fail "no critical IDP naming $ONE_URL: $(cat "$WORK/before.txt")"
grep -q 'Only User Certificates' "$WORK/before.txt" || fail "IDP lacks onlyContainsUserCerts"
grep -q 'Authority Key Identifier' "$WORK/before.txt" || fail "no AKI"
grep -q 'No Revoked Certificates' "$WORK/before.txt" || fail "entries before any revocation"
NUMBER_BEFORE=$(crl_number "$WORK/before.crl")
openssl verify -crl_check -CRLfile "$WORK/before.crl.pem" -CAfile "$CA_ROOT" -untrusted "$INTERMEDIATE" \
  "$WORK/one.crl.test.pem" >/dev/null || fail "one.crl.test does not verify against its CRL before revocation"
case_pass

case_begin "revoke one with a reason; the next CRL lists it"
run_acmekit revoke --cert-name one.crl.test --reason keycompromise --config-dir "$CFG" --ca-bundle "$CA_ROOT"
assert_success
serial=$(openssl x509 -in "$WORK/one.crl.test.pem" -noout -serial | cut -d= -f2)
listed=0
for _ in $(seq 1 40); do
  fetch_crl "$ONE_URL" "$WORK/after.crl"
  if openssl crl -inform DER -in "$WORK/after.crl" -noout -text | grep -qi "Serial Number: 0*${serial#0}"; then
    listed=1; break
  fi
  sleep 0.5
done
[[ $listed == 1 ]] || fail "serial $serial not in $ONE_URL within 20 s (period 2 s)"
openssl crl -inform DER -in "$WORK/after.crl" -noout -text >"$WORK/after.txt"
grep -A6 -i "Serial Number: 0*${serial#0}" "$WORK/after.txt" | grep -q 'Key Compromise' ||
  fail "no keyCompromise reason: $(cat "$WORK/after.txt")"
openssl crl -inform DER -in "$WORK/after.crl" -CAfile "$INTERMEDIATE" -noout 2>&1 | grep -q 'verify OK' ||
  fail "the new CRL does not verify with the intermediate"
NUMBER_AFTER=$(crl_number "$WORK/after.crl")
hex_gt "$NUMBER_AFTER" "$NUMBER_BEFORE" || fail "CRL number did not increase: $NUMBER_BEFORE then $NUMBER_AFTER"
case_pass

case_begin "openssl verify -crl_check: revoked for one, OK for the other"
rc=0
openssl verify -crl_check -CRLfile "$WORK/after.crl.pem" -CAfile "$CA_ROOT" -untrusted "$INTERMEDIATE" \
  "$WORK/one.crl.test.pem" >"$WORK/verify-one.txt" 2>&1 || rc=$?
[[ $rc -ne 0 ]] || fail "the revoked certificate verified: $(cat "$WORK/verify-one.txt")"
grep -q 'certificate revoked' "$WORK/verify-one.txt" || fail "not refused as revoked: $(cat "$WORK/verify-one.txt")"
fetch_crl "$TWO_URL" "$WORK/two.crl"
openssl verify -crl_check -CRLfile "$WORK/two.crl.pem" -CAfile "$CA_ROOT" -untrusted "$INTERMEDIATE" \
  "$WORK/two.crl.test.pem" >"$WORK/verify-two.txt" 2>&1 || fail "the other certificate: $(cat "$WORK/verify-two.txt")"
grep -q ': OK' "$WORK/verify-two.txt" || fail "unexpected: $(cat "$WORK/verify-two.txt")"
case_pass

case_begin "numbers keep increasing; nextUpdate after thisUpdate"
sleep 3
fetch_crl "$ONE_URL" "$WORK/later.crl"
NUMBER_LATER=$(crl_number "$WORK/later.crl")
hex_gt "$NUMBER_LATER" "$NUMBER_AFTER" || fail "CRL number did not increase: $NUMBER_AFTER then $NUMBER_LATER"
this=$(date -d "$(openssl crl -inform DER -in "$WORK/later.crl" -noout -lastupdate | cut -d= -f2)" +%s)
next=$(date -d "$(openssl crl -inform DER -in "$WORK/later.crl" -noout -nextupdate | cut -d= -f2)" +%s)
((next > this)) || fail "nextUpdate $next not after thisUpdate $this"
now=$(date +%s)
((this <= now + 1 && this >= now - 10)) || fail "thisUpdate $this is not recent (now $now)"
case_pass

case_begin "the CRL listener's HTTP rules"
base="http://127.0.0.1:$CRL_PORT"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
[[ "$(code -I "$ONE_URL")" == 200 ]] || fail "HEAD not 200"
[[ "$(code "$base/crl/16.crl")" == 404 ]] || fail "shard 16 of 16 not 404"
[[ "$(code "$base/crl/01.crl")" == 404 ]] || fail "a leading zero not 404"
[[ "$(code "$base/metrics")" == 404 ]] || fail "/metrics on the CRL port not 404"
[[ "$(code -X POST "$ONE_URL")" == 405 ]] || fail "POST not 405"
case_pass

case_begin "/metrics reports the CRL job"
curl -fsS --max-time 5 "http://127.0.0.1:$CA_MGMT_PORT/metrics" >"$WORK/metrics.txt"
grep -qE '^acmekit_ca_crl_generated_total [1-9]' "$WORK/metrics.txt" || fail "no CRLs counted: $(grep crl "$WORK/metrics.txt")"
grep -qE '^acmekit_ca_crl_last_generation_timestamp_seconds [1-9]' "$WORK/metrics.txt" || fail "no generation time"
case_pass

case_begin "a restarted CA keeps serving, with higher numbers"
stop_acmekit_ca
start_acmekit_ca --crl-listen "127.0.0.1:$CRL_PORT" --crl-period 2s --crl-shards 16
sleep 3  # the stored generation may still be fresh: the next one comes within a period and a tick
fetch_crl "$ONE_URL" "$WORK/restarted.crl"
hex_gt "$(crl_number "$WORK/restarted.crl")" "$NUMBER_LATER" || fail "CRL number went back across a restart"
openssl verify -crl_check -CRLfile "$WORK/restarted.crl.pem" -CAfile "$CA_ROOT" -untrusted "$INTERMEDIATE" \
  "$WORK/one.crl.test.pem" >/dev/null 2>&1 && fail "revoked certificate verifies after the restart"
case_pass
