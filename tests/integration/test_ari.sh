#!/usr/bin/env bash
# ACME Renewal Information (RFC 9773) end to end against acmekit-ca, which
# serves renewalInfo (window: the start of the last third of the lifetime,
# lifetime/45 wide; "now" for a revoked certificate; Retry-After 6 hours).
# The clock is injected with ACMEKIT_FAKE_NOW, never slept:
#   before the window -> not due, and a second run does not ask again;
#   the moment chosen in the window is kept across runs;
#   at that moment -> renewed, newOrder "replaces" the old certificate and
#   the CA marks it replaced;
#   a certificate revoked at the CA by someone else (its own key, another
#   config dir: this one has no record of it) -> its window moves to now ->
#   renewed without fake time although the 1/3 rule would wait; a cached
#   window is only asked again after Retry-After (what `acmekit revoke` does
#   to its own lineages is lib_lifecycle.sh's lc_renew_after_revoke);
#   a live certificate the CA already saw replaced -> alreadyReplaced, the
#   order is retried without "replaces".
# Pebble (no ARI) renewing by the 1/3 rule is test_renew.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
ca_hosts_add ari.test www.ari.test revoked.ari.test
start_acmekit_ca --certificate-validity 90d
use_ca_client
CALOG="$LOGS/acmekit-ca.log"
DAY=86400

# How often the CA was asked for renewal information.
ri_count() { grep -c 'GET /acme/renewal-info/' "$CALOG" || true; }
epoch_of() { date -u -d "$1" +%s; }
not_before() { epoch_of "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)"; }
not_after() { epoch_of "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)"; }
renew_json() { run_acmekit renew "${COMMON[@]}" --json -v "$@"; }
# revoke_elsewhere NAME: NAME's live certificate revoked with its own key from
# another config dir, so this one's lineage carries no revocation record and
# only the CA's renewalInfo can tell (RFC 8555 §7.6, RFC 9773 §4.2).
revoke_elsewhere() {
  run_acmekit revoke --cert-path "$CFG/live/$1/cert.pem" --key-path "$CFG/live/$1/privkey.pem" \
    --server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$WORK/elsewhere" --json
  assert_success
  [[ "$(json_get .lineage)" == null ]] || fail "revoking from another config dir marked a lineage: $(cat "$ACME_OUT")"
}

case_begin "issue a 90-day certificate from acmekit-ca"
run_acmekit certonly -d ari.test -d www.ari.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
CERT="$CFG/live/ari.test/cert.pem"
NB=$(not_before "$CERT") NA=$(not_after "$CERT")
(( NA - NB > 89 * DAY && NA - NB <= 90 * DAY )) || fail "expected a 90-day certificate, got $(( (NA - NB) / DAY )) days"
SERIAL1=$(cert_serial "$CERT")
cp "$CERT" "$WORK/cert1.pem"
[[ "$(ri_count)" == 0 ]] || fail "certonly asked for renewal information"
case_pass

case_begin "before the window: not due; the CA's window and the chosen moment are reported"
export ACMEKIT_FAKE_NOW=$(( NB + 59 * DAY ))
renew_json
assert_success
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "renewed before the window: $(cat "$ACME_OUT")"
[[ "$(ri_count)" == 1 ]] || fail "expected one renewalInfo request, the CA saw $(ri_count)"
WS=$(epoch_of "$(json_get '.not_due[0].ari.window_start')")
WE=$(epoch_of "$(json_get '.not_due[0].ari.window_end')")
RENEW_AT=$(epoch_of "$(json_get '.not_due[0].ari.renew_at')")
# The CA's window starts where the last third does, lifetime/45 (2 days) wide.
WANT_WS=$(( NA - (NA - NB) / 3 ))
(( WS >= WANT_WS - 2 && WS <= WANT_WS + 2 )) || fail "window starts at $WS, expected about $WANT_WS"
(( WE - WS > DAY && WE - WS <= 2 * DAY + 2 )) || fail "window is $(( WE - WS )) s wide"
(( RENEW_AT >= WS && RENEW_AT <= WE )) || fail "chosen moment $RENEW_AT is outside [$WS, $WE]"
[[ "$(json_get '.not_due[0].renew_at')" == "$(json_get '.not_due[0].ari.renew_at')" ]] \
  || fail "renew_at is not the moment chosen in the window"
