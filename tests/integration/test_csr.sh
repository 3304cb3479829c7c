#!/usr/bin/env bash
# certonly --csr: names come from the CSR; cert/chain/fullchain go to the
# given paths (or ./cert.pem ./chain.pem ./fullchain.pem); no lineage.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

use_pebble_client

mkdir -p "$WORK/csr"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$WORK/csr/key.pem" -out "$WORK/csr/req.pem" -subj "/CN=csr.test" \
  -addext "subjectAltName=DNS:csr.test,DNS:alt.csr.test" >"$LOGS/openssl-csr.log" 2>&1 \
  || fail "openssl could not make the CSR"

case_begin "--csr with explicit output paths, --json"
OUT="$WORK/out"
mkdir -p "$OUT"
run_acmekit certonly --csr "$WORK/csr/req.pem" --cert-path "$OUT/c.pem" --chain-path "$OUT/ch.pem" \
  --fullchain-path "$OUT/fc.pem" "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
assert_cert_files "$OUT/c.pem" "$OUT/ch.pem" "$OUT/fc.pem" "$PEBBLE_ROOT" csr.test alt.csr.test
assert_key_matches "$OUT/c.pem" "$WORK/csr/key.pem"
[[ "$(json_get .status)" == issued ]] || fail "--json status is '$(json_get .status)'"
[[ "$(json_get .cert_name)" == null ]] || fail "--json cert_name should be null with --csr, is '$(json_get .cert_name)'"
[[ "$(json_get .paths.privkey)" == null ]] || fail "--json paths.privkey should be null with --csr, is '$(json_get .paths.privkey)'"
[[ "$(readlink -f "$(json_get .paths.cert)")" == "$OUT/c.pem" ]] || fail "--json paths.cert is '$(json_get .paths.cert)', expected $OUT/c.pem"
[[ "$(readlink -f "$(json_get .paths.fullchain)")" == "$OUT/fc.pem" ]] || fail "--json paths.fullchain is '$(json_get .paths.fullchain)'"
[[ "$(json_get '.names[]' | sort -u)" == "$(sorted_names csr.test alt.csr.test)" ]] || fail "--json names are not the CSR's names"
[[ "$(norm_serial "$(json_get .serial)")" == "$(cert_serial "$OUT/c.pem")" ]] || fail "--json serial does not match the certificate"
assert_no_lineage "$CFG"
case_pass

case_begin "--csr with default output paths (current directory)"
CWD="$WORK/cwd"
mkdir -p "$CWD"
ACME_CWD="$CWD" run_acmekit certonly --csr "$WORK/csr/req.pem" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_files "$CWD/cert.pem" "$CWD/chain.pem" "$CWD/fullchain.pem" "$PEBBLE_ROOT" csr.test alt.csr.test
assert_key_matches "$CWD/cert.pem" "$WORK/csr/key.pem"
[[ "$(cert_serial "$CWD/cert.pem")" != "$(cert_serial "$OUT/c.pem")" ]] || fail "second --csr run did not get a new certificate"
assert_no_lineage "$CFG"
case_pass
