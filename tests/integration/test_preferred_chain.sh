#!/usr/bin/env bash
# --preferred-chain: Pebble with one alternate root offers a second chain via
# Link rel="alternate". Pebble 2.4 names its roots "Pebble Root CA <hex>",
# each with its own "Pebble Intermediate CA <hex> #1" (PEBBLE_CHAIN_LENGTH=2
# puts that extra intermediate in the chain); the leaf's issuer,
# "Pebble Intermediate CA <hex>", is the same key in both chains.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
export PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_CHAIN_LENGTH=2
start_pebble

ROOT0="$PEBBLE_ROOT"
ROOT1="$WORK/pebble/root1.pem"
pebble_fetch roots/1 "$ROOT1"
pebble_fetch intermediates/1 "$WORK/pebble/intermediate1.pem"
CN0=$(cert_subject_cn "$ROOT0")
CN1=$(cert_subject_cn "$ROOT1")
[[ -n "$CN0" && -n "$CN1" && "$CN0" != "$CN1" ]] || fail "Pebble did not give two distinct roots: '$CN0' '$CN1'"
log "root 0: $CN0, root 1 (alternate): $CN1"

use_pebble_client

# assert_chain_to DIR ROOT_PEM ROOT_CN OTHER_ROOT_PEM
assert_chain_to() {
  local dir=$1 root=$2 cn=$3 other=$4 top
  top="$WORK/top.pem"
  last_cert "$dir/chain.pem" "$top"
  [[ "$(pem_count "$dir/chain.pem")" -eq 2 ]] \
    || fail "$dir/chain.pem holds $(pem_count "$dir/chain.pem") certificates, expected 2 (PEBBLE_CHAIN_LENGTH=2)"
  [[ "$(cert_issuer_cn "$top")" == "$cn" ]] \
    || fail "top of $dir/chain.pem is issued by '$(cert_issuer_cn "$top")', expected '$cn'"
  openssl verify -CAfile "$other" -untrusted "$dir/chain.pem" "$dir/cert.pem" >/dev/null 2>&1 \
    && fail "$dir chain also verifies against the other root: it is not the chain to '$cn'"
  return 0
}

case_begin "no --preferred-chain: Pebble's default chain (root 0)"
run_acmekit certonly -d default.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/default.test" "$ROOT0" default.test
assert_chain_to "$CFG/live/default.test" "$ROOT0" "$CN0" "$ROOT1"
case_pass

case_begin "--preferred-chain '$CN1' (the alternate)"
run_acmekit certonly -d alt.test --preferred-chain "$CN1" "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
assert_cert_ok "$CFG/live/alt.test" "$ROOT1" alt.test
assert_chain_to "$CFG/live/alt.test" "$ROOT1" "$CN1" "$ROOT0"
case_pass

case_begin "--preferred-chain '$CN0' (the default one, asked for explicitly)"
run_acmekit certonly -d main.test --preferred-chain "$CN0" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/main.test" "$ROOT0" main.test
assert_chain_to "$CFG/live/main.test" "$ROOT0" "$CN0" "$ROOT1"
case_pass

case_begin "--preferred-chain naming no offered chain falls back to the default (as certbot)"
run_acmekit certonly -d nomatch.test --preferred-chain "No Such Root CA" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/nomatch.test" "$ROOT0" nomatch.test
assert_chain_to "$CFG/live/nomatch.test" "$ROOT0" "$CN0" "$ROOT1"
case_pass
