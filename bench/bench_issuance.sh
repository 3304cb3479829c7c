#!/usr/bin/env bash
# Benchmark (not a test): time acmekit, lego and certbot obtaining a new
# account + one P-256 certificate with standalone http-01 from one local
# Pebble, N rounds each (fresh config dirs every round, tool order rotated).
# Reports medians of wall time, CPU time (user+sys) and peak RSS, and
# acmekit's ratio to each peer.
#
# Usage: bench/bench_issuance.sh [ROUNDS]      (default 5, or $BENCH_ROUNDS)
# Env:   ACMEKIT_BIN   acmekit binary (default: <source>/build/acmekit)
#        BENCH_TOOLS   tools to run (default "acmekit lego certbot")
# Needs (Debian): pebble lego certbot time openssl curl jq iproute2 python3
#
# Pebble runs with PEBBLE_VA_NOSLEEP=1 and PEBBLE_WFE_NONCEREJECT=0 so that
# no client pays for random validation sleeps or badNonce retries.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../tests/integration/lib.sh"
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib_bench.sh"

ROUNDS=${1:-${BENCH_ROUNDS:-5}}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive integer, got '$ROUNDS'"
read -r -a TOOLS <<<"${BENCH_TOOLS:-acmekit lego certbot}"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time not found (Debian package 'time')"
for t in "${TOOLS[@]}"; do
  case $t in
    acmekit) require_acmekit ;;
    lego | certbot) require_cmd "$t" ;;
    *) fail "unknown tool '$t' in BENCH_TOOLS" ;;
  esac
done

export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0
start_pebble
H=$PEBBLE_HTTP_PORT

# run_tool TOOL ROUND: one issuance; appends "wall cpu rss_kb" to $WORK/TOOL.times
run_tool() {
  local tool=$1 r=$2 dir="$WORK/$1-r$2" name="r$2-$1.bench.test" tf="$WORK/time.out"
  local cert chain
  mkdir -p "$dir"
  local -a cmd env=()
  case $tool in
    acmekit)
      cmd=("$ACMEKIT_BIN" certonly --standalone --http-01-port "$H" --http-01-address 127.0.0.1
        --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" --config-dir "$dir/config"
        --register-unsafely-without-email --agree-tos --non-interactive
        --key-type ecdsa --elliptic-curve secp256r1 -d "$name")
      cert="$dir/config/live/$name/cert.pem" chain="$dir/config/live/$name/chain.pem" ;;
    lego)
      env=(LEGO_CA_CERTIFICATES="$TLS_CA")
      cmd=(lego --server "$PEBBLE_DIR_URL" --email e@x.test --accept-tos --domains "$name"
        --http --http.port "127.0.0.1:$H" --key-type ec256 --path "$dir/lego" run)
      cert="$dir/lego/certificates/$name.crt" chain="$dir/lego/certificates/$name.issuer.crt" ;;
    certbot)
      env=(REQUESTS_CA_BUNDLE="$TLS_CA")
      cmd=(certbot certonly --standalone --http-01-port "$H" --http-01-address 127.0.0.1
        --server "$PEBBLE_DIR_URL" --config-dir "$dir/config" --work-dir "$dir/work"
        --logs-dir "$dir/logs" --non-interactive --agree-tos --register-unsafely-without-email
        --key-type ecdsa --elliptic-curve secp256r1 -d "$name")
      cert="$dir/config/live/$name/cert.pem" chain="$dir/config/live/$name/chain.pem" ;;
  esac
  local rc=0
  env "${env[@]}" /usr/bin/time -f '%e %U %S %M' -o "$tf" timeout 300 "${cmd[@]}" \
    >"$LOGS/bench-$tool-r$r.log" 2>&1 </dev/null || rc=$?
  [[ $rc -eq 0 ]] || fail "$tool failed in round $r (exit $rc), see below:
$(tail -n 15 "$LOGS/bench-$tool-r$r.log")"
  # A run only counts if it really produced a valid P-256 certificate.
  [[ -s "$cert" ]] || fail "$tool exited 0 in round $r but wrote no certificate at $cert"
  openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$chain" "$cert" >/dev/null 2>&1 \
    || fail "$tool's certificate of round $r does not verify against Pebble's root"
  [[ "$(key_desc "$cert")" == ec:prime256v1 ]] || fail "$tool's key in round $r is $(key_desc "$cert"), not P-256"
  # The tool must have released the http-01 port before the next run.
  local i
  for ((i = 0; i < 100; i++)); do _port_listening "$H" || break; sleep 0.05; done
  assert_port_free "$H"
  bench_record "$tf" "$tool" "$r"
}

bench_rounds

echo
echo "Issuance benchmark: new account + one P-256 certificate, standalone http-01,"
echo "local Pebble 2.4 (no VA sleep, no nonce rejection), $ROUNDS round(s), medians:"
printf '  %-8s %10s %10s %12s\n' tool "wall (s)" "cpu (s)" "peak RSS (MB)"
declare -A W C M
for t in "${TOOLS[@]}"; do
  bench_medians "$t"
  printf '  %-8s %10.2f %10.2f %12s\n' "$t" "${W[$t]}" "${C[$t]}" "${M[$t]}"
done
bench_ratios
