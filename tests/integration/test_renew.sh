#!/usr/bin/env bash
# acmekit renew against the real Pebble: due vs not due by the 1/3 rule
# (Debian's Pebble offers no ARI; clock injected with ACMEKIT_FAKE_NOW,
# never slept), --force-renewal, --dry-run leaves live/ as
# it was, hooks see certbot's environment, one failing lineage does not stop
# the others.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
# One-hour certificates: due when less than 20 minutes are left.
start_pebble '{"certificateValidityPeriod": 3600}'

use_pebble_client
HOOKLOG="$WORK/hooks.log"
: >"$HOOKLOG"

# A deploy hook that records what certbot-compatible hooks rely on.
DEPLOY_HOOK="printf 'deploy lineage=%s domains=%s\n' \"\$RENEWED_LINEAGE\" \"\$RENEWED_DOMAINS\" >>'$HOOKLOG'"
mkdir -p "$CFG/renewal-hooks/deploy"
cat >"$CFG/renewal-hooks/deploy/10-record" <<HOOK
#!/bin/sh
echo "dir-deploy \$RENEWED_LINEAGE" >>'$HOOKLOG'
HOOK
chmod +x "$CFG/renewal-hooks/deploy/10-record"

live_state() {  # what a reader of live/NAME sees: link target and content hashes
  local d="$CFG/live/$1"
  printf '%s\n' "$(readlink "$d")"
  sha256sum "$d/cert.pem" "$d/chain.pem" "$d/fullchain.pem" "$d/privkey.pem" | cut -d' ' -f1
}

case_begin "issue two lineages"
run_acmekit certonly -d renew.test -d www.renew.test "${STANDALONE[@]}" "${COMMON[@]}" --deploy-hook "$DEPLOY_HOOK"
assert_success
run_acmekit certonly -d other.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
SERIAL1=$(cert_serial "$CFG/live/renew.test/cert.pem")
grep -q '^renew_hook = ' "$CFG/renewal/renew.test.conf" || fail "deploy hook not saved in renewal/renew.test.conf"
case_pass

case_begin "nothing due: live/ unchanged, no hooks"
BEFORE=$(live_state renew.test)
run_acmekit renew "${COMMON[@]}" --json --pre-hook "echo pre >>'$HOOKLOG'" --post-hook "echo post >>'$HOOKLOG'"
assert_success
[[ "$(json_get '.not_due | length')" == 2 ]] || fail "expected 2 lineages not due, got: $(cat "$ACME_OUT")"
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "renewed something that was not due"
# Pebble's directory has no renewalInfo (RFC 9773): the 1/3 rule decides.
[[ "$(json_get '[.not_due[] | select(has("ari"))] | length')" == 0 ]] || fail "an ARI window from a CA without ARI"
json_get '.not_due[0].reason' | grep -q 'renews below' || fail "not the 1/3 rule: $(json_get '.not_due[0].reason')"
[[ "$(live_state renew.test)" == "$BEFORE" ]] || fail "live/renew.test changed although nothing was due"
[[ ! -s "$HOOKLOG" ]] || fail "hooks ran although nothing was due: $(cat "$HOOKLOG")"
case_pass

case_begin "--dry-run goes to the CA but leaves live/ and hooks alone"
run_acmekit renew "${COMMON[@]}" --dry-run --json --cert-name renew.test --deploy-hook "echo dry >>'$HOOKLOG'"
assert_success
[[ "$(json_get '.renewed[0]')" == renew.test && "$(json_get .dry_run)" == true ]] \
  || fail "dry run did not report renew.test: $(cat "$ACME_OUT")"
[[ "$(live_state renew.test)" == "$BEFORE" ]] || fail "--dry-run changed live/renew.test"
[[ "$(ls "$CFG/archive/renew.test" | grep -c '^cert')" == 1 ]] || fail "--dry-run wrote to archive/"
[[ ! -s "$HOOKLOG" ]] || fail "hooks ran on a dry run: $(cat "$HOOKLOG")"
case_pass

