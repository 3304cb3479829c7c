#!/usr/bin/env bash
# The config dir's writer lock (client/store/config_lock.h): ten acmekit
# processes at once on one config dir against the real Pebble, as a daemon,
# a cron `renew` and a person at the shell would run them: three forced
# renewals of the same lineage, a forced renewal of another, certonly of two
# new names, two revokes (certificates kept) and two deletes of other
# lineages; every renew scans the whole index while the revokes and deletes
# change it. Three rounds. Afterwards every lineage is valid, live/ points
# at its newest archive version, every renewal got its own version, the
# deleted lineages are gone, the revocations are recorded, and a renew over
# the index decides and writes what it does over a rebuilt one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$E2E_LIB_DIR/lib_lifecycle.sh"
require_acmekit
start_pebble
lifecycle_use pebble

ROOT="$WORK/webroot"
mkdir -p "$ROOT"
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT"
CFG="$WORK/config"
mapfile -t COMMON < <(common_args "$CFG")
WEB=(--webroot -w "$ROOT")

# versions NAME: the archive versions of lineage NAME, one per line, sorted.
versions() {
  find "$CFG/archive/$1" -maxdepth 1 -name 'cert*.pem' -printf '%f\n' \
    | sed 's/^cert\([0-9]*\)\.pem$/\1/' | sort -n
}

# assert_newest NAME: live/NAME's four links point at the newest version, and
# that version is complete and verifies.
assert_newest() {
  local name=$1 newest f
  newest=$(versions "$name" | tail -n1)
  assert_live_layout "$CFG" "$name"
  for f in cert chain fullchain privkey; do
    [[ "$(readlink -f "$CFG/live/$name/$f.pem")" == "$(readlink -f "$CFG/archive/$name/$f$newest.pem")" ]] \
      || fail "live/$name/$f.pem points to $(readlink "$CFG/live/$name/$f.pem"), not to version $newest"
  done
  assert_cert_ok "$CFG/live/$name" "$PEBBLE_ROOT" "$name"
}

# index_agrees: a renew scan over the index the processes left decides the
# same as a scan with no index (the revoked lineages due, the others not),
# and writes the same index. Dry runs: live/ stays as it is.
index_agrees() {
  local filter='{renewed: (.renewed | sort), due: (.due | sort_by(.cert_name)), not_due: (.not_due | sort), failed}'
  run_acmekit renew --dry-run "${COMMON[@]}" --json
  assert_success
  json_get "$filter" >"$WORK/renew-cached.json"
  cp "$CFG/.index/lineages.tsv" "$WORK/index-cached.tsv" || fail "no index after a renew scan"
  rm -f "$CFG/.index/lineages.tsv"
  run_acmekit renew --dry-run "${COMMON[@]}" --json
  assert_success
  json_get "$filter" >"$WORK/renew-rebuilt.json"
  diff -u "$WORK/renew-cached.json" "$WORK/renew-rebuilt.json" >&2 \
    || fail "renew over the index decides otherwise than over a rebuilt one (diff above)"
  diff -u "$WORK/index-cached.tsv" "$CFG/.index/lineages.tsv" >&2 \
    || fail "the index left by the concurrent runs differs from a rebuild (diff above)"
}

# run_bg TAG ARGS...: start acmekit in the background; PIDS[TAG]=pid.
declare -A PIDS=()
run_bg() {
  local tag=$1; shift
  printf '%q ' "$ACMEKIT_BIN" "$@" >"$LOGS/bg-$tag.cmd"
  timeout -k 5 300 "$ACMEKIT_BIN" "$@" >"$LOGS/bg-$tag.out" 2>"$LOGS/bg-$tag.err" </dev/null &
  PIDS[$tag]=$!
}
# wait_all: every background run exits 0, or the test fails naming it.
wait_all() {
  local tag rc failed=""
  for tag in "${!PIDS[@]}"; do
    rc=0; wait "${PIDS[$tag]}" || rc=$?
    if [[ $rc -ne 0 ]]; then
      failed+="
  $tag exited $rc: $(cat "$LOGS/bg-$tag.cmd")
$(sed 's/^/    | /' "$LOGS/bg-$tag.err" | tail -n 20)"
    fi
  done
  PIDS=()
  [[ -z "$failed" ]] || fail "concurrent runs failed:$failed"
}

