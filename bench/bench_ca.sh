#!/usr/bin/env bash
# Benchmark (not a test): acmekit-ca against Pebble under the same load.
# ca_loadgen runs C workers (one account, a keep-alive connection each,
# http-01, unique names) for N seconds against each server in turn, the
# other one idle. Reports per run: issuances/s, latency p50/p99, server CPU
# ms per issuance (utime+stime from /proc/PID/stat before/after), peak RSS
# (VmHWM) and RSS growth per issuance (VmRSS after - before), then the
# ratios acmekit-ca / Pebble.
#
# Usage: bench/bench_ca.sh [SECONDS [CONCURRENCY]]   (default 30 and 32)
# Env:   ACMEKIT_CA_BIN            acmekit-ca binary (default: <source>/build/acmekit-ca)
#        ACMEKIT_LOADGEN_BIN       ca_loadgen binary (default: <source>/build/bench/ca_loadgen)
#        BENCH_SQLITE_SYNC         acmekit-ca --sqlite-sync (default normal)
#        BENCH_PEBBLE_CONCURRENCY  workers against Pebble (default: CONCURRENCY, at most 8)
# Needs (Debian): pebble curl jq openssl iproute2
#
# acmekit-ca keeps everything in SQLite on disk; --authz-reuse 0 and
# --retry-after 0, so every order is validated and polled on the loadgen's
# backoff; the new-orders and per-domain rate limits are off (one account,
# one domain, thousands of orders). Pebble (in memory) runs with PEBBLE_VA_NOSLEEP=1,
# PEBBLE_WFE_NONCEREJECT=0 and PEBBLE_AUTHZREUSE=0 to match. Both resolve
# names through the same pebble-challtestsrv DNS (every name -> 127.0.0.1).
#
# Pebble 2.4 deadlocks under concurrent newOrder: a lock-order inversion
# (MemoryStore.FindValidAuthorization holds the store lock while it waits
# for an authorization's lock, which the VA holds while it waits for the
# store; seen in a SIGQUIT goroutine dump), here from 16 workers on, within
# seconds. So Pebble gets BENCH_PEBBLE_CONCURRENCY workers, and when that is
# not CONCURRENCY acmekit-ca runs once more at Pebble's concurrency: the
# ratios always compare the two at equal concurrency.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../tests/integration/lib.sh"
source "$ACMEKIT_SOURCE_DIR/bench/ca_loadgen/load_lib.sh"

SECONDS_EACH=${1:-30}
CONCURRENCY=${2:-32}
PEBBLE_CONCURRENCY=${BENCH_PEBBLE_CONCURRENCY:-$((CONCURRENCY < 8 ? CONCURRENCY : 8))}
for v in SECONDS_EACH CONCURRENCY PEBBLE_CONCURRENCY; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive integer, got '${!v}'"
done
require_loadgen
raise_fd_limit
TICKS=$(getconf CLK_TCK)

export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
start_pebble  # also starts challtestsrv, DNS on $DNS_PORT
start_acmekit_ca --dns-resolver "127.0.0.1:$DNS_PORT" --authz-reuse 0 --retry-after 0 \
  --rate-limit-new-orders-per-account 0 --rate-limit-certificates-per-domain 0 \
  --sqlite-sync "${BENCH_SQLITE_SYNC:-normal}"

