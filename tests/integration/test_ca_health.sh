#!/usr/bin/env bash
# acmekit-ca's GET /health on the management listener: 200 while the CA can
# read and write its database; 503 with the reason when it cannot (its disk
# is full, another process holds the database's write lock past the busy
# timeout), while the ACME listener keeps answering; 200 again once the
# cause is gone, and a certificate issues. The data dir is a small tmpfs in
# this test's own mount namespace, so "disk full" is real.
if [[ -z ${ACMEKIT_HEALTH_IN_NS:-} ]]; then
  exec env ACMEKIT_HEALTH_IN_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
require_cmd python3
# The tmpfs goes before the harness removes the work dir.
trap 'rc=$?; umount -l "$WORK/data" 2>/dev/null; (exit $rc); _e2e_cleanup' EXIT

health() {  # health: "STATUS BODY" of GET /health
  curl -sS --max-time 20 -o "$WORK/health.json" -w '%{http_code}' "http://127.0.0.1:$CA_MGMT_PORT/health"
}

case_begin "a healthy CA answers 200, and /health and /metrics only to GET and HEAD"
mkdir -p "$WORK/data"
mount -t tmpfs -o size=6m,mode=0700 tmpfs "$WORK/data" || fail "cannot mount a tmpfs (needs root)"
NAME=health.acmekit.test
ca_hosts_add "$NAME"
CA_DATA="$WORK/data/ca" start_acmekit_ca --retry-after 0
[[ $(health) == 200 ]] || fail "/health: $(cat "$WORK/health.json")"
[[ $(jq -r .status "$WORK/health.json") == ok ]] || fail "/health body: $(cat "$WORK/health.json")"
[[ $(curl -sS -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$CA_MGMT_PORT/health") == 200 ]] || fail "HEAD /health"
[[ $(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$CA_MGMT_PORT/health") == 405 ]] || fail "POST /health not 405"
[[ $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CA_MGMT_PORT/nope") == 404 ]] || fail "/nope not 404"
grep -q '^acmekit_ca_' <<<"$(curl -fsS "http://127.0.0.1:$CA_MGMT_PORT/metrics")" || fail "/metrics lost its counters"
case_pass

case_begin "disk full: 503 naming it; the ACME listener still answers; 200 once there is room"
dd if=/dev/zero of="$WORK/data/filler" bs=64k >/dev/null 2>&1 || true
[[ $(df --output=avail -k "$WORK/data" | tail -n 1 | tr -d ' ') -lt 64 ]] || fail "the tmpfs did not fill"
code=$(health)
[[ $code == 503 ]] || fail "/health with a full disk: $code $(cat "$WORK/health.json")"
[[ $(jq -r .status "$WORK/health.json") == unavailable ]] || fail "body: $(cat "$WORK/health.json")"
grep -qi 'full' <<<"$(jq -r .detail "$WORK/health.json")" || fail "the detail does not say the disk is full: $(cat "$WORK/health.json")"
curl -fsS --cacert "$CA_ROOT" -o /dev/null "$CA_DIR_URL" || fail "the directory is not served with a full disk"
# A request that must write fails with an ACME problem, and the CA lives on.
use_ca_client
if "$ACMEKIT_BIN" register "${COMMON[@]}" >"$LOGS/register-full.log" 2>&1; then
  fail "an account was registered on a full disk"
fi
_pid_alive "$CA_PID" || fail "the CA died on a full disk"
rm -f "$WORK/data/filler"
[[ $(health) == 200 ]] || fail "/health after freeing space: $(cat "$WORK/health.json")"
case_pass

case_begin "the write lock held by another process past the busy timeout: 503, then 200"
# Like a long backup or a stuck maintenance job: BEGIN IMMEDIATE, then sleep.
python3 - "$CA_DATA/acmekit-ca.db" "$WORK/locked" <<'PY' &
import sqlite3, sys, time, pathlib
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
pathlib.Path(sys.argv[2]).touch()
time.sleep(8)
db.execute("ROLLBACK")
PY
LOCK_PID=$!; track_pid "$LOCK_PID"
for _ in $(seq 1 100); do [[ -e $WORK/locked ]] && break; sleep 0.05; done
[[ -e $WORK/locked ]] || fail "the lock holder did not start"
code=$(health)
[[ $code == 503 ]] || fail "/health while another process holds the write lock: $code $(cat "$WORK/health.json")"
grep -qi 'locked\|busy' <<<"$(jq -r .detail "$WORK/health.json")" || fail "the detail does not say locked: $(cat "$WORK/health.json")"
wait "$LOCK_PID" || fail "the lock holder failed"
[[ $(health) == 200 ]] || fail "/health after the lock is gone: $(cat "$WORK/health.json")"
case_pass

case_begin "after all that, a certificate issues and verifies"
"$ACMEKIT_BIN" certonly "${COMMON[@]}" "${STANDALONE[@]}" -d "$NAME" >"$LOGS/certonly.log" 2>&1 \
  || fail "certonly failed: $(tail -3 "$LOGS/certonly.log")"
openssl verify -CAfile "$CA_ROOT" -untrusted "$CFG/live/$NAME/chain.pem" "$CFG/live/$NAME/cert.pem" >/dev/null \
  || fail "the certificate does not verify"
case_pass
stop_acmekit_ca
