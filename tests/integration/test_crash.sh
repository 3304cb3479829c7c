#!/usr/bin/env bash
# kill -9 in the middle of a renewal, at several points (after the new key is
# made, after finalize, after the archive files are written, just before the
# live/ switch): live/ still holds a matching certificate and key that
# verify, and the next run completes. ACMEKIT_TEST_STOP_AT makes acmekit
# SIGSTOP itself at the named point; the test then SIGKILLs it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

use_pebble_client
NAME=crash.test

case_begin "issue the lineage"
run_acmekit certonly -d "$NAME" -d "www.$NAME" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
case_pass

# stop_and_kill POINT: renew until acmekit stops itself at POINT, then kill -9.
stop_and_kill() {
  local point=$1 pid state i
  ACMEKIT_TEST_STOP_AT=$point "$ACMEKIT_BIN" renew --force-renewal "${COMMON[@]}" \
    >"$LOGS/crash-$point.out" 2>"$LOGS/crash-$point.err" </dev/null &
  pid=$!
  track_pid "$pid"
  for ((i = 0; i < 600; i++)); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1) || state=""
    [[ "$state" == T ]] && break
    _pid_alive "$pid" || fail "acmekit exited before reaching the stop point $point: $(cat "$LOGS/crash-$point.err")"
    sleep 0.1
  done
  [[ "$state" == T ]] || fail "acmekit never reached the stop point $point"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
}

for point in after-key after-finalize install-archived install-before-switch; do
  case_begin "kill -9 at $point"
  before_serial=$(cert_serial "$CFG/live/$NAME/cert.pem")
  stop_and_kill "$point"
  # What nginx would read right now: the old certificate, intact, matching its key.
  assert_cert_ok "$CFG/live/$NAME" "$PEBBLE_ROOT" "$NAME" "www.$NAME"
  [[ "$(cert_serial "$CFG/live/$NAME/cert.pem")" == "$before_serial" ]] \
    || fail "live/ changed although the renewal was killed before the switch"
  # The next run completes.
  run_acmekit renew --force-renewal "${COMMON[@]}" --json
  assert_success
  assert_cert_ok "$CFG/live/$NAME" "$PEBBLE_ROOT" "$NAME" "www.$NAME"
  [[ "$(cert_serial "$CFG/live/$NAME/cert.pem")" != "$before_serial" ]] || fail "the next renewal did not install a new certificate"
  case_pass
done
