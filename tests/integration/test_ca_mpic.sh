#!/usr/bin/env bash
# Multi-perspective issuance corroboration (CA/B Forum Baseline Requirements
# §3.2.2.9) in acmekit-ca: three remote perspectives (`acmekit-ca va`), each
# in a network namespace of its own, reached from the CA's namespace over a
# veth pair (10.77.N.1 here, 10.77.N.2 there), each with its own DNS view (a
# pebble-challtestsrv inside its namespace answering every A query with
# 10.77.N.1, where acmekit's http-01 standalone server is reached from it).
# The CA itself (the primary perspective) reaches that server through its
# hosts file. A "different answer" is an A record a perspective's
# challtestsrv gets for one name: 127.0.0.1, its own loopback, where nothing
# serves http-01. Cases: all agree; one sees another answer (still valid);
# two do (invalid, naming them); CAA is checked from the perspectives too
# (one perspective's DNS serving a CAA record that forbids this CA is
# outvoted, two refuse with `caa`); a perspective that is down counts as not
# corroborating; /metrics counts every perspective's result; the
# perspectives refuse clients without the CA's client certificate. The
# CA's own DNS (for CAA) is one more challtestsrv, on loopback here.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
require_acmekit
require_cmd ip pebble-challtestsrv curl openssl jq

ZONE=mpic.test
US=ca.acmekit.test # the CA's --caa-identity
VA_PORT=8443 # inside each perspective's namespace: no other listener there
declare -A VA_PID DNS_PID

# Named namespaces live under /run/netns: a tmpfs of this test's mount
# namespace, so nothing of them shows (or stays) on the host.
mkdir -p /run/netns
mount -t tmpfs tmpfs /run/netns || fail "cannot mount a tmpfs on /run/netns"

# make_perspective_netns N: namespace mpic-vaN, veth mpicN (here,
# 10.77.N.1/24) <-> eth0 (there, 10.77.N.2/24), lo up there.
make_perspective_netns() {
  local n=$1 ns=mpic-va$1
  ip netns add "$ns" || fail "ip netns add $ns failed"
  ip link add "mpic$n" type veth peer name eth0 netns "$ns" || fail "cannot make the veth pair of $ns"
  ip addr add "10.77.$n.1/24" dev "mpic$n" && ip link set "mpic$n" up || fail "cannot set up mpic$n"
  ip netns exec "$ns" sh -c "ip link set lo up && ip addr add 10.77.$n.2/24 dev eth0 && ip link set eth0 up" \
    || fail "cannot set up the network inside $ns"
}

# start_perspective_dns N: challtestsrv in mpic-vaN: DNS on :8053, its
# management API on 10.77.N.2:8055 (reached from here over the veth).
start_perspective_dns() {
  local n=$1 i
  ip netns exec "mpic-va$n" pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" -dns01 ":8053" \
    -management ":8055" -defaultIPv4 "10.77.$n.1" -defaultIPv6 "" >"$LOGS/challtestsrv-va$n.log" 2>&1 &
  DNS_PID[$n]=$!
  track_pid "${DNS_PID[$n]}"
  for ((i = 0; i < 200; i++)); do
    _pid_alive "${DNS_PID[$n]}" || fail "challtestsrv of va$n exited; see $LOGS/challtestsrv-va$n.log"
    curl -fsS --max-time 1 -o /dev/null -X POST -d '{"ip":"10.77.'"$n"'.1"}' "http://10.77.$n.2:8055/set-default-ipv4" \
      2>/dev/null && return 0
    sleep 0.05
  done
  fail "challtestsrv of va$n did not answer on 10.77.$n.2:8055"
}

# forbid_caa N NAME: perspective N's DNS serves NAME a CAA record that
# names another CA only.
forbid_caa() {
  curl -fsS --max-time 5 -o /dev/null -X POST \
    -d '{"host":"'"$2"'.","policies":[{"tag":"issue","value":"other-ca.example"}]}' \
    "http://10.77.$1.2:8055/add-caa" || fail "challtestsrv of va$1 refused add-caa for $2"
  local got
  got=$(ip netns exec "mpic-va$1" dig +short +time=2 +tries=1 -p 8053 @127.0.0.1 "$2" CAA 2>&1)
  [[ "$got" == *other-ca.example* ]] || fail "va$1's DNS view of $2 CAA is '$got', expected other-ca.example"
}

