#!/usr/bin/env bash
# Benchmark (not a test): acmekit-ca against Pebble under the same load.
# ca_loadgen runs C workers (one account; a keep-alive connection and a
# certificate key each; http-01, unique names) for N seconds against each
# server in turn, the other one idle. Reports per run: issuances/s, latency
# p50/p99, server CPU ms per issuance (utime+stime from /proc/PID/stat
# before/after), peak RSS (VmHWM) and RSS growth per issuance (VmRSS after
# - before), then the ratios acmekit-ca / Pebble. The loadgen's own CPU ms
# per issuance (its getrusage, setup included; it shares the cores with the
# CA) is the last column: when it nears the CA's, the loadgen is what
# limits the run.
#
# Usage: bench/bench_ca.sh [SECONDS [CONCURRENCY]]   (default 30 and 32)
#        bench/bench_ca.sh --database [SECONDS [CONCURRENCY]]
#   --database (issue 14): no Pebble; acmekit-ca on SQLite, one instance on
#   PostgreSQL, and three instances on that PostgreSQL behind haproxy (TCP,
#   round robin), in one run. The CPU columns split the CA processes' CPU
#   from PostgreSQL's (its server processes, exited ones included).
#        bench/bench_ca.sh --filled [COUNT [SECONDS [CONCURRENCY]]]   (COUNT default 1000000)
#   --filled (issue 13, cost as work grows): no Pebble; acmekit-ca on SQLite
#   runs on its new, empty database; then, stopped, its database is filled
#   with COUNT certificates (bench/ca_loadgen/fill_db.py: straight into
#   SQLite, each with the order, authorization and names one issuance
#   leaves, copied from the empty run's issuances; COUNT/100 accounts; one
#   in BENCH_FILL_REVOKED_EVERY, default 1000, revoked) and the CA runs again
#   on it, same ports and concurrency. Prints both runs (plus the CA's start
#   time and the certificates stored when it started), the filled / empty
#   ratios of issuances/s and peak RSS, how long the fill took, and the
#   database's size and bytes per stored certificate. The database is in the
#   work dir, removed at exit. The fill is fsynced before the CA starts, so
#   the CA's first checkpoint does not flush the whole fill.
# Env:   ACMEKIT_CA_BIN            acmekit-ca binary (default: <source>/build/acmekit-ca)
#        ACMEKIT_LOADGEN_BIN       ca_loadgen binary (default: <source>/build/bench/ca_loadgen)
#        BENCH_SQLITE_SYNC         acmekit-ca --sqlite-sync (default normal)
#        BENCH_PEBBLE_CONCURRENCY  workers against Pebble (default: CONCURRENCY, at most 8)
#        BENCH_CA_ARGS             more acmekit-ca options, split at spaces (e.g. "--threads 2")
#        BENCH_VALIDATION_WAIT     acmekit-ca --validation-wait (default 1s, as shipped; 0 answers
#                                  a challenge at once and the loadgen polls, as with Pebble)
# Needs (Debian): pebble curl jq openssl iproute2 (--filled: python3)
#
# acmekit-ca keeps everything in SQLite on disk; --authz-reuse 0 and
# --retry-after 0, so every order is validated, and what is polled is polled
# on the loadgen's backoff (50 ms, then x1.6). acmekit-ca runs as shipped,
# --validation-wait 1s: the challenge's answer carries the outcome and the
# loadgen polls no authorization (Pebble answers "processing" and the
# loadgen polls); BENCH_VALIDATION_WAIT=0 compares without. The new-orders and per-domain rate limits are off (one account,
# one domain, thousands of orders). Pebble (in memory) runs with PEBBLE_VA_NOSLEEP=1,
# PEBBLE_WFE_NONCEREJECT=0 and PEBBLE_AUTHZREUSE=0 to match. Both resolve
# names through the same pebble-challtestsrv DNS (every name -> 127.0.0.1).
#
# Pebble 2.4 deadlocks under concurrent newOrder: a lock-order inversion
# (MemoryStore.FindValidAuthorization holds the store lock while it waits
# for an authorization's lock, which the VA holds while it waits for the
# store; seen in a SIGQUIT goroutine dump), here from 16 workers on, within
# seconds, and at 8 now and then (two runs in six on 2026-12-07): such a run
# prints acmekit-ca's rows, says Pebble deadlocked and exits 2. So Pebble gets BENCH_PEBBLE_CONCURRENCY workers, and when that is
# not CONCURRENCY acmekit-ca runs once more at Pebble's concurrency: the
# ratios always compare the two at equal concurrency.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../tests/integration/lib.sh"
source "$ACMEKIT_SOURCE_DIR/bench/ca_loadgen/load_lib.sh"