for round in 1 2 3; do
  case_begin "round $round: issue the lineages the concurrent runs will work on"
  for n in r1 r2 v1 v2 d1 d2; do
    run_acmekit certonly -d "$n.r$round.conc.test" "${WEB[@]}" "${COMMON[@]}"
    assert_success
  done
  case_pass

  case_begin "round $round: ten processes at once on one config dir"
  R=".r$round.conc.test"
  declare -A before=()
  for n in r1 r2; do before[$n]=$(versions "$n$R" | wc -l); done
  cp "$CFG/live/v1$R/cert.pem" "$WORK/v1-$round.pem"
  cp "$CFG/live/v2$R/cert.pem" "$WORK/v2-$round.pem"
  run_bg renew-r1-a renew --force-renewal --cert-name "r1$R" "${COMMON[@]}"
  run_bg renew-r1-b renew --force-renewal --cert-name "r1$R" "${COMMON[@]}"
  run_bg renew-r2 renew --force-renewal --cert-name "r2$R" "${COMMON[@]}"
  run_bg renew-r1-c renew --force-renewal --cert-name "r1$R" "${COMMON[@]}"
  run_bg certonly-n1 certonly -d "n1$R" "${WEB[@]}" "${COMMON[@]}"
  run_bg certonly-n2 certonly -d "n2$R" "${WEB[@]}" "${COMMON[@]}"
  run_bg revoke-v1 revoke --cert-name "v1$R" --config-dir "$CFG" --ca-bundle "$TLS_CA" --non-interactive
  run_bg revoke-v2 revoke --cert-name "v2$R" --config-dir "$CFG" --ca-bundle "$TLS_CA" --non-interactive
  run_bg delete-d1 delete --cert-name "d1$R" --config-dir "$CFG" --non-interactive
  run_bg delete-d2 delete --cert-name "d2$R" --config-dir "$CFG" --non-interactive
  wait_all
  case_pass

  case_begin "round $round: every renewal got its own version, live/ is the newest, all verify"
  [[ "$(versions "r1$R" | wc -l)" -eq $((before[r1] + 3)) ]] \
    || fail "r1 was renewed three times at once but has versions: $(versions "r1$R" | xargs)"
  [[ "$(versions "r2$R" | wc -l)" -eq $((before[r2] + 1)) ]] \
    || fail "r2 has versions $(versions "r2$R" | xargs), expected $((before[r2] + 1))"
  # Each version is a distinct certificate (no version overwritten by another run).
  dups=$(for f in "$CFG/archive/r1$R"/cert*.pem; do openssl x509 -in "$f" -noout -serial; done | sort | uniq -d)
  [[ -z "$dups" ]] || fail "two archive versions of r1 hold the same certificate: $dups"
  for n in r1 r2 n1 n2 v1 v2; do assert_newest "$n$R"; done
  case_pass

  case_begin "round $round: deleted lineages are gone, revocations are recorded and at the CA"
  assert_no_live "$CFG" "d1$R"
  assert_no_live "$CFG" "d2$R"
  for n in v1 v2; do
    [[ "$(lc_cert_status "$WORK/$n-$round.pem")" == revoked ]] || fail "the CA does not show $n$R revoked"
  done
  run_acmekit certificates --config-dir "$CFG" --json
  assert_success
  for n in v1 v2; do
    [[ "$(json_get ".certificates[] | select(.cert_name == \"$n$R\") | .revoked")" == true ]] \
      || fail "acmekit certificates does not show $n$R revoked: $(cat "$ACME_OUT")"
  done
  case_pass

  case_begin "round $round: the index agrees with a rebuild"
  index_agrees
  case_pass
done

case_begin "a plain renew renews exactly the revoked lineages, then nothing"
run_acmekit renew "${COMMON[@]}" --json
assert_success
got=$(json_get '.renewed | sort | join(",")')
want=$(printf '%s\n' v{1,2}.r{1,2,3}.conc.test | sort | paste -sd,)
[[ "$got" == "$want" ]] || fail "renew renewed '$got', expected the revoked lineages $want: $(cat "$ACME_OUT")"
run_acmekit renew "${COMMON[@]}" --json
assert_success
[[ "$(json_get '.renewed | length')" == 0 ]] || fail "a second renew renewed again: $(cat "$ACME_OUT")"
index_agrees
case_pass

