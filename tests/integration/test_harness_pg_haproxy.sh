#!/usr/bin/env bash
# The PostgreSQL and haproxy harness itself (lib.sh start_postgres,
# start_haproxy), before acmekit-ca's PostgreSQL backend leans on it: a
# cluster of the test's own (as nobody when root) that keeps committed data
# across a restart and a kill -9 on the same port; extra databases; haproxy
# tcp round robin over two backends, a killed backend out of rotation without
# a failed connection and back once it listens again; haproxy http
# re-encrypting to backends it verifies, balancing each request of one
# keep-alive client connection.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cmd haproxy setpriv

# A backend: answers every GET with its NAME (HTTP/1.1, keep-alive), over
# TLS when given a certificate and key.
cat >"$WORK/backend.py" <<'PY'
import http.server, ssl, sys
port, name = int(sys.argv[1]), sys.argv[2]
ctx = None
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (name, fmt % args))

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def finish_request(self, request, client_address):
        if ctx is not None:  # the handshake in the connection's thread, not in accept
            request = ctx.wrap_socket(request, server_side=True)
        super().finish_request(request, client_address)
    def handle_error(self, request, client_address):
        pass  # health checks connect and hang up

Server(("127.0.0.1", port), Handler).serve_forever()
PY

# start_backend NAME PORT [CERT KEY]: sets BACKEND_PID.
start_backend() {
  python3 "$WORK/backend.py" "$2" "$1" "${@:3}" >>"$LOGS/backend-$1.log" 2>&1 &
  BACKEND_PID=$!; track_pid "$BACKEND_PID"
  wait_listening "$2" "$BACKEND_PID" "backend $1"
}

# names N URL [curl args]: N separate connections (one curl each), one answer a line.
names() {
  local n=$1 url=$2 i
  shift 2
  for ((i = 0; i < n; i++)); do
    curl -fsS --max-time 5 "$@" "$url" || fail "connection $((i + 1)) of $n to $url failed"
  done
}

case_begin "postgres: a cluster of its own, queries, another database"
start_postgres
[[ "$(pg_sql "SELECT 1")" == 1 ]] || fail "SELECT 1"
[[ "$PG_URL" == "postgres://acmekit@127.0.0.1:$PG_PORT/acmekit" ]] || fail "PG_URL is $PG_URL"
[[ "$(pg_sql "SELECT current_user || ' ' || current_database()")" == "acmekit acmekit" ]] || fail "not acmekit@acmekit"
if [[ "$(id -u)" -eq 0 ]]; then
  [[ "$(stat -c %U "/proc/$PG_PID")" == nobody ]] || fail "postgres runs as $(stat -c %U "/proc/$PG_PID"), not nobody"
  [[ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$PG_PID/status")" == 65534655346553465534 ]] \
    || fail "postgres keeps a privileged uid: $(grep ^Uid: "/proc/$PG_PID/status")"
fi
[[ "$(ss -Hltn "sport = :$PG_PORT" | awk '{print $4}')" == "127.0.0.1:$PG_PORT" ]] \
  || fail "postgres listens elsewhere than 127.0.0.1:$PG_PORT: $(ss -Hltn "sport = :$PG_PORT")"
[[ -S "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT" ]] || fail "no unix socket in $PG_SOCKET_DIR"
pg_sql "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one'), (2, 'two')"
[[ "$(pg_sql "SELECT id, v FROM t ORDER BY id" | tr '\n' ' ')" == "1|one 2|two " ]] || fail "rows of t"
other=$(pg_create_db other_db)
[[ "$other" == "postgres://acmekit@127.0.0.1:$PG_PORT/other_db" ]] || fail "pg_create_db printed $other"
[[ "$(pg_sql "SELECT current_database()" "$other")" == other_db ]] || fail "not connected to other_db"
pg_sql "CREATE TABLE u (x int)" "$other"
[[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename = 't'" "$other")" == 0 ]] || fail "databases share tables"
if (pg_sql "SELECT * FROM no_such_table") 2>/dev/null; then fail "pg_sql did not fail on an error"; fi
case_pass

case_begin "postgres: restart on the same port keeps the data"
port=$PG_PORT old_pid=$PG_PID
restart_postgres
[[ "$PG_PORT" == "$port" ]] || fail "port changed: $port -> $PG_PORT"
[[ "$PG_PID" != "$old_pid" ]] || fail "PG_PID did not change"
_pid_alive "$old_pid" && fail "the old postmaster $old_pid still runs"
[[ "$(pg_sql "SELECT v FROM t WHERE id = 2")" == two ]] || fail "data lost across the restart"
case_pass