case_begin "due (clock moved 45 minutes ahead): renewed with saved settings and hooks"
export ACMEKIT_FAKE_NOW=$(( $(date +%s) + 2700 ))
run_acmekit renew "${COMMON[@]}" --json --cert-name renew.test \
  --pre-hook "echo pre >>'$HOOKLOG'" --post-hook "echo post >>'$HOOKLOG'"
unset ACMEKIT_FAKE_NOW
assert_success
[[ "$(json_get '.renewed[0]')" == renew.test ]] || fail "renew.test not renewed: $(cat "$ACME_OUT")"
assert_cert_ok "$CFG/live/renew.test" "$PEBBLE_ROOT" renew.test www.renew.test
[[ "$(cert_serial "$CFG/live/renew.test/cert.pem")" != "$SERIAL1" ]] || fail "serial did not change"
[[ -f "$CFG/archive/renew.test/cert2.pem" ]] || fail "archive/renew.test/cert2.pem missing"
want_lineage="$CFG/live/renew.test"
grep -qx "deploy lineage=$want_lineage domains=renew.test www.renew.test" "$HOOKLOG" \
  || fail "deploy hook environment wrong: $(cat "$HOOKLOG")"
grep -qx "dir-deploy $want_lineage" "$HOOKLOG" || fail "renewal-hooks/deploy/ did not run: $(cat "$HOOKLOG")"
[[ "$(grep -c '^pre$' "$HOOKLOG")" == 1 && "$(grep -c '^post$' "$HOOKLOG")" == 1 ]] \
  || fail "pre/post hooks should run once each: $(cat "$HOOKLOG")"
[[ "$(head -1 "$HOOKLOG")" == pre && "$(tail -1 "$HOOKLOG")" == post ]] || fail "hook order wrong: $(cat "$HOOKLOG")"
case_pass

case_begin "one lineage failing does not stop the others; its live cert stays"
# Break other.test: its saved webroot does not exist.
sed -i 's/^authenticator = .*/authenticator = webroot/; $a webroot_path = /nonexistent/acmekit-webroot' \
  "$CFG/renewal/other.test.conf"
OTHER_BEFORE=$(live_state other.test)
SERIAL2=$(cert_serial "$CFG/live/renew.test/cert.pem")
run_acmekit renew "${COMMON[@]}" --force-renewal --json
[[ $ACME_RC -eq 1 ]] || fail "expected exit 1 when one renewal fails, got $ACME_RC"
[[ "$(json_get '.failed[0].cert_name')" == other.test ]] || fail "failure not reported for other.test: $(cat "$ACME_OUT")"
[[ "$(json_get '.renewed[0]')" == renew.test ]] || fail "renew.test should still renew: $(cat "$ACME_OUT")"
grep -q 'other.test' "$ACME_ERR" || fail "stderr does not name other.test"
[[ "$(live_state other.test)" == "$OTHER_BEFORE" ]] || fail "live/other.test changed although its renewal failed"
assert_cert_ok "$CFG/live/other.test" "$PEBBLE_ROOT" other.test
[[ "$(cert_serial "$CFG/live/renew.test/cert.pem")" != "$SERIAL2" ]] || fail "forced renewal did not renew renew.test"
case_pass

case_begin "--max-parallel 3: four standalone lineages renewed at once through one http-01 server"
declare -A BEFORE_SERIAL
SEL=()
for i in 1 2 3 4; do
  run_acmekit certonly -d "p$i.test" -d "www.p$i.test" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
  BEFORE_SERIAL[$i]=$(cert_serial "$CFG/live/p$i.test/cert.pem")
  SEL+=(--cert-name "p$i.test")
done
run_acmekit renew "${COMMON[@]}" --force-renewal --max-parallel 3 --json "${SEL[@]}"
assert_success
[[ "$(json_get '.renewed | join(",")')" == "p1.test,p2.test,p3.test,p4.test" ]] \
  || fail "expected p1..p4 renewed: $(cat "$ACME_OUT")"
for i in 1 2 3 4; do
  assert_cert_ok "$CFG/live/p$i.test" "$PEBBLE_ROOT" "p$i.test" "www.p$i.test"
  [[ "$(cert_serial "$CFG/live/p$i.test/cert.pem")" != "${BEFORE_SERIAL[$i]}" ]] || fail "p$i.test not renewed"
done
case_pass