# view_points_elsewhere N NAME: perspective N's DNS answers NAME with 127.0.0.1.
view_points_elsewhere() {
  curl -fsS --max-time 5 -o /dev/null -X POST -d '{"host":"'"$2"'.","addresses":["127.0.0.1"]}' \
    "http://10.77.$1.2:8055/add-a" || fail "challtestsrv of va$1 refused add-a for $2"
  local got
  got=$(ip netns exec "mpic-va$1" dig +short +time=2 +tries=1 -p 8053 @127.0.0.1 "$2" A 2>&1)
  [[ "$got" == 127.0.0.1 ]] || fail "va$1's DNS view of $2 is '$got', expected 127.0.0.1"
}

# start_perspective N: acmekit-ca va in mpic-vaN on 10.77.N.2:VA_PORT with
# its bundle, its DNS and its own address policy.
start_perspective() {
  local n=$1 i
  ip netns exec "mpic-va$n" "$ACMEKIT_CA_BIN" va --credentials "$WORK/va$n" --listen "10.77.$n.2:$VA_PORT" \
    --http01-port "$CA_HTTP_PORT" --dns-resolver 127.0.0.1:8053 \
    --validation-allow-cidr 10.77.0.0/16 --validation-allow-cidr 127.0.0.0/8 >>"$LOGS/va$n.log" 2>&1 &
  VA_PID[$n]=$!
  track_pid "${VA_PID[$n]}"
  for ((i = 0; i < 200; i++)); do
    _pid_alive "${VA_PID[$n]}" || fail "acmekit-ca va (va$n) exited at start; see $LOGS/va$n.log"
    grep -q "acmekit-ca va serving https://10.77.$n.2:$VA_PORT/" "$LOGS/va$n.log" && { log "va$n up (pid ${VA_PID[$n]})"; return 0; }
    sleep 0.05
  done
  fail "acmekit-ca va (va$n) did not start; see $LOGS/va$n.log"
}

CA_DATA=$WORK/acmekit-ca
REMOTES=()
for n in 1 2 3; do
  make_perspective_netns "$n"
  "$ACMEKIT_CA_BIN" va-credentials --data-dir "$CA_DATA" --name "va$n" --host "10.77.$n.2" --out "$WORK/va$n" \
    >>"$LOGS/va-credentials.log" 2>&1 || fail "va-credentials for va$n failed; see $LOGS/va-credentials.log"
  [[ $(_file_mode "$WORK/va$n/va.key.pem") == 600 ]] || fail "va$n/va.key.pem is not mode 0600"
  openssl verify -CAfile "$WORK/va$n/ca.pem" "$WORK/va$n/va.pem" >/dev/null || fail "va$n/va.pem does not verify"
  start_perspective_dns "$n"
  REMOTES+=(--remote-va "va$n=https://10.77.$n.2:$VA_PORT")
done
[[ $(_file_mode "$CA_DATA/mpic/ca.key.pem") == 600 ]] || fail "mpic/ca.key.pem is not mode 0600"

NAMES=(agree one-off two-off caa-one caa-two down down-two)
for n in "${NAMES[@]}"; do ca_hosts_add "$n.$ZONE"; done
# The primary perspective's DNS (CAA only: its addresses come from the hosts file).
PRIMARY_DNS_PORT=$(free_port) PRIMARY_DNS_MGMT=$(free_port)
pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" -dns01 "127.0.0.1:$PRIMARY_DNS_PORT" \
  -management "127.0.0.1:$PRIMARY_DNS_MGMT" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$LOGS/challtestsrv-primary.log" 2>&1 &
PRIMARY_DNS_PID=$!
track_pid "$PRIMARY_DNS_PID"
for ((i = 0; i < 200; i++)); do
  _pid_alive "$PRIMARY_DNS_PID" || fail "the primary's challtestsrv exited; see $LOGS/challtestsrv-primary.log"
  dig +short +time=1 +tries=1 -p "$PRIMARY_DNS_PORT" @127.0.0.1 "agree.$ZONE" A >/dev/null 2>&1 && break
  sleep 0.05
done
start_acmekit_ca "${REMOTES[@]}" --remote-va-timeout 15s --caa-identity "$US" --dns-resolver "127.0.0.1:$PRIMARY_DNS_PORT"
# The perspectives connect to the http-01 port the CA was given.
for n in 1 2 3; do start_perspective "$n"; done
grep -q "multi-perspective validation: 3 remote perspective(s)" "$LOGS/acmekit-ca.log" \
  || fail "the CA did not log its remote perspectives"
