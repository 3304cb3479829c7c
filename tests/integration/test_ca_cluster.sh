#!/usr/bin/env bash
# acmekit-ca as a cluster (issue 14): one PostgreSQL, three instances with
# the same CA keys (one data dir copied twice), the same --http01-port and
# hosts file (any instance validates any client's standalone server),
# behind haproxy.
#   a. certbot, lego and acmekit issue, renew and revoke through haproxy in
#      http mode (balanced per request: one client's consecutive requests
#      reach different instances); every certificate verifies to root.pem;
#      each instance's access log shows requests of that run.
#   b. a certificates-per-name-set limit of 3 holds across two instances:
#      10 concurrent orders for one name set, 5 finalized at each instance
#      directly, give exactly 3 certificates in the database, 7 rateLimited.
#   c. PostgreSQL stopped mid-run: /health and an ACME POST get 503 (the
#      POST a problem+json serverInternal with Retry-After); once it is
#      back, the same instances (not restarted) issue again and every
#      certificate issued before is still there.
#   d. ca_loadgen, 64 in flight through haproxy (tcp) for CLUSTER_FAULT_DURATION
#      seconds (default 60) while an instance is killed -9 and started again
#      every CLUSTER_KILL_EVERY seconds (default 10): no order fails (resent
#      requests and badNonce retries allowed, and reported), every
#      certificate received is in the database byte for byte and verifies,
#      and within the validation lease (30 s) plus a few seconds no
#      challenge is left "processing" and no order "processing" (finalizations taken over too).
#
# A kill between an order's finalize claim and its certificate: the claim
# keeps the CSR, and another instance finishes the issuance once the claim
# is 10 s old (RA finalize_lease); the client's polling ends with it.
#
# Env: ACMEKIT_BIN, ACMEKIT_CA_BIN, ACMEKIT_LOADGEN_BIN (bench/ca_loadgen/load_lib.sh),
#      CLUSTER_FAULT_DURATION, CLUSTER_KILL_EVERY, CLUSTER_FAULT_CONCURRENCY.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
source "$ACMEKIT_SOURCE_DIR/bench/ca_loadgen/load_lib.sh"
require_acmekit
require_loadgen
require_cmd certbot lego haproxy python3
python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is needed by acme_raw.py"
raise_fd_limit

FAULT_DURATION=${CLUSTER_FAULT_DURATION:-60}
KILL_EVERY=${CLUSTER_KILL_EVERY:-10}
FAULT_CONCURRENCY=${CLUSTER_FAULT_CONCURRENCY:-64}

start_postgres
start_dns_only  # the loadgen's names o<worker>-<seq>.SUFFIX resolve through it
make_tls_ca     # haproxy's http frontend certificate (127.0.0.1), trusted through TLS_CA

# ------------------------------------------------------------------ instances
N=3
CA_HTTP_PORT=$(free_port); CA_TLS_PORT=$(free_port)
touch "$CA_HOSTS"
declare -a CI_PORT CI_MGMT CI_PID CI_DATA
for i in 1 2 3; do
  CI_PORT[$i]=$(free_port); CI_MGMT[$i]=$(free_port); CI_DATA[$i]="$WORK/ca-$i"
done
HP_HTTP=$(free_port)  # haproxy, http mode (cases a, c)
HP_TCP=$(free_port)   # haproxy, tcp mode (case d)

# start_ca_instance I FLAGS...: instance I on its ports, the shared database,
# the shared validation ports and hosts file; until it serves its directory.
stop_all() { local i; for i in 1 2 3; do stop_ca_instance "$i"; done; }