json_get '.not_due[0].reason' | grep -q "renewal window (ARI)" || fail "reason does not name the window: $(json_get '.not_due[0].reason')"
grep -q "ari.test" "$CFG/.index/ari.tsv" || fail "no ARI state cached in .index/ari.tsv"
case_pass

case_begin "a second run (and one an hour later) does not ask again: Retry-After is 6 hours"
renew_json
assert_success
ACMEKIT_FAKE_NOW=$(( ACMEKIT_FAKE_NOW + 3600 )) renew_json
assert_success
[[ "$(ri_count)" == 1 ]] || fail "renewalInfo was asked again within Retry-After ($(ri_count) requests)"
[[ "$(epoch_of "$(json_get '.not_due[0].ari.renew_at')")" == "$RENEW_AT" ]] || fail "the chosen moment changed between runs"
run_acmekit certificates --config-dir "$CFG" --json
assert_success
[[ "$(epoch_of "$(json_get '.certificates[0].ari.renew_at')")" == "$RENEW_AT" ]] \
  || fail "certificates --json does not show the window: $(cat "$ACME_OUT")"
case_pass

case_begin "inside the window before the chosen moment: asked again (Retry-After passed), same moment, not due"
if (( RENEW_AT > WS + 60 )); then
  # At the window's start the 1/3 rule alone would renew; ARI says wait.
  ACMEKIT_FAKE_NOW=$(( WS + 30 )) renew_json
  assert_success
  [[ "$(json_get '.renewed | length')" == 0 ]] || fail "renewed before the chosen moment: $(cat "$ACME_OUT")"
  [[ "$(ri_count)" == 2 ]] || fail "expected a second renewalInfo request after Retry-After, the CA saw $(ri_count)"
  [[ "$(epoch_of "$(json_get '.not_due[0].ari.renew_at')")" == "$RENEW_AT" ]] || fail "the same window got a new moment"
else
  log "the chosen moment is the window's start; nothing to check here"
fi
case_pass

case_begin "at the chosen moment: renewed, newOrder replaces the old certificate, the CA marks it replaced"
ACMEKIT_FAKE_NOW=$RENEW_AT renew_json
assert_success
unset ACMEKIT_FAKE_NOW
[[ "$(json_get '.renewed[0]')" == ari.test ]] || fail "not renewed at the chosen moment: $(cat "$ACME_OUT")"
grep -q "renewing (inside the CA's renewal window (ARI)" "$ACME_ERR" || fail "the renewal does not say why: $(cat "$ACME_ERR")"
SERIAL2=$(cert_serial "$CERT")
[[ "$SERIAL2" != "$SERIAL1" ]] || fail "serial did not change"
grep -q "replaces certificate 0*$SERIAL1 " "$CALOG" || fail "the CA log shows no order replacing $SERIAL1"
REPLACED_BY=$(ca_admin status --cert "$WORK/cert1.pem" | jq -r '.replaced_by_order // empty')
[[ -n "$REPLACED_BY" ]] || fail "the CA's database does not mark $SERIAL1 replaced"
ca_admin status --cert "$CERT" | jq -e '.replaced_by_order == null' >/dev/null \
  || fail "the new certificate is marked replaced"
ca_sql "SELECT replaces_certificate_id FROM orders WHERE id = '$REPLACED_BY'" | grep -qx "0*$SERIAL1" \
  || fail "order $REPLACED_BY does not record that it replaces $SERIAL1"
case_pass

case_begin "the new certificate gets its own window; not due now"
COUNT=$(ri_count)
renew_json
assert_success
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "renewed a fresh certificate: $(cat "$ACME_OUT")"
[[ "$(ri_count)" == $(( COUNT + 1 )) ]] || fail "the new certificate's renewalInfo was not asked"
NB2=$(not_before "$CERT")
(( $(epoch_of "$(json_get '.not_due[0].ari.window_start')") > NB2 + 59 * DAY )) || fail "the window is not the new certificate's"
case_pass

