#!/usr/bin/env bash
# acmekit renew against a CA that says rateLimited (acmekit-ca with a small
# new-orders-per-account limit): the first refusal holds every renewal with
# that account until the CA's Retry-After, in the same pass and in the next
# runs, without asking the CA again; once the hold is over it asks again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
ca_hosts_add a.limited.test b.limited.test c.limited.test
start_acmekit_ca --rate-limit-new-orders-per-account 3 --rate-limit-new-orders-per-account-window 1h
use_ca_client
CALOG="$LOGS/acmekit-ca.log"
new_orders() { grep -c 'POST /acme/new-order ' "$CALOG" || true; }

case_begin "three lineages use up the account's three new orders"
for n in a b c; do
  run_acmekit certonly -d "$n.limited.test" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_success
done
case_pass

case_begin "renew: the first rateLimited answer holds the other lineages of the account"
before=$(new_orders)
run_acmekit renew --force-renewal --max-parallel 1 "${COMMON[@]}" --json
assert_failure 1
[[ "$(json_get '.failed | length')" == 3 ]] || fail "expected 3 failed lineages: $(cat "$ACME_OUT")"
[[ $(( $(new_orders) - before )) -eq 1 ]] || fail "the CA got $(( $(new_orders) - before )) new orders, expected 1 (the refused one)"
grep -q 'POST /acme/new-order 429' "$CALOG" || fail "the CA did not answer 429"
[[ "$(json_get '[.failed[].error | select(test("rateLimited"))] | length')" == 3 ]] \
  || fail "every failure should name rateLimited: $(cat "$ACME_OUT")"
[[ "$(json_get '[.failed[].error | select(test("not attempted"))] | length')" == 2 ]] \
  || fail "two lineages should not have been attempted: $(cat "$ACME_OUT")"
HOLDS="$CFG/.index/rate-limits.tsv"
[[ -s "$HOLDS" ]] || fail "no hold recorded in $HOLDS"
UNTIL=$(cut -f3 "$HOLDS" | head -1)
now=$(date +%s)
# The CA's Retry-After: the oldest of the three orders leaves the 1 h window.
[[ $UNTIL -gt $((now + 3000)) && $UNTIL -le $((now + 3700)) ]] || fail "hold until $UNTIL is not the CA's Retry-After (now $now)"
for n in a b c; do assert_cert_ok "$CFG/live/$n.limited.test" "$CA_ROOT" "$n.limited.test"; done
case_pass

case_begin "the next run does not ask the CA while the hold lasts"
before=$(new_orders)
run_acmekit renew --force-renewal "${COMMON[@]}" --json
assert_failure 1
[[ $(new_orders) -eq $before ]] || fail "the CA was asked for a new order during the hold"
[[ "$(json_get '[.failed[].error | select(test("not attempted: the CA rate-limited this account until"))] | length')" == 3 ]] \
  || fail "all three should be held: $(cat "$ACME_OUT")"
case_pass

case_begin "after the hold (clock injected) acmekit asks again"
before=$(new_orders)
ACMEKIT_FAKE_NOW=$((UNTIL + 1)) run_acmekit renew --force-renewal --max-parallel 1 "${COMMON[@]}" --json
[[ $(( $(new_orders) - before )) -ge 1 ]] || fail "acmekit did not ask the CA again after the hold"
case_pass
