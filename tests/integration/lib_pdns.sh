# shellcheck shell=bash
# PowerDNS Authoritative (Debian's pdns-server + pdns-backend-sqlite3) for the
# DNS provider tests: a pdns_server the test starts itself, in the foreground
# (--daemon=no --guardian=no), all its files under $WORK/pdns, stopped by PID
# (lib.sh's track_pid). It answers DNS on ADDR port 53 (inside enter_netns's
# namespace, lib_bind.sh, so the zone's NS address is the real port the
# propagation check and Pebble ask) and its HTTP API on 127.0.0.1:PDNS_API_PORT
# (a free port) with the key PDNS_API_KEY. Its packet cache is off
# (--cache-ttl=0): an API change purges the cached answers of its own zone,
# not those of a CNAME's owner in another zone (_acme-challenge.alias.example.test
# -> alias.delegate.test kept its NXDOMAIN for cache-ttl, 20 s by default,
# while acmekit's RD=0 check at the target already saw the record).
#
#   start_pdns 127.0.0.2          # sets PDNS_PID PDNS_API_PORT PDNS_API_URL PDNS_API_KEY
#   pdns_create_zone example.test 127.0.0.2   # NS ns1.ZONE, ns1.ZONE A ADDR
#   pdns_api GET /zones/example.test.          # curl on the API, prints the body
#   dig_txt 127.0.0.2 _acme-challenge.example.test   (lib_bind.sh)

require_pdns() { require_cmd pdns_server sqlite3 curl jq dig; }

# start_pdns ADDR: a fresh sqlite database, pdns_server on ADDR:53 and its
# API; waits until the API answers.
start_pdns() {
  local addr=$1 dir="$WORK/pdns" schema i
  require_pdns
  mkdir -p "$dir"
  schema=/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql
  [[ -f "$schema" ]] || schema=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  sqlite3 "$dir/pdns.sqlite3" <"$schema" || fail "cannot create the pdns database from $schema"
  : >"$dir/pdns.conf"  # --config-dir: an empty configuration, everything on the command line
  PDNS_API_PORT=$(free_port)
  PDNS_API_KEY="pdns-test-key-$RANDOM$RANDOM"
  pdns_server --config-dir="$dir" --socket-dir="$dir" --guardian=no --daemon=no --disable-syslog \
    --write-pid=no --local-address="$addr" --local-port=53 --cache-ttl=0 \
    --launch=gsqlite3 --gsqlite3-database="$dir/pdns.sqlite3" \
    --api=yes --api-key="$PDNS_API_KEY" --webserver=yes --webserver-address=127.0.0.1 \
    --webserver-port="$PDNS_API_PORT" --webserver-allow-from=127.0.0.0/8 \
    >"$LOGS/pdns.log" 2>&1 &
  PDNS_PID=$!
  track_pid "$PDNS_PID"
  PDNS_API_URL="http://127.0.0.1:$PDNS_API_PORT"
  for ((i = 0; i < 200; i++)); do
    if curl -fsS -o /dev/null --max-time 2 -H "X-API-Key: $PDNS_API_KEY" \
      "$PDNS_API_URL/api/v1/servers/localhost" 2>/dev/null; then
      log "pdns_server up: DNS $addr:53, API $PDNS_API_URL (pid $PDNS_PID)"
      return 0
    fi
    _pid_alive "$PDNS_PID" || fail "pdns_server exited at startup:
$(tail -n 20 "$LOGS/pdns.log")"
    sleep 0.1
  done
  fail "pdns_server's API did not answer within 20 s"
}

stop_pdns() { stop_pid "${PDNS_PID:-}"; }

# pdns_api METHOD PATH [BODY]: one API call (PATH after /api/v1/servers/localhost);
# fails the test on an HTTP error; prints the body.
pdns_api() {
  local method=$1 path=$2 body=${3:-}
  curl -fsS --max-time 10 -X "$method" -H "X-API-Key: $PDNS_API_KEY" -H 'Content-Type: application/json' \
    ${body:+--data "$body"} "$PDNS_API_URL/api/v1/servers/localhost$path" \
    || fail "pdns API $method $path failed"
}

# pdns_create_zone ZONE ADDR: a Native zone served by ns1.ZONE (A ADDR).
pdns_create_zone() {
  local zone=$1 addr=$2
  pdns_api POST /zones "$(jq -n --arg z "$zone." --arg a "$addr" '{name: $z, kind: "Native",
    nameservers: ["ns1." + $z],
    rrsets: [{name: ("ns1." + $z), type: "A", ttl: 60, changetype: "REPLACE",
              records: [{content: $a, disabled: false}]}]}')" >/dev/null
  local i
  for ((i = 0; i < 50; i++)); do
    dig +norec +short -p 53 "@$addr" SOA "$zone" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  fail "pdns does not serve the SOA of $zone at $addr"
}

# pdns_set_txt NAME VALUE...: REPLACE the TXT set at NAME (zone example.test).
pdns_set_txt() {
  local name=$1 zone=$2; shift 2
  local records
  records=$(printf '%s\n' "$@" | jq -R '{content: ("\"" + . + "\""), disabled: false}' | jq -s .)
  pdns_api PATCH "/zones/$zone." "$(jq -n --arg n "$name." --argjson r "$records" \
    '{rrsets: [{name: $n, type: "TXT", ttl: 60, changetype: "REPLACE", records: $r}]}')" >/dev/null
}

# start_fake_api NAME ARG...: runs tests/integration/fake_NAME.py PORT_FILE ARG...
# over HTTPS (fake_common.py; the certificate of lib.sh's make_tls_ca, which
# acmekit trusts through COMMON's --ca-bundle), waits for its port and sets
# FAKE_API_ORIGIN=https://127.0.0.1:PORT. Its output goes to $LOGS/fake_ID.log,
# ID being FAKE_INSTANCE when set (two accounts of one provider: two fakes
# of the same NAME, each its own ID), NAME otherwise.
start_fake_api() {
  local name=$1 id=${FAKE_INSTANCE:-$1} i; shift
  require_cmd python3
  make_tls_ca
  rm -f "$WORK/fake_$id.port"
  FAKE_TLS_CERT="$TLS_CERT" FAKE_TLS_KEY="$TLS_KEY" \
    python3 "$E2E_LIB_DIR/fake_$name.py" "$WORK/fake_$id.port" "$@" >"$LOGS/fake_$id.log" 2>&1 &
  track_pid $!
  for ((i = 0; i < 100; i++)); do [[ -s "$WORK/fake_$id.port" ]] && break; sleep 0.1; done
  [[ -s "$WORK/fake_$id.port" ]] || fail "fake_$name.py ($id) did not start: $(cat "$LOGS/fake_$id.log")"
  FAKE_API_ORIGIN="https://127.0.0.1:$(cat "$WORK/fake_$id.port")"
}
