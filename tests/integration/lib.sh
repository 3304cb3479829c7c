# shellcheck shell=bash
# End-to-end test harness for acmekit, sourced by tests/integration/test_*.sh
# (and by bench/bench_issuance.sh).
#
# Starts real peers on loopback only: Pebble (+ pebble-challtestsrv as its DNS
# server), nginx, PostgreSQL, haproxy, and whatever a test needs.  Everything lives in a per-test
# temp dir that is removed at exit; every process we start is stopped by PID
# (never by name: other tests or developers may run Pebble at the same time).
#
# Needs (Debian packages): bash coreutils openssl curl jq iproute2 (ss)
# python3 procps pebble nginx-light; start_postgres: postgresql util-linux;
# start_haproxy: haproxy; bench also: time certbot lego.
#
# Environment:
#   ACMEKIT_BIN          acmekit binary (default: $ACMEKIT_SOURCE_DIR/build/acmekit)
#   ACMEKIT_SOURCE_DIR   source tree (default: two levels above this file)
#   E2E_KEEP_WORK=1      keep the work dir (printed at exit) for debugging
#   E2E_VERBOSE=1        echo every acmekit invocation's stdout/stderr

set -euo pipefail

E2E_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${ACMEKIT_SOURCE_DIR:=$(cd "$E2E_LIB_DIR/../.." && pwd)}"
: "${ACMEKIT_BIN:=$ACMEKIT_SOURCE_DIR/build/acmekit}"
export ACMEKIT_SOURCE_DIR ACMEKIT_BIN

# The test must not pick up a CA bundle from the caller's environment: the
# "untrusted certificate" case depends on acmekit having no extra trust.
unset ACMEKIT_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE LEGO_CA_CERTIFICATES || true

E2E_NAME="$(basename "${0%.sh}")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/acmekit-e2e.${E2E_NAME}.XXXXXX")"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
export WORK

E2E_PIDS=()          # every background process we started, in start order
E2E_PORTS_FILE="$WORK/ports.used"   # ports handed out by free_port in this test, a line each
: >"$E2E_PORTS_FILE"
E2E_CASE=""          # current case name, for messages

# ---------------------------------------------------------------- messages

log()  { printf '[%s] %s\n' "$E2E_NAME" "$*" >&2; }
fail() {
  printf '[%s] FAIL%s: %s\n' "$E2E_NAME" "${E2E_CASE:+ ($E2E_CASE)}" "$*" >&2
  exit 1
}
case_begin() { E2E_CASE="$1"; log "---- case: $1"; }
case_pass()  { log "ok: $E2E_CASE"; E2E_CASE=""; }

# ---------------------------------------------------------------- processes

_pid_alive() {  # alive and not a zombie
  local pid=$1 st
  [[ -r /proc/$pid/stat ]] || return 1
  st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# track_pid PID [SIGNAL]: stop PID (and reap it) at exit, with SIGNAL
# (default TERM; postgres is given INT, its fast shutdown: TERM waits for
# every client to disconnect).
declare -gA E2E_PID_SIGNAL=()
track_pid() { E2E_PIDS+=("$1"); E2E_PID_SIGNAL[$1]=${2:-TERM}; }

# stop_pid PID [GRACE_SECONDS] [SIGNAL]: SIGNAL (default TERM), wait, then
# SIGKILL. Idempotent.
stop_pid() {
  local pid=$1 grace=${2:-5} sig=${3:-TERM} i
  [[ -n "$pid" ]] || return 0
  if _pid_alive "$pid"; then
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 20; i++)); do
      _pid_alive "$pid" || break
      sleep 0.05
    done
    if _pid_alive "$pid"; then
      log "pid $pid ignored SIG$sig for ${grace}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do _pid_alive "$pid" || break; sleep 0.05; done
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