MODE=pebble
if [[ "${1:-}" == --database ]]; then MODE=database; shift; fi
if [[ "${1:-}" == --filled ]]; then
  MODE=filled; shift
  FILL_COUNT=${1:-1000000}; [[ $# -gt 0 ]] && shift
  FILL_REVOKED_EVERY=${BENCH_FILL_REVOKED_EVERY:-1000}
  [[ "$FILL_COUNT" =~ ^[1-9][0-9]*$ ]] || fail "COUNT must be a positive integer, got '$FILL_COUNT'"
  [[ "$FILL_REVOKED_EVERY" =~ ^[0-9]+$ ]] || fail "BENCH_FILL_REVOKED_EVERY must be an integer, got '$FILL_REVOKED_EVERY'"
  require_cmd python3
fi
SECONDS_EACH=${1:-30}
CONCURRENCY=${2:-32}
PEBBLE_CONCURRENCY=${BENCH_PEBBLE_CONCURRENCY:-$((CONCURRENCY < 8 ? CONCURRENCY : 8))}
for v in SECONDS_EACH CONCURRENCY PEBBLE_CONCURRENCY; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive integer, got '${!v}'"
done
require_loadgen
raise_fd_limit
TICKS=$(getconf CLK_TCK)

# The same settings for every acmekit-ca run.
CA_BENCH_ARGS=(--authz-reuse 0 --retry-after 0 --rate-limit-new-orders-per-account 0
  --rate-limit-certificates-per-domain 0 --sqlite-sync "${BENCH_SQLITE_SYNC:-normal}"
  --validation-wait "${BENCH_VALIDATION_WAIT:-1s}")
read -r -a CA_EXTRA_ARGS <<<"${BENCH_CA_ARGS:-}"
CA_BENCH_ARGS+=("${CA_EXTRA_ARGS[@]}")
if [[ $MODE == pebble ]]; then
  export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
  start_pebble  # also starts challtestsrv, DNS on $DNS_PORT
else
  start_dns_only
fi
CA_START_S=$(date +%s.%N)
start_acmekit_ca --dns-resolver "127.0.0.1:$DNS_PORT" "${CA_BENCH_ARGS[@]}"
CA_START_S=$(awk -v a="$CA_START_S" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')

# cpu_ticks PID...: utime + stime (fields 14, 15, counted after the ")" that
# ends the command name, which may hold spaces), plus cutime + cstime (the
# exited children a process reaped: PostgreSQL's backends), of each PID and
# its live children.
cpu_ticks() {
  local p all=() t=0
  for p in "$@"; do all+=("$p" $(pgrep -P "$p" || true)); done
  for p in "${all[@]}"; do
    [[ -r /proc/$p/stat ]] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13 + $14 + $15}')))
  done
  echo "$t"
}
# status_kb FIELD PID...: VmRSS or VmHWM in kB, summed.
status_kb() {
  local f=$1 p t=0; shift
  for p in "$@"; do t=$((t + $(awk -v f="$f:" '$1 == f {print $2}' "/proc/$p/status"))); done
  echo "$t"
}

# bench_run LABEL "PID..." DIRECTORY_URL CA_BUNDLE HTTP01_PORT CONCURRENCY ["DB_PID..."]:
# one load run; sets R_<metric>[LABEL] and appends LABEL to RUNS.
RUNS=()
PEBBLE_STALLED=
declare -A R_DONE R_RATE R_LAT R_CPU R_DBCPU R_HWM R_GROWTH R_LGCPU
bench_run() {
  local label=$1 dir=$3 bundle=$4 port=$5 conc=$6 out="$WORK/run-${#RUNS[@]}.json"
  local -a pids dbpids
  read -ra pids <<<"$2"; read -ra dbpids <<<"${7:-}"
  local cpu0 rss0 cpu1 rss1 db0=0 db1=0 n p
  for p in "${pids[@]}"; do _pid_alive "$p" || fail "$label (pid $p) is not running"; done
  cpu0=$(cpu_ticks "${pids[@]}"); rss0=$(status_kb VmRSS "${pids[@]}")
  [[ ${#dbpids[@]} -gt 0 ]] && db0=$(cpu_ticks "${dbpids[@]}")
  run_loadgen "$out" "$dir" "$bundle" "$port" --concurrency "$conc" \
    --duration "$SECONDS_EACH" --name-suffix "r${#RUNS[@]}.bench.test"
  for p in "${pids[@]}"; do _pid_alive "$p" || fail "$label (pid $p) died during the load"; done
  cpu1=$(cpu_ticks "${pids[@]}"); rss1=$(status_kb VmRSS "${pids[@]}")
  [[ ${#dbpids[@]} -gt 0 ]] && db1=$(cpu_ticks "${dbpids[@]}")
  jq -e . "$out" >/dev/null 2>&1 || fail "ca_loadgen against $label printed no result:
$(tail -n 20 "$LOGS/loadgen-$LOADGEN_RUN_NO.log")"
  if [[ $LOADGEN_RC -ne 0 ]]; then
    # Pebble's newOrder deadlock (above) shows as requests that time out,
    # every failure one: the table still shows acmekit-ca's runs.
    if [[ $label == pebble@* ]] && jq -e '.errors | length > 0 and all(test("timed out"))' "$out" >/dev/null; then
      log "$label: $(jq -r .failed "$out") order(s) timed out: Pebble deadlocked; no comparison this run"
      PEBBLE_STALLED=$label
      return 0
    fi
    fail "ca_loadgen against $label: $(jq -r .failed "$out") order(s) failed:
$(jq -r '.errors[]' "$out")"
  fi
  log "$label: $(loadgen_summary "$out")"
  n=$(jq -r .completed "$out")
  [[ $n -gt 0 ]] || fail "$label issued nothing in $SECONDS_EACH s"
  RUNS+=("$label")
  R_DONE[$label]=$n
  R_RATE[$label]=$(jq -r .issuances_per_s "$out" | awk '{printf "%.1f", $1}')
  R_LAT[$label]=$(jq -r '"\(.latency_ms.p50 | round)/\(.latency_ms.p99 | round)"' "$out")
  R_CPU[$label]=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICKS" -v n="$n" 'BEGIN{printf "%.2f", (b - a) * 1000 / t / n}')
  R_DBCPU[$label]=$(awk -v a="$db0" -v b="$db1" -v t="$TICKS" -v n="$n" 'BEGIN{printf "%.2f", (b - a) * 1000 / t / n}')
  R_HWM[$label]=$(awk -v k="$(status_kb VmHWM "${pids[@]}")" 'BEGIN{printf "%.1f", k / 1024}')
  R_GROWTH[$label]=$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN{printf "%.2f", (b - a) / n}')
  R_LGCPU[$label]=$(jq -r '.loadgen_cpu.ms_per_issuance' "$out" | awk '{printf "%.2f", $1}')
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b != 0) printf "%.2fx", a / b; else print "n/a" }'; }

if [[ $MODE == filled ]]; then
  DB="$CA_DATA/acmekit-ca.db"
  stored_certificates() {
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM certificates").fetchone()[0])' "$DB"
  }
  declare -A R_STORED R_START R_LOAD
  # 1. The new database: only what the run itself issues.
  R_STORED[empty]=0 R_START[empty]=$CA_START_S
  bench_run "empty@$CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY"
  R_LOAD[empty]=$(cut -d' ' -f1 /proc/loadavg)
  stop_acmekit_ca
  # 2. Fill it, the CA stopped; the empty run's issuances are the templates.
  log "filling $DB with $FILL_COUNT certificates"
  t0=$(date +%s.%N)
  FILL_JSON=$(python3 "$ACMEKIT_SOURCE_DIR/bench/ca_loadgen/fill_db.py" "$DB" "$FILL_COUNT" "$FILL_REVOKED_EVERY") ||
    fail "fill_db.py failed"
  FILL_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
  log "fill: $FILL_JSON"
  DB_BYTES=$(stat -c %s "$DB")
  R_STORED[filled]=$(stored_certificates)
  # 3. The same CA (ports, keys, flags) on the filled database.
  t0=$(date +%s.%N)
  start_acmekit_ca --dns-resolver "127.0.0.1:$DNS_PORT" "${CA_BENCH_ARGS[@]}"
  R_START[filled]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
  bench_run "filled@$CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY"
  R_LOAD[filled]=$(cut -d' ' -f1 /proc/loadavg)
  stop_acmekit_ca
  e="empty@$CONCURRENCY" f="filled@$CONCURRENCY"
  echo
  echo "acmekit-ca on a filled database: ${SECONDS_EACH} s per run, $CONCURRENCY workers, one account, http-01,"
  echo "unique names, SQLite, $(nproc) core(s); the same CA restarted on the filled file. Metrics from /proc;"
  echo "stored = certificates in the database when the CA started; start = until it served its directory."
  printf '  %-14s %9s %7s %7s %13s %11s %13s %18s %8s %9s\n' run stored issued "iss/s" "p50/p99 ms" "cpu ms/iss" \
    "peak RSS MB" "RSS growth kB/iss" "start s" "load avg"
  for k in empty filled; do
    r="$k@$CONCURRENCY"
    printf '  %-14s %9s %7s %7s %13s %11s %13s %18s %8s %9s\n' "$r" "${R_STORED[$k]}" "${R_DONE[$r]}" "${R_RATE[$r]}" \
      "${R_LAT[$r]}" "${R_CPU[$r]}" "${R_HWM[$r]}" "${R_GROWTH[$r]}" "${R_START[$k]}" "${R_LOAD[$k]}"
  done
  echo
  echo "fill: $FILL_COUNT certificates ($(jq -r .accounts <<<"$FILL_JSON") accounts, $(jq -r .revoked <<<"$FILL_JSON") revoked)"\
    "in $FILL_S s ($(awk -v n="$FILL_COUNT" -v s="$FILL_S" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print "n/a" }') certificates/s,"\
    "$(jq -r .sync_seconds <<<"$FILL_JSON") s of it the fsync);"\
    "database $(awk -v b="$DB_BYTES" 'BEGIN{printf "%.1f", b / 1048576}') MiB, $((DB_BYTES / R_STORED[filled])) bytes per stored certificate"
  echo "filled / empty: issuances/s $(ratio "${R_RATE[$f]}" "${R_RATE[$e]}"), cpu per issuance $(ratio "${R_CPU[$f]}" "${R_CPU[$e]}"),"\
    "peak RSS $(ratio "${R_HWM[$f]}" "${R_HWM[$e]}")"
  exit 0
fi

if [[ $MODE == database ]]; then
  # 1. SQLite (the CA started above), 2. one instance on PostgreSQL, 3. three
  # on PostgreSQL behind haproxy (tcp, round robin per connection; the
  # loadgen's workers keep one connection each, so they spread evenly).
  bench_run "sqlite@$CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY"
  stop_acmekit_ca
  start_postgres
  for i in 1 2 3; do CI_PORT[$i]=$(free_port); CI_MGMT[$i]=$(free_port); CI_DATA[$i]="$WORK/ca-$i"; done
  for i in 1 2 3; do cp -a "$CA_DATA" "${CI_DATA[$i]}"; rm -f "${CI_DATA[$i]}/acmekit-ca.db"*; done
  start_ca_instance 1 "${CA_BENCH_ARGS[@]}"
  bench_run "pg-1@$CONCURRENCY" "${CI_PID[1]}" "https://127.0.0.1:${CI_PORT[1]}/directory" "$CA_ROOT" \
    "$CA_HTTP_PORT" "$CONCURRENCY" "$PG_PID"
  HP_PORT=$(free_port)
  for i in 2 3; do start_ca_instance "$i" "${CA_BENCH_ARGS[@]}" --external-url "https://127.0.0.1:$HP_PORT"; done
  stop_ca_instance 1
  start_ca_instance 1 "${CA_BENCH_ARGS[@]}" --external-url "https://127.0.0.1:$HP_PORT"
  start_haproxy tcp "$HP_PORT" "${CI_PORT[1]}" "${CI_PORT[2]}" "${CI_PORT[3]}"
  for i in 1 2 3; do haproxy_wait_server "s$i" UP; done
  bench_run "pg-3+haproxy@$CONCURRENCY" "${CI_PID[1]} ${CI_PID[2]} ${CI_PID[3]}" \
    "https://127.0.0.1:$HP_PORT/directory" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY" "$PG_PID"
  echo
  echo "acmekit-ca database benchmark: ${SECONDS_EACH} s per run, $CONCURRENCY workers, one account, http-01,"
  echo "unique names, $(nproc) core(s). CPU from /proc: CA = the acmekit-ca processes, DB = PostgreSQL's."
  printf '  %-20s %7s %7s %13s %14s %14s %13s %15s\n' run issued "iss/s" "p50/p99 ms" "CA cpu ms/iss" "DB cpu ms/iss" "CA RSS MB" \
    "loadgen ms/iss"
  for r in "${RUNS[@]}"; do
    printf '  %-20s %7s %7s %13s %14s %14s %13s %15s\n' "$r" "${R_DONE[$r]}" "${R_RATE[$r]}" "${R_LAT[$r]}" \
      "${R_CPU[$r]}" "${R_DBCPU[$r]}" "${R_HWM[$r]}" "${R_LGCPU[$r]}"
  done
  s="sqlite@$CONCURRENCY" p1="pg-1@$CONCURRENCY" p3="pg-3+haproxy@$CONCURRENCY"
  echo
  echo "issuances/s: pg-1 / sqlite $(ratio "${R_RATE[$p1]}" "${R_RATE[$s]}"), pg-3 / pg-1 $(ratio "${R_RATE[$p3]}" "${R_RATE[$p1]}");"\
    "CA+DB cpu per issuance: pg-1 / sqlite $(ratio "$(awk -v a="${R_CPU[$p1]}" -v b="${R_DBCPU[$p1]}" 'BEGIN{print a+b}')" "${R_CPU[$s]}")"
  exit 0
fi

bench_run "acmekit-ca@$CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$CONCURRENCY"
if [[ $PEBBLE_CONCURRENCY -ne $CONCURRENCY ]]; then
  bench_run "acmekit-ca@$PEBBLE_CONCURRENCY" "$CA_PID" "$CA_DIR_URL" "$CA_ROOT" "$CA_HTTP_PORT" "$PEBBLE_CONCURRENCY"
fi
bench_run "pebble@$PEBBLE_CONCURRENCY" "$PEBBLE_PID" "$PEBBLE_DIR_URL" "$TLS_CA" "$PEBBLE_HTTP_PORT" "$PEBBLE_CONCURRENCY"

echo
echo "CA load benchmark: ${SECONDS_EACH} s per run, one account, http-01, unique names, $(nproc) core(s);"
echo "server metrics from /proc; the loadgen's own CPU (getrusage) is the last column. Label = server@workers."
printf '  %-16s %7s %7s %13s %11s %13s %18s %15s\n' run issued "iss/s" "p50/p99 ms" "cpu ms/iss" "peak RSS MB" "RSS growth kB/iss" \
  "loadgen ms/iss"
for r in "${RUNS[@]}"; do
  printf '  %-16s %7s %7s %13s %11s %13s %18s %15s\n' "$r" "${R_DONE[$r]}" "${R_RATE[$r]}" \
    "${R_LAT[$r]}" "${R_CPU[$r]}" "${R_HWM[$r]}" "${R_GROWTH[$r]}" "${R_LGCPU[$r]}"
done
a="acmekit-ca@$PEBBLE_CONCURRENCY" p="pebble@$PEBBLE_CONCURRENCY"
echo
if [[ -n ${PEBBLE_STALLED:-} ]]; then
  echo "$PEBBLE_STALLED deadlocked (requests timed out after 60 s): no ratios; run again, or lower BENCH_PEBBLE_CONCURRENCY"
  exit 2
fi
echo "acmekit-ca / pebble at $PEBBLE_CONCURRENCY workers: issuances/s $(ratio "${R_RATE[$a]}" "${R_RATE[$p]}"),"\
  "cpu per issuance $(ratio "${R_CPU[$a]}" "${R_CPU[$p]}"), peak RSS $(ratio "${R_HWM[$a]}" "${R_HWM[$p]}"),"\
  "RSS growth per issuance $(ratio "${R_GROWTH[$a]}" "${R_GROWTH[$p]}")"