case_begin "revoked at the CA: the window moves to now, renewed without fake time (the 1/3 rule would wait)"
run_acmekit certonly -d revoked.ari.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
cp "$CFG/live/revoked.ari.test/cert.pem" "$WORK/revoked.pem"
revoke_elsewhere revoked.ari.test
[[ "$(ca_cert_status "$WORK/revoked.pem")" == revoked ]] || fail "the CA does not show the certificate revoked"
renew_json --cert-name revoked.ari.test
assert_success
[[ "$(json_get '.renewed[0]')" == revoked.ari.test ]] || fail "the revoked certificate was not renewed: $(cat "$ACME_OUT")"
json_get '.due[0].reason' | grep -q "renewal window (ARI)" || fail "not renewed for the CA's window: $(json_get '.due[0].reason')"
[[ "$(cert_serial "$CFG/live/revoked.ari.test/cert.pem")" != "$(cert_serial "$WORK/revoked.pem")" ]] || fail "serial did not change"
case_pass

case_begin "revoked at the CA with a cached window: noticed once Retry-After has passed"
cp "$CERT" "$WORK/cert2.pem"
revoke_elsewhere ari.test
COUNT=$(ri_count)
renew_json --cert-name ari.test
assert_success
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "asked the CA before Retry-After had passed: $(cat "$ACME_OUT")"
[[ "$(ri_count)" == "$COUNT" ]] || fail "renewalInfo asked again within Retry-After"
ACMEKIT_FAKE_NOW=$(( $(date +%s) + 6 * 3600 + 60 )) renew_json --cert-name ari.test
assert_success
[[ "$(ri_count)" == $(( COUNT + 1 )) ]] || fail "renewalInfo not asked after Retry-After"
[[ "$(json_get '.renewed[0]')" == ari.test ]] || fail "not renewed after the CA moved the window: $(cat "$ACME_OUT")"
SERIAL3=$(cert_serial "$CERT")
[[ "$SERIAL3" != "$SERIAL2" ]] || fail "serial did not change"
case_pass

case_begin "a live certificate the CA already saw replaced: alreadyReplaced, ordered again without replaces"
# As after a renewal that was issued but not installed: live/ points at the
# previous version, whose certificate the CA marked replaced.
PREV=".ari.test.v$(( $(readlink "$CFG/live/ari.test" | sed 's/.*\.v//') - 1 ))"
[[ -n "$PREV" && -e "$CFG/live/$PREV/cert.pem" ]] || fail "no previous version of ari.test in live/"
[[ "$(cert_serial "$CFG/live/$PREV/cert.pem")" == "$SERIAL2" ]] || fail "$PREV is not the replaced certificate"
ln -sfn "$PREV" "$CFG/live/ari.test.tmp" && mv -T "$CFG/live/ari.test.tmp" "$CFG/live/ari.test"
renew_json --cert-name ari.test --force-renewal
assert_success
[[ "$(json_get '.renewed[0]')" == ari.test ]] || fail "not renewed: $(cat "$ACME_OUT")"
grep -q 'already replaced; ordering without "replaces"' "$ACME_ERR" || fail "no alreadyReplaced retry: $(cat "$ACME_ERR")"
grep -q 'POST /acme/new-order 409' "$CALOG" || fail "the CA did not answer 409 to the second replacement"
case_pass

case_begin "certonly --force-renewal on a lineage: the new order replaces its certificate too"
cp "$CFG/live/revoked.ari.test/cert.pem" "$WORK/before-certonly.pem"
run_acmekit certonly -d revoked.ari.test --force-renewal "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
[[ "$(cert_serial "$CFG/live/revoked.ari.test/cert.pem")" != "$(cert_serial "$WORK/before-certonly.pem")" ]] \
  || fail "certonly --force-renewal did not issue"
ca_admin status --cert "$WORK/before-certonly.pem" \
  | jq -e '.replaced_by_order != null' >/dev/null \
  || fail "the CA does not record the old certificate as replaced: $(ca_admin status --cert "$WORK/before-certonly.pem")"
case_pass
