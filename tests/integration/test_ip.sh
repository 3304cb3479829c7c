#!/usr/bin/env bash
# IP identifiers (RFC 8738) over http-01 against the real Pebble: -d with an
# address becomes an "ip" identifier and an iPAddress SAN.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble
use_pebble_client

case_begin "IPv4: -d 127.0.0.1"
run_acmekit certonly -d 127.0.0.1 --cert-name ip4 "${STANDALONE[@]}" "${COMMON[@]}" --json
assert_success
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/ip4/chain.pem" "$CFG/live/ip4/cert.pem" >/dev/null \
  || fail "ip4 certificate does not verify"
assert_key_matches "$CFG/live/ip4/cert.pem" "$CFG/live/ip4/privkey.pem"
san=$(openssl x509 -in "$CFG/live/ip4/cert.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
[[ "$san" == "IPAddress:127.0.0.1" ]] || fail "SANs are '$san', expected exactly IP Address:127.0.0.1"
[[ "$(json_get '.names[0]')" == 127.0.0.1 ]] || fail "--json names: $(cat "$ACME_OUT")"
case_pass

case_begin "IPv4 and IPv6 in one order, standalone on :: (both families)"
run_acmekit certonly -d 127.0.0.1 -d ::1 --cert-name ip46 --standalone --http-01-port "$PEBBLE_HTTP_PORT" \
  --http-01-address :: "${COMMON[@]}"
assert_success
san=$(openssl x509 -in "$CFG/live/ip46/cert.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
[[ "$san" == "IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1" ]] || fail "SANs are '$san'"
assert_key_matches "$CFG/live/ip46/cert.pem" "$CFG/live/ip46/privkey.pem"
case_pass