case_begin "postgres: kill -9 (postmaster and children), committed data recovered"
pg_sql "INSERT INTO t VALUES (3, 'three')"
old_pid=$PG_PID
children=$(ps -o pid= --ppid "$PG_PID" | tr -d ' ')
[[ -n "$children" ]] || fail "postgres has no server processes"
kill_postgres
for c in $old_pid $children; do _pid_alive "$c" && fail "postgres process $c survived kill_postgres"; done
assert_port_free "$PG_PORT"
start_postgres
[[ "$PG_PORT" == "$port" ]] || fail "port changed after the crash"
grep -q 'not properly shut down\|automatic recovery' "$PG_LOG" || fail "no crash recovery in $PG_LOG"
[[ "$(pg_sql "SELECT count(*) FROM t")" == 3 ]] || fail "committed row lost in the crash"
stop_postgres
assert_port_free "$PG_PORT"
case_pass

case_begin "haproxy tcp: round robin, a killed backend leaves and comes back"
P1=$(free_port) P2=$(free_port)
start_backend b1 "$P1"; B1_PID=$BACKEND_PID
start_backend b2 "$P2"
start_haproxy tcp 0 "$P1" "$P2"
[[ "$(ss -Hltn "sport = :$HAPROXY_PORT" | awk '{print $4}')" == "127.0.0.1:$HAPROXY_PORT" ]] || fail "haproxy not on 127.0.0.1"
haproxy_wait_server s1 UP; haproxy_wait_server s2 UP
got=$(names 6 "http://127.0.0.1:$HAPROXY_PORT/" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
[[ "$got" == "b1=3 b2=3 " ]] || fail "6 connections were balanced $got, not 3 and 3"
stop_pid "$B1_PID" 5 KILL
# At once, before a health check notices: refused connections are redispatched.
got=$(names 6 "http://127.0.0.1:$HAPROXY_PORT/" | sort -u | tr '\n' ' ')
[[ "$got" == "b2 " ]] || fail "with b1 dead, answers came from: $got"
haproxy_wait_server s1 DOWN 5
grep -q 'Server be/s1 is DOWN' "$HAPROXY_LOG" || fail "haproxy did not log s1 DOWN"
start_backend b1 "$P1"
haproxy_wait_server s1 UP 5
# Back in rotation. (Not strictly alternating at once: haproxy's weighted
# round robin may hand a returning server a few connections in a row.)
seen=()
for ((i = 0; i < 20; i++)); do
  seen+=("$(names 1 "http://127.0.0.1:$HAPROXY_PORT/")")
  got=$(printf '%s\n' "${seen[@]}" | sort -u | tr '\n' ' ')
  [[ "$got" == "b1 b2 " ]] && break
done
[[ "$got" == "b1 b2 " ]] || fail "20 connections after b1 came back reached only: $got"
stop_haproxy
assert_port_free "$HAPROXY_PORT"
case_pass

case_begin "haproxy http: TLS both sides, per-request balancing on one connection"
make_tls_ca
P3=$(free_port) P4=$(free_port)
start_backend b3 "$P3" "$TLS_CERT" "$TLS_KEY"; B3_PID=$BACKEND_PID
start_backend b4 "$P4" "$TLS_CERT" "$TLS_KEY"
HAPROXY_BACKEND_CA=$TLS_CA HAPROXY_BACKEND_SNI=localhost start_haproxy http 0 "$P3" "$P4"
haproxy_wait_server s1 UP; haproxy_wait_server s2 UP
url="https://127.0.0.1:$HAPROXY_PORT/id"
for proto in --http1.1 --http2; do
  # One curl, six URLs: one connection (num_connects is 0 on reuse).
  out=$(curl -fsS --max-time 10 --cacert "$TLS_CA" "$proto" -w 'connects=%{num_connects} http=%{http_version}\n' \
    "$url" "$url" "$url" "$url" "$url" "$url") || fail "curl $proto through haproxy failed"
  [[ "$(grep -c '^connects=1 ' <<<"$out")" == 1 && "$(grep -c '^connects=0 ' <<<"$out")" == 5 ]] \
    || fail "$proto: the six requests did not share one connection:
$out"
  got=$(grep '^b' <<<"$out" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
  [[ "$got" == "b3=3 b4=3 " ]] || fail "$proto: six requests on one connection were balanced $got, not 3 and 3:
$out"
done
stop_pid "$B3_PID" 5 KILL
out=$(curl -fsS --max-time 10 --cacert "$TLS_CA" "$url" "$url" "$url" "$url") || fail "requests failed with b3 dead"
[[ "$(sort -u <<<"$out")" == b4 ]] || fail "with b3 dead, answers: $out"
stop_haproxy
case_pass

case_begin "haproxy http: a backend whose certificate does not verify is not used"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/other-ca.key" \
  -out "$WORK/other-ca.pem" -days 1 -subj "/CN=another CA" >>"$LOGS/openssl.log" 2>&1 || fail "openssl"
HAPROXY_BACKEND_CA=$WORK/other-ca.pem start_haproxy http 0 "$P4"
haproxy_wait_server s1 DOWN 5
code=$(curl -sS --max-time 10 --cacert "$TLS_CA" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$HAPROXY_PORT/id" || true)
[[ "$code" == 503 ]] || fail "through a backend with an unverifiable certificate: HTTP $code, expected 503"
case_pass
