#!/usr/bin/env bash
# Load: 256 concurrent workers issue certificates for unique names from
# acmekit-ca for 60 s (ca_loadgen, http-01, one account, keep-alive
# connections), while a probe GETs /directory every 0.5 s. Passes when no
# order failed, something was issued, every probe got 200 (curl gives each
# 5 s), and the CA is still alive afterwards. The slowest probe is reported,
# not asserted: speed is measured by bench/bench_ca.sh, not by tests.
#
# Env: ACMEKIT_CA_BIN, ACMEKIT_LOADGEN_BIN (see lib.sh, bench/ca_loadgen/load_lib.sh);
#      LOAD_CONCURRENCY / LOAD_DURATION override 256 / 60.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
source "$ACMEKIT_SOURCE_DIR/bench/ca_loadgen/load_lib.sh"

CONCURRENCY=${LOAD_CONCURRENCY:-256}
DURATION=${LOAD_DURATION:-60}
require_loadgen
raise_fd_limit

# Names are unique, so every order needs a real validation: no reuse, and no
# Retry-After (the loadgen polls on its own backoff). Names resolve through
# challtestsrv's DNS (every name -> 127.0.0.1), not the hosts file. One
# account orders thousands of certificates under one domain: those two rate
# limits are off; the per-name-set and failed-validation limits stay on.
start_dns_only
start_acmekit_ca --dns-resolver "127.0.0.1:$DNS_PORT" --authz-reuse 0 --retry-after 0 \
  --rate-limit-new-orders-per-account 0 --rate-limit-certificates-per-domain 0

# probe_directory: until $WORK/probe.stop exists, one GET of the directory
# every 0.5 s; appends "HTTP_CODE TIME_TOTAL" per request to $WORK/probe.txt
# (code 000 when curl got no answer within 5 s).
probe_directory() {
  while [[ ! -e "$WORK/probe.stop" ]]; do
    curl -sS -o /dev/null --max-time 5 --cacert "$CA_ROOT" -w '%{http_code} %{time_total}\n' \
      "$CA_DIR_URL" >>"$WORK/probe.txt" 2>>"$LOGS/probe.log" || true
    sleep 0.5
  done
}

case_begin "$CONCURRENCY workers for $DURATION s, directory probed meanwhile"
probe_directory &
PROBE_PID=$!; track_pid "$PROBE_PID"
run_loadgen "$WORK/load.json" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" \
  --concurrency "$CONCURRENCY" --duration "$DURATION" --name-suffix load.test
touch "$WORK/probe.stop"
wait "$PROBE_PID" || true

jq -e . "$WORK/load.json" >/dev/null 2>&1 || fail "ca_loadgen (exit $LOADGEN_RC) printed no JSON result:
$(tail -n 20 "$LOGS/loadgen-$LOADGEN_RUN_NO.log")"
log "loadgen: $(loadgen_summary "$WORK/load.json")"
failed=$(jq -r .failed "$WORK/load.json")
completed=$(jq -r .completed "$WORK/load.json")
[[ $failed -eq 0 ]] || fail "$failed order(s) failed, first errors:
$(jq -r '.errors[]' "$WORK/load.json")"
[[ $LOADGEN_RC -eq 0 ]] || fail "ca_loadgen exited $LOADGEN_RC"
[[ $completed -gt 0 ]] || fail "no certificate was issued in $DURATION s"

probes=$(wc -l <"$WORK/probe.txt")
# At most one probe per 0.5 s; at least a few must have run during the load.
[[ $probes -ge $((DURATION / 2)) ]] || fail "only $probes directory probes ran in $DURATION s"
bad=$(awk '$1 != 200' "$WORK/probe.txt" | wc -l)
[[ $bad -eq 0 ]] || fail "$bad of $probes directory requests did not get 200: $(awk '$1 != 200 {print $1}' "$WORK/probe.txt" | sort | uniq -c | tr '\n' ' ')"
slowest=$(sort -g -k2 "$WORK/probe.txt" | tail -n 1 | cut -d' ' -f2)
log "directory: $probes probes, all 200, slowest ${slowest} s"

_pid_alive "$CA_PID" || fail "acmekit-ca (pid $CA_PID) died under load"
curl -fsS -o /dev/null --max-time 5 --cacert "$CA_ROOT" "$CA_DIR_URL" || fail "acmekit-ca no longer answers after the load"
case_pass