# The first instance makes the CA (root, intermediate, their keys); the
# others get a copy of its data dir, as an operator would deploy them.
start_ca_instance 1
stop_ca_instance 1
for i in 2 3; do cp -a "${CI_DATA[1]}" "${CI_DATA[$i]}"; done
rm -f "${CI_DATA[2]}/acmekit-ca.db"* "${CI_DATA[3]}/acmekit-ca.db"*
CA_ROOT="${CI_DATA[1]}/root.pem"
INTER="${CI_DATA[1]}/intermediate.pem"
for i in 2 3; do cmp -s "$CA_ROOT" "${CI_DATA[$i]}/root.pem" || fail "data dir copy $i differs"; done
log "CA data dir: $(cd "${CI_DATA[1]}" && echo *)"
# Clients trust haproxy's frontend (TLS_CA) and the instances' listener (root.pem).
TRUST="$WORK/trust.pem"
cat "$TLS_CA" "$CA_ROOT" >"$TRUST"

# requests_in LOG FROM_LINE: access-log lines (one per request) from FROM_LINE on.
requests_in() { tail -n "+$2" "$1" | grep -cE ' (GET|HEAD|POST) /[^ ]* [0-9]{3} acct=' || true; }
log_lines() { wc -l <"$1"; }

# verify_leaf FILE [NAME...]: its first certificate verifies to root.pem
# through the CA's intermediate and names exactly NAME... (if given).
verify_leaf() {
  local f=$1; shift
  local leaf="$WORK/leaf.pem"
  awk '/BEGIN CERT/{n++} n==1' "$f" >"$leaf"
  openssl verify -purpose sslserver -CAfile "$CA_ROOT" -untrusted "$INTER" "$leaf" >/dev/null 2>&1 \
    || fail "$f does not verify: $(openssl verify -CAfile "$CA_ROOT" -untrusted "$INTER" "$leaf" 2>&1)"
  [[ $# -eq 0 || "$(cert_sans "$leaf")" == "$(sorted_names "$@")" ]] || fail "$f names $(cert_sans "$leaf" | xargs), expected $*"
}

# ------------------------------------------------------------------ a. interop through haproxy (http)
EXT_HTTP="https://127.0.0.1:$HP_HTTP"
for i in 1 2 3; do start_ca_instance "$i" --external-url "$EXT_HTTP"; done
HAPROXY_BACKEND_CA="$CA_ROOT" start_haproxy http "$HP_HTTP" "${CI_PORT[1]}" "${CI_PORT[2]}" "${CI_PORT[3]}"
for i in 1 2 3; do haproxy_wait_server "s$i" UP; done
DIR_URL="$EXT_HTTP/directory"
declare -a FROM
for i in 1 2 3; do FROM[$i]=$(($(log_lines "$LOGS/ca-$i.log") + 1)); done
ca_hosts_add certbot.cluster.test www.certbot.cluster.test lego.cluster.test acmekit.cluster.test

case_begin "a. certbot through haproxy (http, per request): issue, renew, revoke"
CB="$WORK/certbot"
certbot_run() {
  REQUESTS_CA_BUNDLE="$TRUST" timeout 180 certbot "$@" --server "$DIR_URL" --config-dir "$CB/config" \
    --work-dir "$CB/work" --logs-dir "$CB/logs" --non-interactive >"$LOGS/certbot.out" 2>&1 \
    || fail "certbot $1 failed: $(tail -n 20 "$LOGS/certbot.out")"
}
certbot_run certonly --standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1 \
  --agree-tos --register-unsafely-without-email -d certbot.cluster.test -d www.certbot.cluster.test
verify_leaf "$CB/config/live/certbot.cluster.test/fullchain.pem" certbot.cluster.test www.certbot.cluster.test
before=$(cert_serial "$CB/config/live/certbot.cluster.test/cert.pem")
certbot_run renew --force-renewal --no-random-sleep-on-renew
after=$(cert_serial "$CB/config/live/certbot.cluster.test/cert.pem")
[[ "$before" != "$after" ]] || fail "certbot renew did not replace the certificate"
verify_leaf "$CB/config/live/certbot.cluster.test/fullchain.pem" certbot.cluster.test www.certbot.cluster.test
cp "$CB/config/live/certbot.cluster.test/cert.pem" "$WORK/certbot-cert.pem"
certbot_run revoke --cert-path "$WORK/certbot-cert.pem" --reason keycompromise --no-delete-after-revoke
CA_DATA=${CI_DATA[1]} CA_DATABASE=postgres
[[ "$(ca_cert_status "$WORK/certbot-cert.pem")" == revoked ]] || fail "certbot's certificate is not revoked in the database"
case_pass

case_begin "a. lego through haproxy: run, renew, revoke"
LG="$WORK/lego"
lego_run() {
  LEGO_CA_CERTIFICATES="$TRUST" timeout 180 lego --server "$DIR_URL" --email lego@cluster.test --accept-tos \
    --domains lego.cluster.test --http --http.port "127.0.0.1:$CA_HTTP_PORT" --path "$LG" "$@" >"$LOGS/lego.out" 2>&1 \
    || fail "lego $1 failed: $(tail -n 20 "$LOGS/lego.out")"
}
lego_run run
verify_leaf "$LG/certificates/lego.cluster.test.crt" lego.cluster.test
before=$(cert_serial "$LG/certificates/lego.cluster.test.crt")
lego_run renew --days 90 --no-random-sleep
after=$(cert_serial "$LG/certificates/lego.cluster.test.crt")
[[ "$before" != "$after" ]] || fail "lego renew did not replace the certificate"
verify_leaf "$LG/certificates/lego.cluster.test.crt" lego.cluster.test
cp "$LG/certificates/lego.cluster.test.crt" "$WORK/lego-cert.pem"
lego_run revoke
[[ "$(ca_cert_status "$WORK/lego-cert.pem")" == revoked ]] || fail "lego's certificate is not revoked in the database"
case_pass

case_begin "a. acmekit through haproxy: certonly, renew, revoke"
CFG="$WORK/acmekit"
COMMON=(--server "$DIR_URL" --ca-bundle "$TRUST" --config-dir "$CFG"
  --register-unsafely-without-email --agree-tos --non-interactive)
STANDALONE=(--standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1)
run_acmekit certonly -d acmekit.cluster.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/acmekit.cluster.test" "$CA_ROOT" acmekit.cluster.test
before=$(cert_serial "$CFG/live/acmekit.cluster.test/cert.pem")
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$TRUST"
assert_success
after=$(cert_serial "$CFG/live/acmekit.cluster.test/cert.pem")
[[ "$before" != "$after" ]] || fail "acmekit renew did not replace the certificate"
assert_cert_ok "$CFG/live/acmekit.cluster.test" "$CA_ROOT" acmekit.cluster.test
cp "$CFG/live/acmekit.cluster.test/cert.pem" "$WORK/acmekit-cert.pem"
run_acmekit revoke --cert-name acmekit.cluster.test --reason superseded --config-dir "$CFG" --ca-bundle "$TRUST"
assert_success
[[ "$(ca_cert_status "$WORK/acmekit-cert.pem")" == revoked ]] || fail "acmekit's certificate is not revoked in the database"
case_pass

case_begin "a. every instance served requests of these runs"
for i in 1 2 3; do
  n=$(requests_in "$LOGS/ca-$i.log" "${FROM[$i]}")
  log "instance $i served $n requests"
  [[ $n -gt 0 ]] || fail "instance $i served no request behind haproxy"
done
issued_a=$(pg_sql "SELECT COUNT(*) FROM certificates")
[[ $issued_a -ge 6 ]] || fail "$issued_a certificates in the database after three clients' issue + renew, expected >= 6"
pg_sql "SELECT id FROM certificates ORDER BY id" >"$WORK/serials-a.txt"
case_pass

# ------------------------------------------------------------------ b. a rate limit across two instances
case_begin "b. certificates per name set (3) across two instances: 10 concurrent orders, exactly 3 certificates"
stop_haproxy
stop_all
for i in 1 2; do start_ca_instance "$i" --rate-limit-certificates-per-name-set 3; done
RL_NAME=rl.cluster.test
ca_hosts_add "$RL_NAME"
# One webroot served on the validation port for all ten clients (their
# standalone servers could not share the port).
WEBROOT="$WORK/webroot"
start_nginx "$WEBROOT" "$CA_HTTP_PORT"
rl_pids=()
for k in $(seq 1 10); do
  i=$((k % 2 + 1))
  (
    cd "$WORK" && exec timeout -k 5 120 "$ACMEKIT_BIN" certonly -d "$RL_NAME" --cert-name "rl-$k" \
      --webroot -w "$WEBROOT" --server "https://127.0.0.1:${CI_PORT[$i]}/directory" --ca-bundle "$CA_ROOT" \
      --config-dir "$WORK/rl-$k" --register-unsafely-without-email --agree-tos --non-interactive
  ) >"$LOGS/rl-$k.out" 2>"$LOGS/rl-$k.err" </dev/null &
  rl_pids+=($!)
done
ok=0 limited=0 other=0
for k in $(seq 1 10); do
  rc=0; wait "${rl_pids[$((k - 1))]}" || rc=$?
  if [[ $rc -eq 0 ]]; then
    ok=$((ok + 1))
    verify_leaf "$WORK/rl-$k/live/rl-$k/fullchain.pem" "$RL_NAME"
  elif grep -q 'rateLimited' "$LOGS/rl-$k.err"; then
    limited=$((limited + 1))
  else
    other=$((other + 1))
    log "client rl-$k failed otherwise (exit $rc): $(grep 'acmekit: error' "$LOGS/rl-$k.err")"
  fi
done
stop_pid "$NGINX_PID"
in_db=$(pg_sql "SELECT COUNT(*) FROM certificates WHERE identifiers LIKE '%\"$RL_NAME\"%'")
log "name set [$RL_NAME]: $ok clients got a certificate, $limited were rateLimited, $other failed otherwise; $in_db certificates in the database"
[[ $in_db -eq 3 ]] || fail "$in_db certificates for [$RL_NAME] in the database, expected exactly 3"
[[ $ok -eq 3 && $limited -eq 7 ]] || fail "$ok clients succeeded and $limited were rateLimited, expected 3 and 7 ($other other failures)"
for i in 1 2; do
  n=$(grep -cE ' POST /acme/(new-order|order/[^ ]*/finalize) [0-9]{3} ' "$LOGS/ca-$i.log" || true)
  [[ $n -gt 0 ]] || fail "instance $i took no new-order or finalize of case b"
done
grep -h 'rateLimited\|too many certificates' "$LOGS"/rl-*.err | head -n 2 | sed 's/^/  /' >&2 || true
case_pass

# ------------------------------------------------------------------ c. PostgreSQL stopped mid-run
case_begin "c. PostgreSQL down: 503 + Retry-After + serverInternal; back up: the same instances issue, nothing lost"
before_c=$(pg_sql "SELECT COUNT(*) FROM certificates")
pg_sql "SELECT id FROM certificates ORDER BY id" >"$WORK/serials-before-c.txt"
stop_postgres
for i in 1 2; do
  code=$(curl -sS -o "$WORK/health-$i.json" -w '%{http_code}' --max-time 20 "http://127.0.0.1:${CI_MGMT[$i]}/health" || true)
  [[ "$code" == 503 ]] || fail "instance $i /health answered $code with the database down, expected 503"
  jq -e '.status == "unavailable"' "$WORK/health-$i.json" >/dev/null || fail "instance $i /health body: $(cat "$WORK/health-$i.json")"
done
nonce_code=$(curl -sS -o /dev/null -I -w '%{http_code}' --max-time 20 --cacert "$CA_ROOT" \
  "https://127.0.0.1:${CI_PORT[1]}/acme/new-nonce" || true)
log "HEAD newNonce with the database down: $nonce_code (stateless nonces need no database)"
# A signed request (newAccount: redeeming its nonce and storing the account
# need the database), as any client sends it.
python3 "$E2E_LIB_DIR/acme_raw.py" --directory "https://127.0.0.1:${CI_PORT[2]}/directory" --ca-bundle "$CA_ROOT" \
  >"$WORK/raw-down.json" 2>"$LOGS/raw-down.err" || fail "acme_raw.py got no answer: $(cat "$LOGS/raw-down.err")"
log "newAccount with the database down: $(cat "$WORK/raw-down.json")"
jq -e '.status == 503 and .type == "urn:ietf:params:acme:error:serverInternal"
       and (.retry_after // "" | test("^[0-9]+$")) and (.content_type // "" | startswith("application/problem+json"))' \
  "$WORK/raw-down.json" >/dev/null || fail "newAccount with the database down: $(cat "$WORK/raw-down.json")"
# acmekit itself, during the outage, reports the CA's problem.
ca_hosts_add after.cluster.test  # (resolved through challtestsrv: the instances read the hosts file at start)
COMMON=(--server "https://127.0.0.1:${CI_PORT[1]}/directory" --ca-bundle "$CA_ROOT" --config-dir "$WORK/acmekit-c"
  --register-unsafely-without-email --agree-tos --non-interactive)
STANDALONE=(--standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1)
ACME_TIMEOUT=60 run_acmekit certonly -d after.cluster.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_failure
assert_error_matches 'serverInternal|503'
start_postgres  # the same port and data
for i in 1 2; do
  wait_http "http://127.0.0.1:${CI_MGMT[$i]}/health" "${CI_PID[$i]}" "acmekit-ca #$i /health after the database came back" 30
done
run_acmekit certonly -d after.cluster.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success "acmekit against an instance that lived through the outage"
assert_cert_ok "$WORK/acmekit-c/live/after.cluster.test" "$CA_ROOT" after.cluster.test
python3 "$E2E_LIB_DIR/acme_raw.py" --directory "https://127.0.0.1:${CI_PORT[2]}/directory" --ca-bundle "$CA_ROOT" \
  >"$WORK/raw-up.json" 2>"$LOGS/raw-up.err" || fail "acme_raw.py got no answer"
jq -e '.status == 201' "$WORK/raw-up.json" >/dev/null || fail "newAccount at instance 2 after the outage: $(cat "$WORK/raw-up.json")"
after_c=$(pg_sql "SELECT COUNT(*) FROM certificates")
[[ $after_c -eq $((before_c + 1)) ]] || fail "$after_c certificates after the outage, expected $before_c + 1"
pg_sql "SELECT id FROM certificates ORDER BY id" >"$WORK/serials-after-c.txt"
missing=$(comm -23 "$WORK/serials-before-c.txt" "$WORK/serials-after-c.txt")
[[ -z "$missing" ]] || fail "certificates lost across the outage: $missing"
for i in 1 2; do _pid_alive "${CI_PID[$i]}" || fail "instance $i died during the outage"; done
case_pass

# ------------------------------------------------------------------ d. kill -9 under load through haproxy (tcp)
case_begin "d. $FAULT_CONCURRENCY in flight through haproxy for $FAULT_DURATION s, an instance killed -9 and restarted every $KILL_EVERY s"
stop_all
EXT_TCP="https://127.0.0.1:$HP_TCP"
D_FLAGS=(--external-url "$EXT_TCP" --authz-reuse 0 --retry-after 0 --rate-limit-new-orders-per-account 0
  --rate-limit-certificates-per-domain 0 --rate-limit-certificates-per-name-set 0)
for i in 1 2 3; do start_ca_instance "$i" "${D_FLAGS[@]}"; done
start_haproxy tcp "$HP_TCP" "${CI_PORT[1]}" "${CI_PORT[2]}" "${CI_PORT[3]}"
for i in 1 2 3; do haproxy_wait_server "s$i" UP; done
CERTS="$WORK/received"
mkdir -p "$CERTS"
( run_loadgen "$WORK/fault.json" "$EXT_TCP/directory" "$CA_ROOT" "$CA_HTTP_PORT" \
    --concurrency "$FAULT_CONCURRENCY" --duration "$FAULT_DURATION" --name-suffix fault.cluster.test \
    --save-certs "$CERTS"; exit "$LOADGEN_RC" ) &
LOADGEN_PID=$!; track_pid "$LOADGEN_PID"
KILLS=0
# Kills at KILL_EVERY, 2*KILL_EVERY, ... seconds into the run (a restart's
# own second does not push the next kill later).
end=$((SECONDS + FAULT_DURATION))
next=$((SECONDS + KILL_EVERY))
while ((next < end)); do
  ((SECONDS >= next)) || sleep $((next - SECONDS))
  next=$((next + KILL_EVERY))
  i=$((KILLS % N + 1))
  _pid_alive "${CI_PID[$i]}" || fail "instance $i died by itself (not killed by the test)"
  kill -KILL "${CI_PID[$i]}"; wait "${CI_PID[$i]}" 2>/dev/null || true
  KILLS=$((KILLS + 1))
  log "killed instance $i (kill $KILLS), starting it again"
  start_ca_instance "$i" "${D_FLAGS[@]}"
done
rc=0; wait "$LOADGEN_PID" || rc=$?
jq -e . "$WORK/fault.json" >/dev/null 2>&1 || fail "ca_loadgen (exit $rc) printed no JSON result:
$(tail -n 20 "$LOGS"/loadgen-*.log)"
completed=$(jq -r .completed "$WORK/fault.json")
failed=$(jq -r .failed "$WORK/fault.json")
log "loadgen: $(loadgen_summary "$WORK/fault.json"); retries $(jq -c .retries "$WORK/fault.json"); $KILLS kills"
[[ $failed -eq 0 ]] || fail "$failed order(s) failed, first errors:
$(jq -r '.errors[]' "$WORK/fault.json")"
[[ $rc -eq 0 ]] || fail "ca_loadgen exited $rc"
[[ $completed -gt 0 ]] || fail "nothing was issued"
[[ $KILLS -ge 1 ]] || fail "no instance was killed (CLUSTER_FAULT_DURATION < CLUSTER_KILL_EVERY?)"
case_pass

case_begin "d. the sweepers leave nothing processing (within the 30 s lease + 10 s)"
processing() {
  pg_sql "SELECT (SELECT COUNT(*) FROM authzs WHERE status = 'pending' AND challenges LIKE '%\"processing\"%')
               || ' ' || (SELECT COUNT(*) FROM orders WHERE status = 'processing')"
}
left=$(processing)
for _ in $(seq 1 80); do
  [[ "$left" == "0 0" ]] && break
  sleep 0.5
  left=$(processing)
done
[[ "$left" == "0 0" ]] || fail "still processing 40 s after the run (challenges, orders): $left"
grep -h 'took over [0-9]* validation' "$LOGS"/ca-*.log | sed 's/^/  /' >&2 || log "note: no kill fell on a validation in flight"
case_pass

case_begin "d. every certificate received is in the database, byte for byte, and verifies"
received=$(find "$CERTS" -name '*.pem' | wc -l)
[[ $received -eq $completed ]] || fail "$received chains saved, the loadgen counted $completed"
pg_sql "SELECT leaf_pem FROM certificates" >"$WORK/db-leaves.pem"
python3 - "$WORK/db-leaves.pem" "$CERTS" <<'EOF' || fail "received certificates missing from the database (above)"
import base64, glob, re, sys
def ders(text):
    return [base64.b64decode("".join(b.split()))
            for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)]
stored = set(ders(open(sys.argv[1]).read()))
missing = [p for p in sorted(glob.glob(sys.argv[2] + "/*.pem")) if ders(open(p).read())[0] not in stored]
for p in missing[:10]:
    print("not in the database:", p, file=sys.stderr)
print(f"{len(stored)} certificates in the database", file=sys.stderr)
sys.exit(1 if missing else 0)
EOF
bad=$(find "$CERTS" -name '*.pem' -print0 | xargs -0 -n 400 openssl verify -CAfile "$CA_ROOT" -untrusted "$INTER" 2>&1 \
  | grep -v ': OK$' || true)
[[ -z "$bad" ]] || fail "received certificates that do not verify:
$(head -n 20 <<<"$bad")"
for i in 1 2 3; do _pid_alive "${CI_PID[$i]}" || fail "instance $i is not running after the run"; done
case_pass
