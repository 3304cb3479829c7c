#!/usr/bin/env bash
# Standalone http-01 against the real Pebble: key types, account reuse,
# `certificates --json`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

use_pebble_client

# check_issued_json CERT_NAME NAME...: certonly --json output describes the
# lineage on disk. Prints the account_url.
check_issued_json() {
  local name=$1; shift
  [[ "$(json_get .status)" == issued ]] || fail "--json status is '$(json_get .status)', expected issued"
  [[ "$(json_get .cert_name)" == "$name" ]] || fail "--json cert_name is '$(json_get .cert_name)', expected $name"
  [[ "$(json_get '.names[]' | sort -u)" == "$(sorted_names "$@")" ]] \
    || fail "--json names are [$(json_get '.names|join(",")')], expected [$*]"
  local k p
  for k in cert chain fullchain privkey; do
    p=$(json_get ".paths.$k")
    [[ -s "$p" ]] || fail "--json paths.$k = '$p' is not a non-empty file"
    [[ "$(readlink -f "$p")" == "$(readlink -f "$CFG/live/$name/$k.pem")" ]] \
      || fail "--json paths.$k = '$p' is not live/$name/$k.pem"
  done
  [[ "$(norm_serial "$(json_get .serial)")" == "$(cert_serial "$CFG/live/$name/cert.pem")" ]] \
    || fail "--json serial $(json_get .serial) != serial of cert.pem $(cert_serial "$CFG/live/$name/cert.pem")"
  [[ "$(json_get .issuer)" == "$(cert_issuer_cn "$CFG/live/$name/cert.pem")" ]] \
    || fail "--json issuer '$(json_get .issuer)' != issuer CN of cert.pem '$(cert_issuer_cn "$CFG/live/$name/cert.pem")'"
  local na want_epoch got_epoch
  na=$(json_get .not_after)
  got_epoch=$(date -d "$na" +%s 2>/dev/null) || fail "--json not_after '$na' is not an ISO-8601 date"
  want_epoch=$(date -d "$(openssl x509 -in "$CFG/live/$name/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
  [[ $got_epoch -eq $want_epoch ]] || fail "--json not_after '$na' != notAfter of cert.pem"
  [[ "$(json_get .account_url)" == https://127.0.0.1:"$PEBBLE_PORT"/* ]] \
    || fail "--json account_url '$(json_get .account_url)' is not a URL of our Pebble"
}

# ---------------------------------------------------------------------------
case_begin "one name, default key type (ECDSA P-256)"
run_acmekit certonly -d one.test "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
assert_cert_ok "$CFG/live/one.test" "$PEBBLE_ROOT" one.test
assert_live_layout "$CFG" one.test
assert_key_desc "$CFG/live/one.test/cert.pem" ec:prime256v1
check_issued_json one.test one.test
ACCOUNT1=$(json_get .account_url)
assert_port_free "$PEBBLE_HTTP_PORT"
case_pass

# ---------------------------------------------------------------------------
case_begin "three names, RSA 2048, same config dir reuses the account"
run_acmekit certonly -d rsa.test -d www.rsa.test -d api.rsa.test --key-type rsa --rsa-key-size 2048 \
  "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
assert_cert_ok "$CFG/live/rsa.test" "$PEBBLE_ROOT" rsa.test www.rsa.test api.rsa.test
assert_live_layout "$CFG" rsa.test
assert_key_desc "$CFG/live/rsa.test/cert.pem" rsa:2048
assert_key_desc "$CFG/live/rsa.test/privkey.pem" rsa:2048
check_issued_json rsa.test rsa.test www.rsa.test api.rsa.test
ACCOUNT2=$(json_get .account_url)
[[ "$ACCOUNT1" == "$ACCOUNT2" ]] || fail "second certonly used account $ACCOUNT2, first used $ACCOUNT1 (account not reused)"
n=$(account_dirs "$CFG" | wc -l)
[[ $n -eq 1 ]] || fail "expected exactly one account directory under $CFG/accounts, found $n:
$(account_dirs "$CFG")"
case_pass

# ---------------------------------------------------------------------------
case_begin "--elliptic-curve secp384r1, --cert-name, human output"
run_acmekit certonly -d p384.test --cert-name my-p384 --key-type ecdsa --elliptic-curve secp384r1 \
  "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/my-p384" "$PEBBLE_ROOT" p384.test
assert_live_layout "$CFG" my-p384
assert_no_live "$CFG" p384.test
assert_key_desc "$CFG/live/my-p384/cert.pem" ec:secp384r1
# Human output ends with the fullchain path.
last=$(grep -v '^[[:space:]]*$' "$ACME_OUT" | tail -n 1 || true)
[[ "$last" == *"$CFG/live/my-p384/fullchain.pem"* ]] \
  || fail "last line of human output should name $CFG/live/my-p384/fullchain.pem, is: $last"
[[ $(account_dirs "$CFG" | wc -l) -eq 1 ]] || fail "a third certonly created another account"
case_pass

# ---------------------------------------------------------------------------
case_begin "certificates --json lists every lineage"
run_acmekit certificates --config-dir "$CFG" --json
assert_success
got=$(json_get '.certificates[].cert_name' | sort)
want=$(printf '%s\n' my-p384 one.test rsa.test | sort)
[[ "$got" == "$want" ]] || fail "certificates --json lists [$(echo $got)], expected [$(echo $want)]"
check_listed() {  # CERT_NAME KEY_TYPE NAME...
  local cn=$1 kt=$2; shift 2
  local sel=".certificates[] | select(.cert_name == \"$cn\")"
  [[ "$(json_get "$sel | .names[]" | sort -u)" == "$(sorted_names "$@")" ]] \
    || fail "certificates --json: $cn names are [$(json_get "$sel | .names | join(\",\")")], expected [$*]"
  local gkt; gkt=$(json_get "$sel | .key_type" | tr 'A-Z' 'a-z')
  [[ ( $kt == ecdsa && $gkt == ec* ) || ( $kt == rsa && $gkt == rsa* ) ]] \
    || fail "certificates --json: $cn key_type is '$(json_get "$sel | .key_type")', expected $kt"
  [[ "$(norm_serial "$(json_get "$sel | .serial")")" == "$(cert_serial "$CFG/live/$cn/cert.pem")" ]] \
    || fail "certificates --json: $cn serial does not match live/$cn/cert.pem"
  [[ "$(readlink -f "$(json_get "$sel | .paths.fullchain")")" == "$(readlink -f "$CFG/live/$cn/fullchain.pem")" ]] \
    || fail "certificates --json: $cn paths.fullchain is not live/$cn/fullchain.pem"
  local days; days=$(json_get "$sel | .days_left")
  [[ "$days" =~ ^[0-9]+$ && $days -ge 1 ]] || fail "certificates --json: $cn days_left '$days' is not a positive integer"
}
check_listed one.test ecdsa one.test
check_listed rsa.test rsa rsa.test www.rsa.test api.rsa.test
check_listed my-p384 ecdsa p384.test
case_pass

# ---------------------------------------------------------------------------
case_begin "certbot reads acmekit's layout (users can switch back)"
certbot certificates --config-dir "$CFG" --work-dir "$WORK/certbot-work" --logs-dir "$WORK/certbot-logs" \
  >"$LOGS/certbot-certificates.log" 2>&1 || fail "certbot certificates failed: $(cat "$LOGS/certbot-certificates.log")"
for n in one.test rsa.test my-p384; do
  grep -q "Certificate Name: $n\$" "$LOGS/certbot-certificates.log" \
    || fail "certbot does not list $n: $(cat "$LOGS/certbot-certificates.log")"
done
! grep -qi 'invalid\|error' "$LOGS/certbot-certificates.log" || fail "certbot found problems: $(cat "$LOGS/certbot-certificates.log")"
case_pass

# ---------------------------------------------------------------------------
case_begin "certonly again for a lineage that is not due: no action (certbot's rule), unless --force-renewal"
serial=$(cert_serial "$CFG/live/one.test/cert.pem")
run_acmekit certonly -d one.test "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
[[ "$(json_get .status)" == unchanged ]] || fail "expected status unchanged: $(cat "$ACME_OUT")"
[[ "$(cert_serial "$CFG/live/one.test/cert.pem")" == "$serial" ]] || fail "live/one.test changed"
[[ ! -e "$CFG/archive/one.test/cert2.pem" ]] || fail "a second version was issued"
run_acmekit certonly -d one.test "${STANDALONE[@]}" "${COMMON[@]}" --force-renewal --json
assert_success
[[ "$(json_get .status)" == issued ]] || fail "expected status issued: $(cat "$ACME_OUT")"
[[ "$(cert_serial "$CFG/live/one.test/cert.pem")" != "$serial" ]] || fail "--force-renewal did not issue"
assert_cert_ok "$CFG/live/one.test" "$PEBBLE_ROOT" one.test
# Different names under the same lineage name: issued (the lineage is expanded).
run_acmekit certonly -d one.test -d two.one.test --cert-name one.test "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
[[ "$(json_get .status)" == issued ]] || fail "changed names should issue: $(cat "$ACME_OUT")"
assert_cert_ok "$CFG/live/one.test" "$PEBBLE_ROOT" one.test two.one.test
case_pass
