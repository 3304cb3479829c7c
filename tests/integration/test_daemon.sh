#!/usr/bin/env bash
# acmekit daemon against the real Pebble: it renews a due lineage by itself,
# /metrics reports it (Prometheus text format), SIGTERM stops it cleanly.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble '{"certificateValidityPeriod": 3600}'
use_pebble_client

case_begin "issue a one-hour certificate"
run_acmekit certonly -d daemon.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
SERIAL1=$(cert_serial "$CFG/live/daemon.test/cert.pem")
case_pass

case_begin "the daemon renews it when due and says so in /metrics"
# 45 minutes ahead: less than a third of the hour left, so it is due. The
# metrics listener binds port 0 and the daemon logs the port it got.
ACMEKIT_FAKE_NOW=$(( $(date +%s) + 2700 )) "$ACMEKIT_BIN" daemon --config-dir "$CFG" \
  --metrics-listen "127.0.0.1:0" --jitter 0 --check-interval 3600 \
  >"$LOGS/daemon.out" 2>"$LOGS/daemon.log" </dev/null &
DAEMON_PID=$!
track_pid "$DAEMON_PID"
MPORT=""
for ((i = 0; i < 100; i++)); do
  # (The background shell may not have opened the log yet.)
  MPORT=$(sed -n 's/.*metrics on 127\.0\.0\.1:0 (port \([0-9]*\)).*/\1/p' "$LOGS/daemon.log" 2>/dev/null | head -n 1 || true)
  [[ -n $MPORT ]] && break
  _pid_alive "$DAEMON_PID" || fail "daemon exited: $(tail -5 "$LOGS/daemon.log")"
  sleep 0.1
done
[[ -n $MPORT ]] || fail "the daemon did not log its metrics port"
wait_http "http://127.0.0.1:$MPORT/metrics" "$DAEMON_PID" "acmekit daemon metrics" 30
for ((i = 0; i < 300; i++)); do
  curl -fsS "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" || fail "metrics endpoint stopped answering"
  grep -q '^acmekit_renewal_last_result{lineage="daemon.test"} 1$' "$WORK/metrics.txt" && break
  _pid_alive "$DAEMON_PID" || fail "daemon exited: $(tail -5 "$LOGS/daemon.log")"
  sleep 0.2
done
grep -q '^acmekit_renewal_last_result{lineage="daemon.test"} 1$' "$WORK/metrics.txt" \
  || fail "metrics never showed a successful renewal: $(cat "$WORK/metrics.txt")"
assert_cert_ok "$CFG/live/daemon.test" "$PEBBLE_ROOT" daemon.test
[[ "$(cert_serial "$CFG/live/daemon.test/cert.pem")" != "$SERIAL1" ]] || fail "the daemon did not install a new certificate"
grep -q '^acmekit_certificates_managed 1$' "$WORK/metrics.txt" || fail "managed gauge wrong: $(cat "$WORK/metrics.txt")"
exp=$(sed -n 's/^acmekit_certificate_expiry_seconds{lineage="daemon.test"} //p' "$WORK/metrics.txt")
[[ -n "$exp" && "$exp" -gt 3000 && "$exp" -le 3600 ]] || fail "expiry seconds '$exp' is not the new one-hour certificate's"
grep -q '^# TYPE acmekit_renewal_passes_total counter$' "$WORK/metrics.txt" || fail "no TYPE lines: $(cat "$WORK/metrics.txt")"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")" == 404 ]] || fail "non-metrics path not 404"
[[ "$(curl -fsS "http://127.0.0.1:$MPORT/health" | jq -r .status)" == ok ]] || fail "the daemon's /health is not ok"
case_pass

case_begin "SIGTERM stops it promptly with exit 0"
kill -TERM "$DAEMON_PID"
for ((i = 0; i < 50; i++)); do _pid_alive "$DAEMON_PID" || break; sleep 0.1; done
_pid_alive "$DAEMON_PID" && fail "daemon still running 5 s after SIGTERM"
rc=0; wait "$DAEMON_PID" || rc=$?
[[ $rc -eq 0 ]] || fail "daemon exited $rc after SIGTERM: $(tail -5 "$LOGS/daemon.log")"
case_pass

case_begin "a bad --metrics-listen is refused with a clear error, not a random port"
run_acmekit daemon --config-dir "$CFG" --metrics-listen "127.0.0.1:abc"
[[ $ACME_RC -eq 2 ]] || fail "exit $ACME_RC, expected 2"
grep -q 'invalid listen address "127.0.0.1:abc"' "$ACME_ERR" || fail "unclear error: $(cat "$ACME_ERR")"
case_pass