[[ $(_file_mode "$CA_DATA/mpic/client.key.pem") == 600 ]] || fail "mpic/client.key.pem is not mode 0600"
use_ca_client
# Reached from every perspective's namespace over its veth, not only on loopback.
STANDALONE=(--standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 0.0.0.0)

http01() { run_acmekit certonly "${STANDALONE[@]}" -d "$1" "${COMMON[@]}"; }
metric() {
  curl -fsS --max-time 5 "http://127.0.0.1:$CA_MGMT_PORT/metrics" | awk -v k="$1" '$1 == k {print $2}'
}
perspective_metric() {
  metric "acmekit_ca_va_perspective_results_total{perspective=\"$1\",check=\"validation\",result=\"$2\"}"
}
# expect_logged NAME PERSPECTIVE OUTCOME: the CA logged that result for NAME.
expect_logged() {
  grep -qE "MPIC http-01 validation of dns:$1: perspective $2: $3" "$LOGS/acmekit-ca.log" \
    || fail "the CA did not log perspective $2 as $3 for $1"
}

case_begin "all three perspectives agree: issued, each logged as corroborated"
http01 "agree.$ZONE"
assert_success
assert_cert_ok "$CFG/live/agree.$ZONE" "$CA_ROOT" "agree.$ZONE"
for n in 1 2 3; do
  expect_logged "agree.$ZONE" "va$n" corroborated
  grep -q "va: http-01 validation of dns:agree.$ZONE for .*: valid" "$LOGS/va$n.log" \
    || fail "va$n did not log validating agree.$ZONE"
done
case_pass

case_begin "one perspective's DNS points the name elsewhere: still issued (1 of 3 may disagree)"
view_points_elsewhere 3 "one-off.$ZONE"
http01 "one-off.$ZONE"
assert_success
assert_cert_ok "$CFG/live/one-off.$ZONE" "$CA_ROOT" "one-off.$ZONE"
expect_logged "one-off.$ZONE" va3 disagreed
expect_logged "one-off.$ZONE" va1 corroborated
grep -q "va: http-01 validation of dns:one-off.$ZONE for .*: invalid: .*127\.0\.0\.1" "$LOGS/va3.log" \
  || fail "va3 did not log its failed validation of one-off.$ZONE at 127.0.0.1"
case_pass

case_begin "two perspectives see another answer: refused, naming both"
view_points_elsewhere 2 "two-off.$ZONE"
view_points_elsewhere 3 "two-off.$ZONE"
http01 "two-off.$ZONE"
assert_failure
assert_error_matches "2 of 3 remote perspectives did not corroborate" "say that 2 of 3 did not corroborate"
assert_error_matches "va2 \(disagreed\)" "name va2"
assert_error_matches "va3 \(disagreed\)" "name va3"
assert_error_matches "urn:ietf:params:acme:error:connection" "carry the perspectives' problem type"
grep -q "va1 (" <<<"$ACME_ERRLINE" && fail "the error names va1, which agreed: $ACME_ERRLINE"
[[ ! -e "$CFG/live/two-off.$ZONE" ]] || fail "a lineage was made for two-off.$ZONE"
case_pass

case_begin "/metrics counts each perspective's results"
[[ $(perspective_metric va1 corroborated) == 3 ]] || fail "va1 corroborated: $(perspective_metric va1 corroborated), expected 3"
[[ $(perspective_metric va3 disagreed) == 2 ]] || fail "va3 disagreed: $(perspective_metric va3 disagreed), expected 2"
[[ $(perspective_metric va2 disagreed) == 1 ]] || fail "va2 disagreed: $(perspective_metric va2 disagreed), expected 1"
[[ $(perspective_metric primary corroborated) == 3 ]] || fail "primary: $(perspective_metric primary corroborated), expected 3"
[[ $(metric 'acmekit_ca_va_corroboration_total{check="validation",result="not_corroborated"}') == 1 ]] \
  || fail "expected one validation not corroborated in /metrics"
case_pass

case_begin "CAA from the perspectives: one forbidding is outvoted, two refuse with caa"
forbid_caa 3 "caa-one.$ZONE"
http01 "caa-one.$ZONE"
assert_success "only va3 sees a CAA record against us"
assert_cert_ok "$CFG/live/caa-one.$ZONE" "$CA_ROOT" "caa-one.$ZONE"
grep -qE "MPIC CAA check of caa-one.$ZONE: perspective va3: disagreed" "$LOGS/acmekit-ca.log" \
  || fail "the CA did not log va3's CAA disagreement for caa-one.$ZONE"