# cpu_ticks PID: utime + stime (fields 14, 15, counted after the ")" that
# ends the command name, which may hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# status_kb PID FIELD: VmRSS or VmHWM in kB.
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# bench_run LABEL PID DIRECTORY_URL CA_BUNDLE HTTP01_PORT CONCURRENCY:
# one load run; sets R_<metric>[LABEL] and appends LABEL to RUNS.
RUNS=()
declare -A R_DONE R_RATE R_LAT R_CPU R_HWM R_GROWTH
bench_run() {
  local label=$1 pid=$2 dir=$3 bundle=$4 port=$5 conc=$6 out="$WORK/run-${#RUNS[@]}.json"
  local cpu0 rss0 cpu1 rss1 n
  _pid_alive "$pid" || fail "$label (pid $pid) is not running"
  cpu0=$(cpu_ticks "$pid"); rss0=$(status_kb "$pid" VmRSS)
  run_loadgen "$out" "$dir" "$bundle" "$port" --concurrency "$conc" \
    --duration "$SECONDS_EACH" --name-suffix "r${#RUNS[@]}.bench.test"
  _pid_alive "$pid" || fail "$label (pid $pid) died during the load"
  cpu1=$(cpu_ticks "$pid"); rss1=$(status_kb "$pid" VmRSS)
  jq -e . "$out" >/dev/null 2>&1 || fail "ca_loadgen against $label printed no result:
$(tail -n 20 "$LOGS/loadgen-$LOADGEN_RUN_NO.log")"
  [[ $LOADGEN_RC -eq 0 ]] || fail "ca_loadgen against $label: $(jq -r .failed "$out") order(s) failed:
$(jq -r '.errors[]' "$out")"
  log "$label: $(loadgen_summary "$out")"
  n=$(jq -r .completed "$out")
  [[ $n -gt 0 ]] || fail "$label issued nothing in $SECONDS_EACH s"
  RUNS+=("$label")
  R_DONE[$label]=$n
  R_RATE[$label]=$(jq -r .issuances_per_s "$out" | awk '{printf "%.1f", $1}')
  R_LAT[$label]=$(jq -r '"\(.latency_ms.p50 | round)/\(.latency_ms.p99 | round)"' "$out")
  R_CPU[$label]=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICKS" -v n="$n" 'BEGIN{printf "%.2f", (b - a) * 1000 / t / n}')
  R_HWM[$label]=$(awk -v k="$(status_kb "$pid" VmHWM)" 'BEGIN{printf "%.1f", k / 1024}')
  R_GROWTH[$label]=$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN{printf "%.2f", (b - a) / n}')
}

bench_run "acmekit-ca@$CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY"
if [[ $PEBBLE_CONCURRENCY -ne $CONCURRENCY ]]; then
  bench_run "acmekit-ca@$PEBBLE_CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$PEBBLE_CONCURRENCY"
fi
bench_run "pebble@$PEBBLE_CONCURRENCY" "$PEBBLE_PID" "$PEBBLE_DIR_URL" "$TLS_CA" "$PEBBLE_HTTP_PORT" "$PEBBLE_CONCURRENCY"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b != 0) printf "%.2fx", a / b; else print "n/a" }'; }
echo
echo "CA load benchmark: ${SECONDS_EACH} s per run, one account, http-01, unique names, $(nproc) core(s);"
echo "server metrics from /proc (the loadgen's own CPU is not counted). Label = server@workers."
printf '  %-16s %7s %7s %13s %11s %13s %18s\n' run issued "iss/s" "p50/p99 ms" "cpu ms/iss" "peak RSS MB" "RSS growth kB/iss"
for r in "${RUNS[@]}"; do
  printf '  %-16s %7s %7s %13s %11s %13s %18s\n' "$r" "${R_DONE[$r]}" "${R_RATE[$r]}" \
    "${R_LAT[$r]}" "${R_CPU[$r]}" "${R_HWM[$r]}" "${R_GROWTH[$r]}"
done
a="acmekit-ca@$PEBBLE_CONCURRENCY" p="pebble@$PEBBLE_CONCURRENCY"
echo
echo "acmekit-ca / pebble at $PEBBLE_CONCURRENCY workers: issuances/s $(ratio "${R_RATE[$a]}" "${R_RATE[$p]}"),"\
  "cpu per issuance $(ratio "${R_CPU[$a]}" "${R_CPU[$p]}"), peak RSS $(ratio "${R_HWM[$a]}" "${R_HWM[$p]}"),"\
  "RSS growth per issuance $(ratio "${R_GROWTH[$a]}" "${R_GROWTH[$p]}")"
