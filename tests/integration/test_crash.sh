#!/usr/bin/env bash
# kill -9 in the middle of a renewal, at several points (after the new key is
# made, after finalize, after the archive files are written, just before the
# live/ switch): live/ still holds a matching certificate and key that
# verify, and the next run completes. ACMEKIT_TEST_STOP_AT makes acmekit
# SIGSTOP itself at the named point; the test then SIGKILLs it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
start_pebble

use_pebble_client
lifecycle_use pebble
NAME=crash.test

case_begin "issue the lineage"
run_acmekit certonly -d "$NAME" -d "www.$NAME" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
case_pass

for point in after-key after-finalize install-archived install-before-switch; do
  case_begin "kill -9 at $point"
  lc_crash_and_recover "$point" "$NAME" "$NAME" "www.$NAME"
  case_pass
done