grep -q "va: CAA check of caa-one.$ZONE for .*: invalid: .*other-ca.example" "$LOGS/va3.log" \
  || fail "va3 did not log the CAA record it found for caa-one.$ZONE"
grep -q "va: CAA check of caa-one.$ZONE for .*: valid" "$LOGS/va1.log" || fail "va1 did not check CAA of caa-one.$ZONE"
forbid_caa 2 "caa-two.$ZONE"
forbid_caa 3 "caa-two.$ZONE"
http01 "caa-two.$ZONE"
assert_failure
assert_error_matches "urn:ietf:params:acme:error:caa" "carry the caa problem type"
assert_error_matches "2 of 3 remote perspectives did not corroborate" "say that 2 of 3 did not corroborate"
assert_error_matches "va2 \(disagreed\)" "name va2"
assert_error_matches "va3 \(disagreed\)" "name va3"
[[ ! -e "$CFG/live/caa-two.$ZONE" ]] || fail "a lineage was made for caa-two.$ZONE"
[[ $(metric 'acmekit_ca_va_corroboration_total{check="caa",result="not_corroborated"}') == 1 ]] \
  || fail "expected one CAA check not corroborated in /metrics"
case_pass

case_begin "a perspective that is down counts as not corroborating"
stop_pid "${VA_PID[3]}"
http01 "down.$ZONE"
assert_success "one perspective down, the two others agree"
assert_cert_ok "$CFG/live/down.$ZONE" "$CA_ROOT" "down.$ZONE"
expect_logged "down.$ZONE" va3 unreachable
view_points_elsewhere 2 "down-two.$ZONE"
http01 "down-two.$ZONE"
assert_failure
assert_error_matches "2 of 3 remote perspectives did not corroborate" "say that 2 of 3 did not corroborate"
assert_error_matches "va3 \(unreachable\): perspective va3 did not answer" "say va3 did not answer"
assert_error_matches "va2 \(disagreed\)" "name va2"
[[ $(perspective_metric va3 unreachable) == 2 ]] || fail "va3 unreachable: $(perspective_metric va3 unreachable), expected 2"
case_pass

case_begin "a perspective refuses clients without the CA's client certificate"
URL="https://10.77.1.2:$VA_PORT/health"
CURL=(curl -sS --max-time 5 --cacert "$WORK/va1/ca.pem" -o "$WORK/health.out" -w '%{http_code}')
code=$("${CURL[@]}" --cert "$CA_DATA/mpic/client.pem" --key "$CA_DATA/mpic/client.key.pem" "$URL" 2>"$WORK/curl.err") \
  || fail "the CA's client certificate was refused: $(cat "$WORK/curl.err")"
[[ $code == 200 ]] && jq -e '.status == "ok"' "$WORK/health.out" >/dev/null || fail "GET /health with the CA's certificate: $code"
if code=$("${CURL[@]}" "$URL" 2>"$WORK/curl.err") && [[ $code == 200 ]]; then
  fail "a client without a certificate got /health"
fi
# A certificate of another CA (EKU clientAuth, self-signed).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=intruder" -days 1 \
  -addext extendedKeyUsage=clientAuth -keyout "$WORK/intruder.key" -out "$WORK/intruder.pem" 2>/dev/null \
  || fail "openssl could not make a client certificate"
if code=$("${CURL[@]}" --cert "$WORK/intruder.pem" --key "$WORK/intruder.key" "$URL" 2>"$WORK/curl.err") && [[ $code == 200 ]]; then
  fail "a client certificate of another CA got /health"
fi
# A perspective's own certificate: signed by the MPIC root, but for serverAuth only.
if code=$("${CURL[@]}" --cert "$WORK/va2/va.pem" --key "$WORK/va2/va.key.pem" "$URL" 2>"$WORK/curl.err") && [[ $code == 200 ]]; then
  fail "a perspective's server certificate was accepted as a client certificate"
fi
# And a validation request with a wrong certificate is not answered either.
if code=$("${CURL[@]}" --cert "$WORK/intruder.pem" --key "$WORK/intruder.key" -X POST -d '{}' \
  "https://10.77.1.2:$VA_PORT/validate" 2>"$WORK/curl.err") && [[ $code == 200 || $code == 400 ]]; then
  fail "POST /validate with another CA's certificate was answered ($code)"
fi
case_pass

stop_acmekit_ca
