#!/usr/bin/env bash
# tls-alpn-01 (RFC 8737; IP identifiers RFC 8738 §6) answered by acmekit's own
# TLS server: `certonly --standalone --preferred-challenges tls-alpn-01`,
# against the real Pebble and against acmekit-ca. A DNS name and 127.0.0.1
# in one order; a taken port fails before anything is ordered.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit

# hold_port PORT: something else listens on 127.0.0.1:PORT and logs every
# connection to $LOGS/port-holder-PORT.log. Sets HOLDER_PID.
hold_port() {
  python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
while True:
    c, peer = s.accept()
    print("connection from %s:%d" % peer, flush=True)
    c.close()' "$1" >"$LOGS/port-holder-$1.log" 2>&1 &
  HOLDER_PID=$!; track_pid "$HOLDER_PID"
  wait_listening "$1" "$HOLDER_PID" "python3 port holder"
}

start_pebble
use_pebble_client
ALPN=(--standalone --preferred-challenges tls-alpn-01 --tls-alpn-01-port "$PEBBLE_TLS_PORT"
  --tls-alpn-01-address 127.0.0.1)

# ---------------------------------------------------------------------------
case_begin "Pebble: alpn.test and 127.0.0.1 in one order"
# The http-01 port is held: acmekit cannot answer http-01 there, and a
# connection from Pebble to it would show up in the holder's log.
hold_port "$PEBBLE_HTTP_PORT"
run_acmekit certonly -d alpn.test -d 127.0.0.1 --cert-name alpn "${ALPN[@]}" "${COMMON[@]}"
assert_success
# cert_sans prints an iPAddress SAN as "IP Address:127.0.0.1".
assert_cert_ok "$CFG/live/alpn" "$PEBBLE_ROOT" alpn.test "IP Address:127.0.0.1"
assert_live_layout "$CFG" alpn
assert_port_free "$PEBBLE_TLS_PORT"
[[ ! -s "$LOGS/port-holder-$PEBBLE_HTTP_PORT.log" ]] \
  || fail "Pebble tried http-01: $(cat "$LOGS/port-holder-$PEBBLE_HTTP_PORT.log")"
case_pass

# ---------------------------------------------------------------------------
case_begin "Pebble: renew uses the saved tls-alpn-01 settings"
serial=$(cert_serial "$CFG/live/alpn/cert.pem")
run_acmekit renew --cert-name alpn --force-renewal --config-dir "$CFG"
assert_success
[[ "$(cert_serial "$CFG/live/alpn/cert.pem")" != "$serial" ]] || fail "renew did not issue a new certificate"
assert_cert_ok "$CFG/live/alpn" "$PEBBLE_ROOT" alpn.test "IP Address:127.0.0.1"
assert_port_free "$PEBBLE_TLS_PORT"
[[ ! -s "$LOGS/port-holder-$PEBBLE_HTTP_PORT.log" ]] \
  || fail "Pebble tried http-01: $(cat "$LOGS/port-holder-$PEBBLE_HTTP_PORT.log")"
stop_pid "$HOLDER_PID"
case_pass

# ---------------------------------------------------------------------------
case_begin "Pebble: ::1 and 127.0.0.1, listening on :: (both families)"
run_acmekit certonly -d ::1 -d 127.0.0.1 --cert-name alpn-ip46 --standalone --preferred-challenges tls-alpn-01 \
  --tls-alpn-01-port "$PEBBLE_TLS_PORT" --tls-alpn-01-address :: "${COMMON[@]}"
assert_success
san=$(openssl x509 -in "$CFG/live/alpn-ip46/cert.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
[[ "$san" == "IPAddress:0:0:0:0:0:0:0:1,IPAddress:127.0.0.1" || "$san" == "IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1" ]] \
  || fail "SANs are '$san', expected exactly 127.0.0.1 and ::1"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/alpn-ip46/chain.pem" "$CFG/live/alpn-ip46/cert.pem" \
  >/dev/null || fail "alpn-ip46 certificate does not verify"
assert_key_matches "$CFG/live/alpn-ip46/cert.pem" "$CFG/live/alpn-ip46/privkey.pem"
assert_port_free "$PEBBLE_TLS_PORT"
case_pass

# ---------------------------------------------------------------------------
case_begin "Pebble: tls-alpn-01 port taken -> clear error, nothing installed"
hold_port "$PEBBLE_TLS_PORT"
run_acmekit certonly -d taken.test --cert-name taken "${ALPN[@]}" "${COMMON[@]}"
assert_failure
assert_error_matches "cannot listen on 127\.0\.0\.1:$PEBBLE_TLS_PORT for tls-alpn-01: Address already in use" \
  "say that 127.0.0.1:$PEBBLE_TLS_PORT is in use for tls-alpn-01"
assert_no_live "$CFG" taken
_pid_alive "$HOLDER_PID" || fail "the process holding the port died"
stop_pid "$HOLDER_PID"
case_pass
stop_pebble

# ---------------------------------------------------------------------------
case_begin "acmekit-ca: ca-alpn.test and 127.0.0.1 in one order"
ca_hosts_add ca-alpn.test
# An IP address: the default profile must take it (the built-in default,
# classic, is DNS names only; acmekit sends no newOrder "profile").
CA_DATA="$WORK/acmekit-ca"
printf 'data_dir = "%s"\ndefault_profile = "shortlived"\n' "$CA_DATA" >"$WORK/ca-shortlived.toml"
CA_CONFIG="$WORK/ca-shortlived.toml" start_acmekit_ca
use_ca_client "$WORK/config-ca"
run_acmekit certonly -d ca-alpn.test -d 127.0.0.1 --cert-name ca-alpn --standalone \
  --preferred-challenges tls-alpn-01 --tls-alpn-01-port "$CA_TLS_PORT" --tls-alpn-01-address 127.0.0.1 "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/ca-alpn" "$CA_ROOT" ca-alpn.test "IP Address:127.0.0.1"
assert_live_layout "$CFG" ca-alpn
assert_port_free "$CA_TLS_PORT"
# The CA says how it validated each identifier.
for id in dns:ca-alpn.test ip:127.0.0.1; do
  grep -q "validation [^ ]* tls-alpn-01 $id: valid" "$LOGS/acmekit-ca.log" \
    || fail "acmekit-ca did not validate $id over tls-alpn-01: $(grep validation "$LOGS/acmekit-ca.log")"
done
case_pass