_e2e_cleanup() {
  local rc=$? i f
  set +e
  trap - EXIT INT TERM
  for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${E2E_PIDS[$i]}" 3 "${E2E_PID_SIGNAL[${E2E_PIDS[$i]}]:-TERM}"
  done
  _release_ports
  if [[ $rc -ne 0 ]]; then
    for f in "$LOGS"/*.log; do
      [[ -s "$f" ]] || continue
      printf '[%s] ---- last lines of %s\n' "$E2E_NAME" "${f#"$WORK"/}" >&2
      tail -n 25 "$f" >&2
    done
    printf '[%s] FAILED (exit %d)\n' "$E2E_NAME" "$rc" >&2
  else
    printf '[%s] PASSED\n' "$E2E_NAME" >&2
  fi
  if [[ "${E2E_KEEP_WORK:-0}" == 1 ]]; then
    printf '[%s] work dir kept: %s\n' "$E2E_NAME" "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports

_port_listening() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }

# free_port: print a loopback TCP port nobody listens on and that no test
# running on this machine has handed out (a test's port can be free between
# two of its runs, e.g. the http-01 port acmekit's standalone server binds
# only during certonly: another test must not pick it meanwhile). Random in
# 20000-32767 (below Linux's ephemeral range, so outgoing connections will
# not grab it meanwhile). Each port handed out is a directory in
# E2E_PORT_REGISTRY, made atomically, holding the PID of the test that owns
# it; the test removes its own at exit, and one whose owner is dead is free
# (a test killed -9). A port can still be taken by something else between
# this check and the bind: start_pebble retries on new ports when that
# happens.
E2E_PORT_REGISTRY=${E2E_PORT_REGISTRY:-${TMPDIR:-/tmp}/acmekit-e2e-ports}
mkdir -p "$E2E_PORT_REGISTRY" 2>/dev/null || true
_claim_port() {
  local entry="$E2E_PORT_REGISTRY/$1" owner
  if ! mkdir "$entry" 2>/dev/null; then
    owner=$(cat "$entry/pid" 2>/dev/null) || owner=""
    # Being written (no pid yet), or its test alive: taken.
    [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null || return 1
    rm -rf "$entry"
    mkdir "$entry" 2>/dev/null || return 1
  fi
  # $$ is the test script's PID also inside PORT=$(free_port)'s subshell.
  echo "$$" >"$entry/pid"
}
_release_ports() {
  local p
  while read -r p; do
    [[ "$(cat "$E2E_PORT_REGISTRY/$p/pid" 2>/dev/null)" == "$$" ]] && rm -rf "${E2E_PORT_REGISTRY:?}/$p"
  done <"$E2E_PORTS_FILE"
}
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12768))
    # A file, not a variable: callers write PORT=$(free_port), a subshell
    # whose variables are lost (two calls once handed out the same port).
    grep -qx "$p" "$E2E_PORTS_FILE" && continue
    _port_listening "$p" && continue
    _claim_port "$p" || continue
    echo "$p" >>"$E2E_PORTS_FILE"
    echo "$p"
    return 0
  done
  fail "could not find a free loopback port"
}

# wait_listening PORT PID WHAT [TIMEOUT]: until something listens on PORT.
wait_listening() {
  local port=$1 pid=$2 what=$3 timeout=${4:-20} i
  for ((i = 0; i < timeout * 20; i++)); do
    _port_listening "$port" && return 0
    if ! _pid_alive "$pid"; then
      [[ "${E2E_SOFT_WAIT:-0}" == 1 ]] && return 1
      fail "$what (pid $pid) exited before listening on port $port"
    fi
    sleep 0.05
  done
  fail "$what did not listen on 127.0.0.1:$port within ${timeout}s"
}

# wait_http URL PID WHAT [TIMEOUT] [curl args...]: until URL answers 2xx.
wait_http() {
  local url=$1 pid=$2 what=$3 timeout=${4:-20} i
  shift 4 || shift $#
  for ((i = 0; i < timeout * 10; i++)); do
    curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null && return 0
    if ! _pid_alive "$pid"; then
      [[ "${E2E_SOFT_WAIT:-0}" == 1 ]] && return 1
      fail "$what (pid $pid) exited while waiting for $url"
    fi
    sleep 0.1
  done
  fail "$what did not answer $url within ${timeout}s"
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || fail "required command '$c' not found (see tests/integration/README.md)"
  done
}
require_cmd openssl curl jq ss python3 awk

# ---------------------------------------------------------------- TLS for Pebble's listener

# make_tls_ca: a test CA and a cert for 127.0.0.1/localhost signed by it.
# Sets TLS_CA (the file acmekit gets as --ca-bundle), TLS_CERT, TLS_KEY.
make_tls_ca() {
  local d="$WORK/tls"
  [[ -n "${TLS_CA:-}" && -f "$TLS_CA" ]] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=acmekit e2e test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >"$LOGS/openssl.log" 2>&1 || fail "openssl could not create the test CA"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" \
    >>"$LOGS/openssl.log" 2>&1 || fail "openssl could not create the server CSR"
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/server.ext" -out "$d/server.pem" \
    >>"$LOGS/openssl.log" 2>&1 || fail "openssl could not sign the server cert"
  TLS_CA="$d/ca.pem" TLS_CERT="$d/server.pem" TLS_KEY="$d/server.key"
  export TLS_CA TLS_CERT TLS_KEY
}

# ---------------------------------------------------------------- Pebble

# start_pebble [EXTRA_JSON]
#   EXTRA_JSON: an object merged into the "pebble" config object, e.g.
#   '{"certificateValidityPeriod": 3600}'.  Pebble's own knobs are env vars:
#   set PEBBLE_* (e.g. PEBBLE_ALTERNATE_ROOTS=1) in the caller's environment.
#   PEBBLE_VA_NOSLEEP defaults to 1; nonce rejection is left at Pebble's 5%.
#   PEBBLE_DNS_SERVER=HOST:PORT: Pebble resolves through that server (the
#   test's own BIND) and no challtestsrv is started.
# Sets: PEBBLE_PID CHALLTEST_PID PEBBLE_PORT PEBBLE_MGMT_PORT PEBBLE_HTTP_PORT
#   PEBBLE_TLS_PORT DNS_PORT PEBBLE_DIR_URL PEBBLE_MGMT_URL
#   PEBBLE_ROOT PEBBLE_INTERMEDIATE (PEM files of chain 0).
# Each start has a fresh root: fetch it again after a restart.
start_pebble() {
  local attempt extra=${1:-}
  [[ -n "$extra" ]] || extra='{}'
  require_cmd pebble pebble-challtestsrv
  make_tls_ca
  # Ports are picked free but bound a moment later; under `ctest -j` another
  # test may win one of them. Then a server exits at once: retry on new ports.
  for attempt in 1 2 3; do
    E2E_SOFT_WAIT=1 _start_pebble_once "$extra" && return 0
    log "pebble or challtestsrv exited at startup (attempt $attempt), retrying on other ports:"
    tail -n 3 "$LOGS/challtestsrv.log" "$LOGS/pebble.log" >&2 || true
    stop_pebble
  done
  fail "pebble did not start (3 attempts); see logs below"
}

_start_pebble_once() {
  local extra=$1 d="$WORK/pebble"
  mkdir -p "$d"
  PEBBLE_PORT=$(free_port); PEBBLE_MGMT_PORT=$(free_port)
  PEBBLE_HTTP_PORT=$(free_port); PEBBLE_TLS_PORT=$(free_port)
  DNS_PORT=$(free_port); local dns_mgmt; dns_mgmt=$(free_port)

  local dns_server="127.0.0.1:$DNS_PORT"
  if [[ -n "${PEBBLE_DNS_SERVER:-}" ]]; then
    # The test runs its own DNS (e.g. BIND, lib_bind.sh): Pebble asks it.
    dns_server=$PEBBLE_DNS_SERVER
  else
    # DNS only: every name resolves to 127.0.0.1 (A), no AAAA.
    pebble-challtestsrv -http01 "" -https01 "" -tlsalpn01 "" \
      -dns01 "127.0.0.1:$DNS_PORT" -management "127.0.0.1:$dns_mgmt" \
      -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$LOGS/challtestsrv.log" 2>&1 &
    CHALLTEST_PID=$!; track_pid "$CHALLTEST_PID"
    # The DNS server binds before the management server: wait for the latter.
    wait_listening "$dns_mgmt" "$CHALLTEST_PID" "pebble-challtestsrv" || return 1
    _pid_alive "$CHALLTEST_PID" || return 1
  fi

  jq -n --arg l "127.0.0.1:$PEBBLE_PORT" --arg m "127.0.0.1:$PEBBLE_MGMT_PORT" \
    --arg c "$TLS_CERT" --arg k "$TLS_KEY" \
    --argjson h "$PEBBLE_HTTP_PORT" --argjson t "$PEBBLE_TLS_PORT" --argjson x "$extra" \
    '{pebble: ({listenAddress: $l, managementListenAddress: $m, certificate: $c,
      privateKey: $k, httpPort: $h, tlsPort: $t, ocspResponderURL: "",
      externalAccountBindingRequired: false,
      domainBlocklist: ["blocked.example"]} + $x)}' >"$d/config.json" \
    || fail "bad start_pebble extra config: $extra"

  PEBBLE_VA_NOSLEEP="${PEBBLE_VA_NOSLEEP-1}" \
    pebble -config "$d/config.json" -dnsserver "$dns_server" \
    >"$LOGS/pebble.log" 2>&1 &
  PEBBLE_PID=$!; track_pid "$PEBBLE_PID"
  PEBBLE_DIR_URL="https://127.0.0.1:$PEBBLE_PORT/dir"
  PEBBLE_MGMT_URL="https://127.0.0.1:$PEBBLE_MGMT_PORT"
  wait_http "$PEBBLE_DIR_URL" "$PEBBLE_PID" "pebble" 30 --cacert "$TLS_CA" || return 1
  wait_http "$PEBBLE_MGMT_URL/roots/0" "$PEBBLE_PID" "pebble management" 10 --cacert "$TLS_CA" || return 1
  [[ -n "${PEBBLE_DNS_SERVER:-}" ]] || _pid_alive "$CHALLTEST_PID" || return 1
  PEBBLE_ROOT="$d/root0.pem"; PEBBLE_INTERMEDIATE="$d/intermediate0.pem"
  pebble_fetch roots/0 "$PEBBLE_ROOT"
  pebble_fetch intermediates/0 "$PEBBLE_INTERMEDIATE"
  export PEBBLE_PORT PEBBLE_MGMT_PORT PEBBLE_HTTP_PORT PEBBLE_TLS_PORT DNS_PORT \
    PEBBLE_DIR_URL PEBBLE_MGMT_URL PEBBLE_ROOT PEBBLE_INTERMEDIATE
  log "pebble up: $PEBBLE_DIR_URL (http-01 port $PEBBLE_HTTP_PORT, pid $PEBBLE_PID)"
}

# pebble_fetch PATH FILE: GET a management endpoint (roots/1, ...) into FILE.
pebble_fetch() {
  curl -fsS --max-time 10 --cacert "$TLS_CA" -o "$2" "$PEBBLE_MGMT_URL/$1" \
    || fail "could not fetch $PEBBLE_MGMT_URL/$1"
  grep -q 'BEGIN CERTIFICATE' "$2" || fail "$PEBBLE_MGMT_URL/$1 did not return a PEM certificate"
}

stop_pebble() {
  stop_pid "${PEBBLE_PID:-}"
  stop_pid "${CHALLTEST_PID:-}"
}

# ---------------------------------------------------------------- acmekit-ca

# start_acmekit_ca [EXTRA_SERVE_FLAGS...]
#   Starts our own CA on loopback: it binds port 0 for its ACME and
#   management listeners and the harness reads the ports from its log. Its validator resolves names
#   through the hosts file $CA_HOSTS (every name in it maps to 127.0.0.1;
#   add names with ca_hosts_add before starting). The data dir survives
#   stop_acmekit_ca, so a second start_acmekit_ca is a restart (same ports).
# Sets: CA_PID CA_PORT CA_MGMT_PORT CA_HTTP_PORT CA_TLS_PORT CA_DATA CA_DIR_URL
#   CA_ROOT (DATA/root.pem, trust anchor for the listener and the certificates)
# Optional: CA_CONFIG=FILE serves with --config FILE instead of --data-dir
#   (CA_DATA must then name the file's data_dir); CA_RUN_AS=USER runs the CA
#   as that user (setpriv: CA_PID is the CA itself).
# CA_VALIDATION_ALLOW="CIDR ...": the reserved blocks its validation may
#   connect to (--validation-allow-cidr each, issue 17), default
#   "127.0.0.0/8 ::1/128": the tests' responders are on loopback, which the
#   CA refuses by default. "" starts it with its default policy.
# CA_DATABASE=postgres (tests/CMakeLists.txt's e2e.NAME.pg variants): the
#   first start also starts the test's PostgreSQL (start_postgres) and every
#   start serves with --database "$PG_URL" (a restart reuses that server;
#   one that was stopped is started again on its data). Default: the SQLite
#   file in CA_DATA. ca_admin and ca_sql follow whichever is in use.
: "${ACMEKIT_CA_BIN:=$ACMEKIT_SOURCE_DIR/build/acmekit-ca}"
CA_HOSTS="$WORK/ca-hosts"
ca_hosts_add() {
  local n
  for n in "$@"; do printf '127.0.0.1 %s\n' "$n" >>"$CA_HOSTS"; done
}

# ca_allow_flags: CA_ALLOW_FLAGS, the --validation-allow-cidr flags of
# CA_VALIDATION_ALLOW (see start_acmekit_ca).
ca_allow_flags() {
  local cidr
  CA_ALLOW_FLAGS=()
  for cidr in ${CA_VALIDATION_ALLOW-127.0.0.0/8 ::1/128}; do CA_ALLOW_FLAGS+=(--validation-allow-cidr "$cidr"); done
}

start_acmekit_ca() {
  [[ -x "$ACMEKIT_CA_BIN" ]] || fail "acmekit-ca binary not found: $ACMEKIT_CA_BIN (set ACMEKIT_CA_BIN)"
  CA_DATA=${CA_DATA:-$WORK/acmekit-ca}
  touch "$CA_HOSTS"
  # The CA binds port 0 and says which ports it got; a restart asks for the
  # same ones again. The validation ports are where acmekit's standalone
  # servers will listen, so they are chosen here (the CA must know them).
  local listen=0 mgmt=0 restart=0 as=() source=(--data-dir "$CA_DATA") i log_from
  if [[ -n "${CA_PORT:-}" ]]; then
    restart=1 listen=$CA_PORT mgmt=$CA_MGMT_PORT
  else
    CA_HTTP_PORT=$(free_port); CA_TLS_PORT=$(free_port)
  fi
  [[ -n "${CA_RUN_AS:-}" ]] && as=(setpriv --reuid="$CA_RUN_AS" --regid="$CA_RUN_AS" --init-groups --)
  [[ -n "${CA_CONFIG:-}" ]] && source=(--config "$CA_CONFIG")
  ca_use_database
  ca_allow_flags
  touch "$LOGS/acmekit-ca.log"
  log_from=$(($(wc -l <"$LOGS/acmekit-ca.log") + 1))
  "${as[@]}" "$ACMEKIT_CA_BIN" serve "${source[@]}" --listen "127.0.0.1:$listen" \
    --management-listen "127.0.0.1:$mgmt" --http01-port "$CA_HTTP_PORT" \
    --tlsalpn01-port "$CA_TLS_PORT" --hosts-file "$CA_HOSTS" "${CA_DB_FLAGS[@]}" "${CA_ALLOW_FLAGS[@]}" "$@" \
    >>"$LOGS/acmekit-ca.log" 2>&1 &
  CA_PID=$!; track_pid "$CA_PID"
  CA_ROOT="$CA_DATA/root.pem"
  for i in $(seq 1 100); do
    _pid_alive "$CA_PID" || break
    if [[ $restart == 0 ]]; then
      CA_PORT=$(tail -n "+$log_from" "$LOGS/acmekit-ca.log" | sed -n 's|.*acmekit-ca serving https://127\.0\.0\.1:\([0-9]*\)/directory.*|\1|p' | head -n 1)
      CA_MGMT_PORT=$(tail -n "+$log_from" "$LOGS/acmekit-ca.log" | sed -n 's|.*management on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' | head -n 1)
    fi
    CA_DIR_URL="https://127.0.0.1:${CA_PORT:-0}/directory"
    if [[ -n "$CA_PORT" && -n "$CA_MGMT_PORT" && -f "$CA_ROOT" ]] &&
       curl -fsS --max-time 2 --cacert "$CA_ROOT" -o /dev/null "$CA_DIR_URL" 2>/dev/null; then
      export CA_PID CA_PORT CA_MGMT_PORT CA_HTTP_PORT CA_TLS_PORT CA_DATA CA_DIR_URL CA_ROOT
      log "acmekit-ca up: $CA_DIR_URL (http-01 port $CA_HTTP_PORT, pid $CA_PID)"
      return 0
    fi
    sleep 0.1
  done
  tail -n 5 "$LOGS/acmekit-ca.log" >&2 || true
  stop_pid "$CA_PID"
  fail "acmekit-ca did not start; see $LOGS/acmekit-ca.log"
}

stop_acmekit_ca() { stop_pid "${CA_PID:-}"; }

# Several acmekit-ca instances of one CA on the test's PostgreSQL (issue 14):
# start_ca_instance I [SERVE_ARGS...] serves instance I on CI_PORT[I]
# (management CI_MGMT[I]) from data dir CI_DATA[I] (the same CA keys in
# each: copy the first one's), with the shared CA_HTTP_PORT, CA_TLS_PORT,
# CA_HOSTS, CA_VALIDATION_ALLOW, the DNS of start_dns_only and --database "$PG_URL"; CI_PID[I]
# is its PID, its log $LOGS/ca-I.log. stop_ca_instance I stops it.
declare -a CI_PORT CI_MGMT CI_PID CI_DATA
start_ca_instance() {
  local i=$1 n
  shift
  ca_allow_flags
  "$ACMEKIT_CA_BIN" serve --data-dir "${CI_DATA[$i]}" --listen "127.0.0.1:${CI_PORT[$i]}" \
    --management-listen "127.0.0.1:${CI_MGMT[$i]}" --http01-port "$CA_HTTP_PORT" --tlsalpn01-port "$CA_TLS_PORT" \
    --hosts-file "$CA_HOSTS" --dns-resolver "127.0.0.1:$DNS_PORT" --database "$PG_URL" "${CA_ALLOW_FLAGS[@]}" "$@" \
    >>"$LOGS/ca-$i.log" 2>&1 &
  CI_PID[$i]=$!; track_pid "${CI_PID[$i]}"
  for ((n = 0; n < 200; n++)); do
    _pid_alive "${CI_PID[$i]}" || fail "acmekit-ca #$i (pid ${CI_PID[$i]}) exited at start; see $LOGS/ca-$i.log"
    [[ -f "${CI_DATA[$i]}/root.pem" ]] &&
      curl -fsS --max-time 2 --cacert "${CI_DATA[$i]}/root.pem" -o /dev/null \
        "https://127.0.0.1:${CI_PORT[$i]}/directory" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "acmekit-ca #$i did not serve https://127.0.0.1:${CI_PORT[$i]}/directory within 20 s"
}
stop_ca_instance() { stop_pid "${CI_PID[$1]:-}"; }

# ca_use_database: CA_DB_FLAGS, the --database flags of the database
# CA_DATABASE names ("" or sqlite: none, the CA's own file; postgres: the
# test's PostgreSQL, started here if it does not run).
CA_DB_FLAGS=()
ca_use_database() {
  case "${CA_DATABASE:-sqlite}" in
    sqlite) CA_DB_FLAGS=() ;;
    postgres)
      if [[ -z "${PG_PID:-}" ]] || ! _pid_alive "$PG_PID"; then start_postgres; fi
      CA_DB_FLAGS=(--database "$PG_URL") ;;
    *) fail "CA_DATABASE must be sqlite or postgres, not '$CA_DATABASE'" ;;
  esac
}

# ca_admin VERB ARGS...: acmekit-ca status / eab add on the CA's data dir and
# database, e.g. ca_admin status --cert FILE, ca_admin eab add --json.
ca_admin() {
  local verb=("$1"); shift
  [[ "${verb[0]}" != eab ]] || { verb+=("$1"); shift; }
  ca_use_database
  "$ACMEKIT_CA_BIN" "${verb[@]}" --data-dir "$CA_DATA" "${CA_DB_FLAGS[@]}" "$@"
}

# ca_sql "SQL": run SQL on the CA's database, whichever it is (sqlite3 on
# $CA_DATA/acmekit-ca.db, or pg_sql); rows a line each, columns '|'
# separated. Keep to SQL both engines read alike (no instr(), no strftime).
ca_sql() {
  if [[ "${CA_DATABASE:-sqlite}" == postgres ]]; then
    pg_sql "$1"
  else
    require_cmd sqlite3
    sqlite3 -readonly "$CA_DATA/acmekit-ca.db" ".timeout 5000" "$1" || fail "sqlite3 failed: $1"
  fi
}

# use_ca_client [CONFIG_DIR]: acmekit flags for our CA, like use_pebble_client.
use_ca_client() {
  CFG=${1:-$WORK/config}
  COMMON=(--server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$CFG"
    --register-unsafely-without-email --agree-tos --non-interactive)
  STANDALONE=(--standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1)
}

# ca_cert_status CERT: "valid" or "revoked", as acmekit-ca's database says.
ca_cert_status() {
  ca_admin status --cert "$1" | jq -r .status
}

# ---------------------------------------------------------------- nginx

# start_nginx ROOT PORT [EXTRA_SERVER_DIRECTIVES]
# Serves ROOT on 127.0.0.1:PORT. Runs in the foreground of its own process
# (daemon off, master_process off: one process, our user, no privilege drop),
# everything in $WORK/nginx-PORT. Sets NGINX_PID and NGINX_ACCESS_LOG.
start_nginx() {
  local root=$1 port=$2 extra=${3:-} d
  require_cmd nginx
  d="$WORK/nginx-$port"
  mkdir -p "$d/tmp" "$root"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $LOGS/nginx-$port-error.log info;
events { worker_connections 64; }
http {
  access_log $LOGS/nginx-$port-access.log;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  default_type application/octet-stream;
  types { text/html html; }
  server {
    listen 127.0.0.1:$port;
    server_name _;
    root $root;
    $extra
  }
}
EOF
  nginx -p "$d" -c "$d/nginx.conf" -e "$LOGS/nginx-$port-error.log" >"$LOGS/nginx-$port.log" 2>&1 &
  NGINX_PID=$!; track_pid "$NGINX_PID"
  export NGINX_ACCESS_LOG="$LOGS/nginx-$port-access.log"
  wait_listening "$port" "$NGINX_PID" "nginx"
  log "nginx up: http://127.0.0.1:$port/ root $root (pid $NGINX_PID)"
}

# ---------------------------------------------------------------- PostgreSQL

# A real PostgreSQL server (Debian's postgresql, run straight from its bin
# dir, not through pg_ctlcluster), a cluster of the test's own under
# $WORK/postgres: listens on 127.0.0.1 only, on a free port, its unix socket
# in $WORK/postgres/run, trust authentication for local and 127.0.0.1/32
# connections only (pg_hba.conf written here). fsync and the other
# durability settings are left at their defaults (tests kill the server and
# expect committed data back). initdb and postgres refuse to run as root:
# as root they run as PG_RUN_AS (default nobody, with its primary group and
# no supplementary groups, through setpriv, so PG_PID is postgres itself)
# and $WORK becomes traversable by others (o+x, not listable: every file in
# it keeps its own mode); otherwise they run as the caller.
#
#   start_postgres            cluster, role and database "acmekit" (owner)
#   pg_sql "SQL" [URL]        psql, unaligned, tuples only, stops on error
#   pg_create_db NAME         a new database owned by acmekit; prints its URL
#   restart_postgres          fast shutdown, start again: same port, same data
#   kill_postgres [SIGNAL]    SIGKILL (default) the postmaster and every child
#                             at once, like a crash; start_postgres recovers
#   stop_postgres             fast shutdown (SIGINT), by PID
#
# Sets: PG_PID PG_PORT PG_DATA PG_URL (postgres://acmekit@127.0.0.1:PORT/acmekit)
#   PG_ADMIN_URL (superuser postgres, database postgres) PG_SOCKET_DIR
#   PG_BINDIR PG_LOG.  The data dir survives stop_postgres and
#   kill_postgres: the next start_postgres is a restart on the same port.

# A caller's libpq settings must not redirect the test's connections.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE \
  PGSERVICEFILE PGPASSFILE PGOPTIONS PGSSLMODE PGCONNECT_TIMEOUT PGAPPNAME || true

# PG_BINDIR: the newest /usr/lib/postgresql/*/bin unless set.
_pg_bindir() {
  if [[ -z "${PG_BINDIR:-}" ]]; then
    PG_BINDIR=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  fi
  [[ -n "$PG_BINDIR" && -x "$PG_BINDIR/postgres" && -x "$PG_BINDIR/initdb" && -x "$PG_BINDIR/pg_isready" && -x "$PG_BINDIR/psql" ]] \
    || fail "PostgreSQL server binaries not found (Debian package postgresql; or set PG_BINDIR)"
  export PG_BINDIR
}

# _pg_as: the command prefix that runs the server's programs unprivileged.
_pg_as() {
  if [[ "$(id -u)" -eq 0 ]]; then
    local u=${PG_RUN_AS:-nobody}
    printf '%s\n' setpriv "--reuid=$(id -u "$u")" "--regid=$(id -g "$u")" --clear-groups --
  fi
}

start_postgres() {
  _pg_bindir
  require_cmd setpriv
  if [[ -n "${PG_PID:-}" ]] && _pid_alive "$PG_PID"; then
    fail "start_postgres: postgres already runs (pid $PG_PID); stop_postgres first"
  fi
  local d="$WORK/postgres" as
  mapfile -t as < <(_pg_as)
  PG_DATA="$d/data" PG_SOCKET_DIR="$d/run" PG_LOG="$LOGS/postgres.log"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    mkdir -p "$d" "$PG_SOCKET_DIR"
    if [[ ${#as[@]} -gt 0 ]]; then
      chmod o+x "$WORK"
      chown "$(id -u "${PG_RUN_AS:-nobody}"):$(id -g "${PG_RUN_AS:-nobody}")" "$d" "$PG_SOCKET_DIR"
    fi
    chmod 700 "$d"
    "${as[@]}" "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C \
      --no-instructions >"$LOGS/initdb.log" 2>&1 \
      || fail "initdb failed; see $LOGS/initdb.log:
$(tail -n 15 "$LOGS/initdb.log")"
    cat >"$PG_DATA/pg_hba.conf" <<HBA
# acmekit test harness: trust, loopback and the socket in $PG_SOCKET_DIR only
local all all trust
host  all all 127.0.0.1/32 trust
HBA
    cat >>"$PG_DATA/postgresql.conf" <<CONF

# ---- acmekit test harness (lib.sh start_postgres); port is on the command line
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCKET_DIR'
log_line_prefix = '%m [%p] %q%u@%d '
log_connections = off
CONF
    _start_postgres_fresh
  else
    # A restart: the same port, the same data.
    [[ -n "${PG_PORT:-}" ]] || fail "start_postgres: $PG_DATA exists but PG_PORT is not set"
    _start_postgres_once "$PG_PORT" || fail "postgres did not start again on port $PG_PORT; see $PG_LOG:
$(tail -n 15 "$PG_LOG")"
  fi
  PG_URL="postgres://acmekit@127.0.0.1:$PG_PORT/acmekit"
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_PID PG_PORT PG_DATA PG_URL PG_ADMIN_URL PG_SOCKET_DIR PG_LOG
}

# First start: a free port, up to 3 of them (another test may bind the one
# free_port picked before postgres does).
_start_postgres_fresh() {
  local attempt
  for attempt in 1 2 3; do
    PG_PORT=$(free_port)
    if _start_postgres_once "$PG_PORT"; then
      pg_sql "CREATE ROLE acmekit LOGIN" "postgres://postgres@127.0.0.1:$PG_PORT/postgres" >/dev/null
      # (CREATE DATABASE cannot share psql -c's transaction with another statement.)
      pg_sql "CREATE DATABASE acmekit OWNER acmekit" "postgres://postgres@127.0.0.1:$PG_PORT/postgres" >/dev/null
      return 0
    fi
    grep -q 'could not bind\|could not create any TCP/IP sockets' "$PG_LOG" \
      || fail "postgres did not start; see $PG_LOG:
$(tail -n 15 "$PG_LOG")"
    log "postgres could not bind port $PG_PORT (attempt $attempt), retrying on another"
    : >"$PG_LOG"
  done
  fail "postgres did not start (3 ports tried); see $PG_LOG"
}

# _start_postgres_once PORT: start, wait until pg_isready says it accepts
# connections (30 s). Returns 1 when postgres exited meanwhile.
_start_postgres_once() {
  local port=$1 as i
  mapfile -t as < <(_pg_as)
  # Foreground postgres (no pg_ctl, which daemonizes): the PID is the postmaster.
  "${as[@]}" "$PG_BINDIR/postgres" -D "$PG_DATA" -p "$port" >>"$PG_LOG" 2>&1 </dev/null &
  PG_PID=$!; track_pid "$PG_PID" INT
  for ((i = 0; i < 300; i++)); do
    _pid_alive "$PG_PID" || { wait "$PG_PID" 2>/dev/null || true; return 1; }
    if "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 1 2>/dev/null; then
      log "postgres up: 127.0.0.1:$port data $PG_DATA (pid $PG_PID)"
      return 0
    fi
    sleep 0.1
  done
  fail "postgres (pid $PG_PID) did not accept connections on 127.0.0.1:$port within 30s"
}

# _pg_children PID: PIDs whose parent is PID (postgres' server processes).
_pg_children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }

# _pg_kill_leftovers PID...: SIGKILL those of PIDs that are still a postgres
# process (by PID; the name only guards against a PID reused meanwhile), and
# wait until they are gone.
_pg_kill_leftovers() {
  local p i left
  for ((i = 0; i < 100; i++)); do
    left=0
    for p in "$@"; do
      _pid_alive "$p" || continue
      [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == postgres ]] || continue
      kill -KILL "$p" 2>/dev/null || true
      left=1
    done
    [[ $left == 1 ]] || return 0
    sleep 0.05
  done
  log "postgres processes still alive after SIGKILL: $*"
}

# stop_postgres: fast shutdown (SIGINT: open transactions roll back, a
# checkpoint is written), SIGKILL after 15 s. The data dir stays.
stop_postgres() {
  [[ -n "${PG_PID:-}" ]] || return 0
  local children
  children=$(_pg_children "$PG_PID")
  stop_pid "$PG_PID" 15 INT
  # shellcheck disable=SC2086  # a list of PIDs
  [[ -z "$children" ]] || _pg_kill_leftovers $children
}

# kill_postgres [SIGNAL]: the postmaster and all its server processes get
# SIGNAL (default KILL) at once: a crash, no checkpoint. With QUIT the
# postmaster does its own immediate shutdown instead. The next
# start_postgres (or restart_postgres) runs crash recovery on the same data.
kill_postgres() {
  local sig=${1:-KILL} children p
  if [[ -z "${PG_PID:-}" ]] || ! _pid_alive "$PG_PID"; then fail "kill_postgres: postgres is not running"; fi
  children=$(_pg_children "$PG_PID")
  kill -"$sig" "$PG_PID" 2>/dev/null || true
  if [[ "$sig" == KILL || "$sig" == 9 ]]; then
    for p in $children; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  stop_pid "$PG_PID" 10 "$sig"  # waits for (and reaps) the postmaster
  # shellcheck disable=SC2086
  [[ -z "$children" ]] || _pg_kill_leftovers $children
  log "postgres killed with SIG$sig (pid $PG_PID)"
}

# restart_postgres: stop_postgres, then start_postgres on the same port and
# data dir (PG_PID changes, PG_PORT and PG_URL do not).
restart_postgres() {
  stop_postgres
  start_postgres
}

# pg_sql "SQL" [URL]: run SQL with psql against URL (default PG_URL, as the
# acmekit role), print the rows unaligned ('|' between columns, no header,
# no footer). Fails the test on any error.
pg_sql() {
  local sql=$1 url=${2:-${PG_URL:-}} out
  [[ -n "$url" ]] || fail "pg_sql: no URL (start_postgres first)"
  out=$(PGCONNECT_TIMEOUT=10 "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -c "$sql" 2>"$WORK/psql.err") \
    || fail "psql failed on $url: $sql
$(cat "$WORK/psql.err")"
  [[ -z "$out" ]] || printf '%s\n' "$out"
}

# pg_create_db NAME: CREATE DATABASE NAME owned by the acmekit role; prints its
# URL (postgres://acmekit@127.0.0.1:PORT/NAME). NAME: [a-z_][a-z0-9_]*.
pg_create_db() {
  local name=$1
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "pg_create_db: bad database name '$name'"
  pg_sql "CREATE DATABASE $name OWNER acmekit" "$PG_ADMIN_URL" >/dev/null
  echo "postgres://acmekit@127.0.0.1:$PG_PORT/$name"
}

# ---------------------------------------------------------------- haproxy

# start_haproxy MODE LISTEN_PORT BACKEND_PORT...
#   haproxy (Debian 2.6) in front of BACKEND_PORTs on 127.0.0.1, listening
#   on 127.0.0.1:LISTEN_PORT (0: a free one). Servers are named s1, s2, ...
#   in the order given, balanced round robin, each health-checked every
#   500 ms (fall 1 rise 1: one failed check takes a killed backend out of
#   rotation, one good check brings it back). A connection refused by a dead
#   server is retried (retries 3) on another server at once (option
#   redispatch 1: every retry redispatches; haproxy waits min(timeout
#   connect, 1 s) only before a retry on the same server), so clients see
#   no error in the moment before the health check notices.
#   MODE tcp: TCP passthrough; one client connection goes to one backend,
#     the next connection to the next backend. TLS (if any) is end to end.
#   MODE http: haproxy terminates TLS with HAPROXY_TLS_CERT/HAPROXY_TLS_KEY
#     (default: make_tls_ca's TLS_CERT/TLS_KEY, trusted through TLS_CA; ALPN
#     h2 and http/1.1) and re-encrypts to each backend, verifying its
#     certificate against HAPROXY_BACKEND_CA (required; the chain only,
#     unless HAPROXY_BACKEND_SNI=NAME, which is then sent as SNI and must be
#     in the backend's certificate). Balancing is per request (no
#     prefer-last-server, no stickiness): consecutive requests on one
#     keep-alive client connection reach different backends, which is what
#     a cluster of CAs behind a load balancer has to survive (a nonce from
#     one instance used at another, an order created here and finalized
#     there). Health checks are TLS handshakes (no HTTP request).
#   Timeouts: connect 2 s, client/server idle 60 s, check 1 s, HTTP request
#   10 s. One thread (the machine is shared). Logs (one line per connection
#   or request, naming be/sN) go to $LOGS/haproxy-PORT.log; an admin socket
#   in its dir serves haproxy_cmd.
# Sets: HAPROXY_PID HAPROXY_PORT HAPROXY_DIR (config, socket) HAPROXY_LOG.
#   Each call starts another haproxy; the variables name the last one.
start_haproxy() {
  local mode=${1:-} port=${2:-} attempt
  shift 2 || fail "usage: start_haproxy tcp|http LISTEN_PORT BACKEND_PORT..."
  [[ "$mode" == tcp || "$mode" == http ]] || fail "start_haproxy: MODE must be tcp or http, not '$mode'"
  [[ $# -ge 1 ]] || fail "start_haproxy: no backend port"
  require_cmd haproxy
  if [[ "$port" != 0 ]]; then
    _start_haproxy_once "$mode" "$port" "$@" || fail "haproxy did not start on port $port; see $HAPROXY_LOG:
$(tail -n 15 "$HAPROXY_LOG")"
    return 0
  fi
  for attempt in 1 2 3; do
    E2E_SOFT_WAIT=1 _start_haproxy_once "$mode" "$(free_port)" "$@" && return 0
    grep -q 'cannot bind socket' "$HAPROXY_LOG" || fail "haproxy did not start; see $HAPROXY_LOG:
$(tail -n 15 "$HAPROXY_LOG")"
    log "haproxy could not bind (attempt $attempt), retrying on another port"
  done
  fail "haproxy did not start (3 ports tried)"
}

_start_haproxy_once() {
  local mode=$1 port=$2 d i p srv_opts="" bind_opts="" out
  shift 2
  d="$WORK/haproxy-$port"
  mkdir -p "$d"
  HAPROXY_DIR=$d HAPROXY_LOG="$LOGS/haproxy-$port.log"
  if [[ "$mode" == http ]]; then
    if [[ -z "${HAPROXY_TLS_CERT:-}" ]]; then
      make_tls_ca
      HAPROXY_TLS_CERT=$TLS_CERT HAPROXY_TLS_KEY=$TLS_KEY
    fi
    [[ -f "$HAPROXY_TLS_CERT" && -f "${HAPROXY_TLS_KEY:-}" ]] \
      || fail "start_haproxy http: HAPROXY_TLS_CERT / HAPROXY_TLS_KEY must name the frontend's certificate and key"
    [[ -f "${HAPROXY_BACKEND_CA:-}" ]] \
      || fail "start_haproxy http: HAPROXY_BACKEND_CA must name the CA file that verifies the backends"
    # haproxy wants the certificate and its key in one file.
    (umask 077 && cat "$HAPROXY_TLS_CERT" "$HAPROXY_TLS_KEY" >"$d/frontend.pem")
    bind_opts=" ssl crt $d/frontend.pem alpn h2,http/1.1"
    srv_opts=" ssl verify required ca-file $HAPROXY_BACKEND_CA"
    [[ -z "${HAPROXY_BACKEND_SNI:-}" ]] || srv_opts+=" sni str($HAPROXY_BACKEND_SNI) verifyhost $HAPROXY_BACKEND_SNI"
  fi
  {
    cat <<CFG
# acmekit test harness (lib.sh start_haproxy $mode $port $*)
global
  log stderr format raw local0 info
  nbthread 1
  maxconn 1024
  stats socket $d/admin.sock mode 600 level admin

defaults
  log global
  mode $mode
  option ${mode}log
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 1s
  timeout http-request 10s
  timeout http-keep-alive 10s
  retries 3
  option redispatch 1

frontend fe
  bind 127.0.0.1:$port$bind_opts
  default_backend be

backend be
  balance roundrobin
CFG
    i=0
    for p in "$@"; do
      i=$((i + 1))
      echo "  server s$i 127.0.0.1:$p check inter 500ms fall 1 rise 1$srv_opts"
    done
  } >"$d/haproxy.cfg"
  out=$(haproxy -c -f "$d/haproxy.cfg" 2>&1) || fail "haproxy rejects $d/haproxy.cfg:
$out"
  haproxy -db -f "$d/haproxy.cfg" >>"$HAPROXY_LOG" 2>&1 </dev/null &
  HAPROXY_PID=$!; track_pid "$HAPROXY_PID"
  HAPROXY_PORT=$port
  export HAPROXY_PID HAPROXY_PORT HAPROXY_DIR HAPROXY_LOG
  wait_listening "$port" "$HAPROXY_PID" "haproxy" || return 1
  log "haproxy up: $mode 127.0.0.1:$port -> $* (pid $HAPROXY_PID)"
}

# stop_haproxy [PID]: stop haproxy (default HAPROXY_PID), by PID.
stop_haproxy() { stop_pid "${1:-${HAPROXY_PID:-}}"; }

# haproxy_cmd "COMMAND" [DIR]: one command on the admin socket of the haproxy
# in DIR (default HAPROXY_DIR), e.g. "show stat", "disable server be/s1";
# prints the answer.
haproxy_cmd() {
  python3 - "${2:-$HAPROXY_DIR}/admin.sock" "$1" <<'PY' || fail "haproxy admin socket: '$1' failed"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode())
PY
}

# haproxy_server_status SERVER [DIR]: UP, DOWN, MAINT, ... of be/SERVER (s1, s2, ...).
haproxy_server_status() {
  haproxy_cmd "show stat" "${2:-}" | awk -F, -v s="$1" '$1 == "be" && $2 == s { print $18 }'
}

# haproxy_wait_server SERVER STATUS [TIMEOUT] [DIR]: until haproxy's health
# checks put be/SERVER in STATUS (UP or DOWN), default within 10 s.
haproxy_wait_server() {
  local srv=$1 want=$2 timeout=${3:-10} dir=${4:-} i st=""
  for ((i = 0; i < timeout * 10; i++)); do
    st=$(haproxy_server_status "$srv" "$dir")
    [[ "$st" == "$want"* ]] && return 0
    sleep 0.1
  done
  fail "haproxy server be/$srv is '$st', not $want, after ${timeout}s"
}

# ---------------------------------------------------------------- running acmekit

require_acmekit() {
  [[ -x "$ACMEKIT_BIN" ]] || fail "acmekit binary not found or not executable: $ACMEKIT_BIN (set ACMEKIT_BIN)"
}

# run_acmekit ARGS...: run "$ACMEKIT_BIN ARGS" with a 180 s limit and never
# abort the test.  Sets ACME_RC, ACME_OUT (stdout file), ACME_ERR (stderr
# file); ACME_TIMEOUT overrides the limit, ACME_CWD sets the working dir.
ACME_RUN_NO=0
run_acmekit() {
  ACME_RUN_NO=$((ACME_RUN_NO + 1))
  ACME_OUT="$LOGS/acmekit-$ACME_RUN_NO.out"
  ACME_ERR="$LOGS/acmekit-$ACME_RUN_NO.err"
  printf '%q ' "$ACMEKIT_BIN" "$@" >"$LOGS/acmekit-$ACME_RUN_NO.cmd"
  log "run #$ACME_RUN_NO: acmekit $*"
  ACME_RC=0
  ( cd "${ACME_CWD:-.}" && exec timeout -k 5 "${ACME_TIMEOUT:-180}" "$ACMEKIT_BIN" "$@" ) \
    >"$ACME_OUT" 2>"$ACME_ERR" </dev/null || ACME_RC=$?
  # The stdout/stderr of the last run are worth seeing when the test fails.
  cp "$ACME_OUT" "$LOGS/z-last-acmekit-stdout.log"
  cp "$ACME_ERR" "$LOGS/z-last-acmekit-stderr.log"
  if [[ "${E2E_VERBOSE:-0}" == 1 ]]; then
    sed 's/^/  out| /' "$ACME_OUT" >&2
    sed 's/^/  err| /' "$ACME_ERR" >&2
  fi
  [[ $ACME_RC -ne 124 && $ACME_RC -ne 137 ]] || fail "acmekit did not finish within ${ACME_TIMEOUT:-180}s"
  return 0
}

# common_args CONFIG_DIR: the flags every certonly run against our Pebble uses.
# Prints one per line; use: mapfile -t A < <(common_args DIR)
common_args() {
  printf '%s\n' --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" --config-dir "$1" \
    --register-unsafely-without-email --agree-tos --non-interactive
}

# use_pebble_client [CONFIG_DIR]: the usual client setup after start_pebble.
# Sets CFG (default $WORK/config), COMMON (common_args) and STANDALONE
# (standalone http-01 on Pebble's validation port).
use_pebble_client() {
  CFG=${1:-$WORK/config}
  mapfile -t COMMON < <(common_args "$CFG")
  STANDALONE=(--standalone --http-01-port "$PEBBLE_HTTP_PORT" --http-01-address 127.0.0.1)
}

_show_run() {
  printf '  exit code: %s\n  stdout:\n' "$ACME_RC"
  sed 's/^/    | /' "$ACME_OUT"
  printf '  stderr:\n'
  sed 's/^/    | /' "$ACME_ERR"
}

assert_success() {
  [[ $ACME_RC -eq 0 ]] || fail "acmekit failed but should have succeeded: ${1:-}
$(_show_run)"
}

# assert_failure [EXPECTED_RC]: non-zero exit (a documented code 1-4, not a
# crash) and exactly one "acmekit: error: " line on stderr.  Sets ACME_ERRLINE.
assert_failure() {
  local want=${1:-}
  [[ $ACME_RC -ne 0 ]] || fail "acmekit succeeded but should have failed
$(_show_run)"
  [[ $ACME_RC -ge 1 && $ACME_RC -le 4 ]] || fail "exit code $ACME_RC is not one of the documented 1-4 (crash/signal?)
$(_show_run)"
  if [[ -n "$want" && $ACME_RC -ne $want ]]; then
    fail "exit code $ACME_RC, expected $want
$(_show_run)"
  fi
  local n
  n=$(grep -c '^acmekit: error: ' "$ACME_ERR" || true)
  [[ $n -eq 1 ]] || fail "stderr should have exactly one line starting 'acmekit: error: ', has $n
$(_show_run)"
  ACME_ERRLINE=$(grep '^acmekit: error: ' "$ACME_ERR")
}

# assert_error_matches ERE [WHAT]: the error line matches ERE (case-insensitive).
assert_error_matches() {
  grep -qiE -- "$1" <<<"$ACME_ERRLINE" \
    || fail "error line does not ${2:-match /$1/}: $ACME_ERRLINE"
}

# json_get FILTER [FILE]: jq -r on acmekit's stdout (must be one JSON value).
json_get() {
  local f=${2:-$ACME_OUT}
  if [[ "$f" != "${_JSON_CHECKED:-}" ]]; then
    jq -e . "$f" >/dev/null 2>&1 || fail "stdout is not valid JSON:
$(sed 's/^/    | /' "$f")"
    _JSON_CHECKED=$f
  fi
  jq -r "$1" "$f"
}

# ---------------------------------------------------------------- certificate assertions

# pem_fingerprints FILE: SHA-256 fingerprint of each certificate in FILE, in order.
pem_fingerprints() {
  local f=$1 tmp i=0
  tmp=$(mktemp -d "$WORK/pem.XXXXXX")
  awk -v dir="$tmp" '/-----BEGIN CERTIFICATE-----/{n++; out=sprintf("%s/%04d.pem",dir,n)}
    out{print > out} /-----END CERTIFICATE-----/{close(out); out=""}' "$f"
  for i in "$tmp"/*.pem; do
    [[ -e "$i" ]] || continue
    openssl x509 -in "$i" -noout -fingerprint -sha256 | cut -d= -f2
  done
  rm -rf "$tmp"
}

pem_count() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" || true; }

# cert_sans CERT: DNS names in the SAN extension, lowercased, sorted, one a line.
# Any non-DNS entry is printed as-is (so it breaks equality with a name list).
cert_sans() {
  openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | tail -n +2 \
    | tr ',' '\n' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$' \
    | sed 's/^DNS://' | tr 'A-Z' 'a-z' | sort -u
}

sorted_names() { printf '%s\n' "$@" | tr 'A-Z' 'a-z' | sort -u; }

cert_serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }
norm_serial() { tr -d ':' <<<"$1" | tr 'A-F' 'a-f' | sed 's/^0*//'; }

# cn_of SUBJECT_OR_ISSUER_LINE -> CN value
cert_issuer_cn()  { openssl x509 -in "$1" -noout -issuer  -nameopt multiline | sed -n 's/^ *commonName *= *//p'; }
cert_subject_cn() { openssl x509 -in "$1" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p'; }

# last_cert FILE OUT: write the last certificate of a PEM bundle to OUT.
last_cert() {
  awk '/-----BEGIN CERTIFICATE-----/{buf=""} {buf=buf $0 "\n"} /-----END CERTIFICATE-----/{last=buf} END{printf "%s", last}' "$1" >"$2"
}

# key_desc FILE (cert or private key): "rsa:BITS" or "ec:CURVE" (CURVE as
# OpenSSL's short name: prime256v1, secp384r1, ...).
key_desc() {
  local f=$1 pub
  if grep -q 'BEGIN CERTIFICATE' "$f"; then
    pub=$(openssl x509 -in "$f" -noout -pubkey)
  else
    pub=$(openssl pkey -in "$f" -pubout)
  fi
  local text
  text=$(openssl pkey -pubin -noout -text <<<"$pub")
  if grep -q 'ASN1 OID:' <<<"$text"; then
    echo "ec:$(sed -n 's/^ *ASN1 OID: *//p' <<<"$text")"
  else
    echo "rsa:$(sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' <<<"$text" | head -1)"
  fi
}

assert_key_desc() {  # FILE EXPECTED
  local got; got=$(key_desc "$1")
  [[ "$got" == "$2" ]] || fail "key of $1 is $got, expected $2"
}

_file_mode() { stat -L -c '%a' "$1"; }

# assert_key_matches CERT KEY: KEY is the private key of CERT.
assert_key_matches() {
  local a b
  a=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || fail "$1 is not a certificate"
  b=$(openssl pkey -in "$2" -pubout 2>/dev/null) || fail "$2 is not a readable private key"
  [[ "$a" == "$b" ]] || fail "public key of $1 does not match private key $2"
}

# assert_cert_files CERT CHAIN FULLCHAIN ROOT NAME...: cert verifies to ROOT
# through CHAIN, its SANs are exactly NAMEs, FULLCHAIN = CERT + CHAIN.
assert_cert_files() {
  local cert=$1 chain=$2 full=$3 root=$4; shift 4
  local f out
  for f in "$cert" "$chain" "$full"; do
    [[ -s "$f" ]] || fail "missing or empty: $f"
  done
  [[ "$(pem_count "$cert")" -eq 1 ]] || fail "$cert should hold exactly one certificate, holds $(pem_count "$cert")"
  [[ "$(pem_count "$chain")" -ge 1 ]] || fail "$chain holds no certificate"
  out=$(openssl verify -CAfile "$root" -untrusted "$chain" "$cert" 2>&1) \
    || fail "openssl verify -CAfile $root -untrusted $chain $cert failed:
$out"
  local want got
  want=$(sorted_names "$@"); got=$(cert_sans "$cert")
  [[ "$want" == "$got" ]] || fail "SANs of $cert are not exactly the names asked for
  asked: $(echo $want)
  got:   $(echo $got)"
  local fc fcc
  fc=$(pem_fingerprints "$full")
  fcc=$( { pem_fingerprints "$cert"; pem_fingerprints "$chain"; } )
  [[ "$fc" == "$fcc" ]] || fail "$full is not $cert followed by $chain"
  # not expired, and valid now
  openssl x509 -in "$cert" -noout -checkend 0 >/dev/null || fail "$cert is already expired"
}

# assert_cert_ok LINEAGE_DIR ROOT_PEM NAME...: a live lineage dir is complete,
# verifies, names exactly NAME..., key matches, privkey.pem mode 0600.
assert_cert_ok() {
  local dir=$1 root=$2; shift 2
  [[ -d "$dir" ]] || fail "lineage dir $dir does not exist"
  [[ -s "$dir/privkey.pem" ]] || fail "missing or empty: $dir/privkey.pem"
  assert_cert_files "$dir/cert.pem" "$dir/chain.pem" "$dir/fullchain.pem" "$root" "$@"
  assert_key_matches "$dir/cert.pem" "$dir/privkey.pem"
  local m; m=$(_file_mode "$dir/privkey.pem")
  [[ "$m" == 600 ]] || fail "$dir/privkey.pem has mode $m, expected 600"
}

# assert_live_layout CONFIG_DIR NAME: live/NAME/*.pem are symlinks to the
# newest archive/NAME/*N.pem, and renewal/NAME.conf exists.
assert_live_layout() {
  local cfg=$1 name=$2 f t
  for f in cert chain fullchain privkey; do
    [[ -L "$cfg/live/$name/$f.pem" ]] || fail "$cfg/live/$name/$f.pem is not a symlink"
    t=$(readlink -f "$cfg/live/$name/$f.pem")
    [[ "$t" == "$(readlink -f "$cfg/archive/$name")/$f"[0-9]*.pem ]] \
      || fail "$cfg/live/$name/$f.pem points to $t, not into $cfg/archive/$name/"
  done
  [[ -f "$cfg/renewal/$name.conf" ]] || fail "missing $cfg/renewal/$name.conf"
}

# _entries DIR: entries of DIR other than certbot-style README files.
_entries() { [[ -d "$1" ]] && find "$1" -mindepth 1 ! -name README -print 2>/dev/null || true; }

# assert_no_lineage CONFIG_DIR: nothing under live/, archive/ or renewal/.
assert_no_lineage() {
  local cfg=$1 sub e
  for sub in live archive renewal; do
    e=$(_entries "$cfg/$sub")
    [[ -z "$e" ]] || fail "$cfg/$sub/ should be empty after a failure, has:
$e"
  done
}

# assert_no_live CONFIG_DIR NAME: no lineage NAME (live, archive, renewal).
assert_no_live() {
  local cfg=$1 name=$2
  [[ ! -e "$cfg/live/$name" ]] || fail "$cfg/live/$name exists"
  [[ ! -e "$cfg/archive/$name" ]] || fail "$cfg/archive/$name exists"
  [[ ! -e "$cfg/renewal/$name.conf" ]] || fail "$cfg/renewal/$name.conf exists"
}

# account_dirs CONFIG_DIR: leaf directories under accounts/ (one per account).
account_dirs() {
  [[ -d "$1/accounts" ]] || return 0
  local d
  while IFS= read -r d; do
    [[ -z "$(find "$d" -mindepth 1 -maxdepth 1 -type d -print -quit)" ]] && printf '%s\n' "$d"
  done < <(find "$1/accounts" -mindepth 1 -type d | sort)
  return 0
}

assert_port_free() {
  _port_listening "$1" && fail "port $1 is still in use: $(ss -Hltnp "sport = :$1")"
  return 0
}
