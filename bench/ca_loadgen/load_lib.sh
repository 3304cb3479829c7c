# shellcheck shell=bash
# Helpers shared by tests/integration/test_ca_load.sh and bench/bench_ca.sh,
# sourced after tests/integration/lib.sh.
#
# Environment:
#   ACMEKIT_LOADGEN_BIN  ca_loadgen binary (default: $ACMEKIT_SOURCE_DIR/build/bench/ca_loadgen)

: "${ACMEKIT_LOADGEN_BIN:=$ACMEKIT_SOURCE_DIR/build/bench/ca_loadgen}"
export ACMEKIT_LOADGEN_BIN

require_loadgen() {
  [[ -x "$ACMEKIT_LOADGEN_BIN" ]] || fail "ca_loadgen binary not found: $ACMEKIT_LOADGEN_BIN (set ACMEKIT_LOADGEN_BIN)"
}

# Hundreds of connections on each side: lift the soft file limit to the hard one.
raise_fd_limit() { ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; }

# start_dns_only: pebble-challtestsrv as a DNS server that answers every name
# with 127.0.0.1 (A) and nothing else, as start_pebble runs it.
# Sets CHALLTEST_PID DNS_PORT. Fails (never skips) if it cannot start.
start_dns_only() {
  local attempt mgmt
  require_cmd pebble-challtestsrv
  for attempt in 1 2 3; do
    DNS_PORT=$(free_port); mgmt=$(free_port)
    pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" \
      -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$mgmt" \
      -defaultIPv4 127.0.0.1 -defaultIPv6 "" >>"$LOGS/challtestsrv.log" 2>&1 &
    CHALLTEST_PID=$!; track_pid "$CHALLTEST_PID"
    # The DNS server binds before the management server: wait for the latter.
    if E2E_SOFT_WAIT=1 wait_listening "$mgmt" "$CHALLTEST_PID" "pebble-challtestsrv" && _pid_alive "$CHALLTEST_PID"; then
      export CHALLTEST_PID DNS_PORT
      log "challtestsrv DNS up on 127.0.0.1:$DNS_PORT (pid $CHALLTEST_PID)"
      return 0
    fi
    log "pebble-challtestsrv exited at startup (attempt $attempt), retrying on other ports"
    stop_pid "$CHALLTEST_PID"
  done
  fail "pebble-challtestsrv did not start (3 attempts); see $LOGS/challtestsrv.log"
}

# run_loadgen OUT_JSON DIRECTORY_URL CA_BUNDLE HTTP01_PORT [LOADGEN_FLAGS...]:
# ca_loadgen --json into OUT_JSON, stderr into $LOGS. Sets LOADGEN_RC.
LOADGEN_RUN_NO=0
run_loadgen() {
  local out=$1 dir=$2 bundle=$3 port=$4; shift 4
  LOADGEN_RUN_NO=$((LOADGEN_RUN_NO + 1))
  log "ca_loadgen #$LOADGEN_RUN_NO against $dir: $*"
  LOADGEN_RC=0
  timeout -k 5 900 "$ACMEKIT_LOADGEN_BIN" --directory "$dir" --ca-bundle "$bundle" \
    --http01-port "$port" --json "$@" >"$out" 2>"$LOGS/loadgen-$LOADGEN_RUN_NO.log" </dev/null || LOADGEN_RC=$?
  [[ $LOADGEN_RC -ne 124 && $LOADGEN_RC -ne 137 ]] || fail "ca_loadgen did not finish within 900 s"
  return 0
}

# loadgen_summary OUT_JSON: one line for the log.
loadgen_summary() {
  jq -r '"completed \(.completed), failed \(.failed), \(.issuances_per_s*10|round/10) issuances/s, p50 \(.latency_ms.p50|round) ms, p99 \(.latency_ms.p99|round) ms"' "$1"
}
