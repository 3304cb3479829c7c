#!/usr/bin/env bash
# Benchmark (not a test): dns-01 issuance through RFC 2136 (TSIG-signed DNS
# UPDATEs to BIND), acmekit vs certbot vs lego, measured in the same run.
# Per round and tool: a new account + one P-256 certificate for NAME and
# *.NAME (two authorizations, two TXT values at _acme-challenge.NAME), NAME
# fresh under example.test for every round and tool, tool order rotated.
# Reports medians (over the successful runs) of wall time, CPU time
# (user+sys) and peak RSS, the success count, and acmekit's ratio to each peer.
#
# Setup (tests/integration/lib_bind.sh): a network namespace of its own; named
# primary for example.test on 127.0.0.2:53 (takes the updates) and a secondary
# on 127.0.0.3:53 that the primary NOTIFYs (both are in the zone's NS set);
# Pebble validates through the primary (PEBBLE_DNS_SERVER), with
# PEBBLE_VA_NOSLEEP=1 and PEBBLE_WFE_NONCEREJECT=0. Every run starts on a
# quiet zone (settle_zone). BIND's notify-delay (5 s) holds the NOTIFY of a
# change made within 5 s of the previous NOTIFY, so a tool whose second UPDATE
# comes just after the first one's NOTIFY went out waits up to 5 s for the
# secondary; tools that poll the secondary (acmekit, lego) see it, a fixed
# sleep does not. Hence bimodal times: compare medians over several rounds.
#
# What each tool waits for between publishing the TXT records and asking the
# CA to validate them, i.e. what this bench measures:
#   acmekit      --dns-rfc2136 with its defaults: polls every authoritative
#                server (found via /etc/resolv.conf = the primary) every 2 s
#                until each serves every value.
#   certbot      python3-certbot-dns-rfc2136 at its default: a fixed sleep,
#                --dns-rfc2136-propagation-seconds 60.
#   certbot-min  the same with --dns-rfc2136-propagation-seconds
#                $CERTBOT_MIN_PROPAGATION (default 0): the smallest value that
#                works HERE, only because Pebble asks the very server certbot
#                updates; a CA asking the secondary could be early.
#   lego         --dns rfc2136 at its defaults, which solve the authorizations
#                of an order one after the other (the provider is
#                "sequential": each INSERT first deletes the TXT RRset) with
#                RFC2136_SEQUENCE_INTERVAL = 60 s between them. Its propagation
#                check sleeps RFC2136_POLLING_INTERVAL (2 s) first, then asks the
#                recursive resolver (--dns.resolvers 127.0.0.2:53, else
#                /etc/resolv.conf) for the TXT and the zone's SOA and NS, and
#                each NS by name on port 53 without recursion until all serve
#                the value (RFC2136_PROPAGATION_TIMEOUT 120 s, as acmekit's).
#   lego-min     the same with RFC2136_SEQUENCE_INTERVAL=$LEGO_MIN_SEQUENCE
#                (default 0).
# A run counts only if the tool exits 0 within 300 s and its certificate
# verifies against Pebble's root through the chain it saved, names exactly
# NAME and *.NAME, and has a P-256 key; anything else is a failure: counted,
# shown, not timed, and the script exits 1 after printing the table.
#
# Usage: bench/bench_dns01.sh [ROUNDS]      (default 3, or $BENCH_ROUNDS)
# Env:   ACMEKIT_BIN   acmekit binary (default: <source>/build/acmekit)
#        BENCH_TOOLS   tools to run (default "acmekit certbot certbot-min lego lego-min")
#        CERTBOT_MIN_PROPAGATION, LEGO_MIN_SEQUENCE   seconds (default 0, 0)
# Needs root (network namespace, port 53) and (Debian): bind9 bind9-utils
# bind9-dnsutils pebble certbot python3-certbot-dns-rfc2136 lego time openssl
# curl jq iproute2 util-linux python3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../tests/integration/lib_bind.sh"
enter_netns "$@"
source "$HERE/../tests/integration/lib.sh"
source "$HERE/lib_bench.sh"
source "$HERE/../tests/integration/lib_bind.sh"

ROUNDS=${1:-${BENCH_ROUNDS:-3}}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive integer, got '$ROUNDS'"
read -r -a TOOLS <<<"${BENCH_TOOLS:-acmekit certbot certbot-min lego lego-min}"
CB_MIN=${CERTBOT_MIN_PROPAGATION:-0}
LEGO_SEQ_MIN=${LEGO_MIN_SEQUENCE:-0}
[[ "$CB_MIN" =~ ^[0-9]+$ ]] || fail "CERTBOT_MIN_PROPAGATION must be whole seconds, got '$CB_MIN'"
[[ "$LEGO_SEQ_MIN" =~ ^[0-9]+$ ]] || fail "LEGO_MIN_SEQUENCE must be whole seconds, got '$LEGO_SEQ_MIN'"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time not found (Debian package 'time')"
for t in "${TOOLS[@]}"; do
  case $t in
    acmekit) require_acmekit ;;
    certbot | certbot-min)
      require_cmd certbot
      # certbot's own interpreter (python3 on PATH may be another one).
      "$(sed -n '1s/^#! *//p' "$(command -v certbot)")" -c 'import certbot_dns_rfc2136' 2>/dev/null \
        || fail "certbot's rfc2136 plugin is missing (Debian package python3-certbot-dns-rfc2136)" ;;
    lego | lego-min) require_cmd lego ;;
    *) fail "unknown tool '$t' in BENCH_TOOLS" ;;
  esac
done

ZONE=example.test
start_bind_primary "$ZONE" 127.0.0.2
start_bind_secondary "$ZONE" 127.0.0.3 127.0.0.2 prompt
export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0
PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble

# What each tool waits for, for the table.
declare -A WAIT=(
  [acmekit]="polls both servers (default)"
  [certbot]="sleeps 60 s (default)"
  [certbot-min]="sleeps $CB_MIN s"
  [lego]="polls; 60 s between authzs (default)"
  [lego-min]="polls; $LEGO_SEQ_MIN s between authzs"
)

# settle_zone: every run starts on a quiet zone, as an issuance usually does:
# the secondary serves the primary's serial (the previous run's cleanup has
# arrived) and BIND's notify-delay (5 s: a change within 5 s of the last
# NOTIFY is announced only when that timer ends) has run out.
settle_zone() {
  local i want
  for ((i = 0; i < 300; i++)); do
    want=$(bind_serial 127.0.0.2 "$ZONE")
    [[ -n "$want" && "$(bind_serial 127.0.0.3 "$ZONE")" == "$want" ]] && break
    sleep 0.1
  done
  [[ $i -lt 300 ]] || fail "the secondary did not reach the primary's serial $want within 30 s"
  sleep 5
}

# run_tool TOOL ROUND: one issuance for NAME + *.NAME; on success appends
# "wall cpu rss_kb" to $WORK/TOOL.times, on failure a line to $WORK/TOOL.failed.
run_tool() {
  local tool=$1 r=$2 dir="$WORK/$1-r$2" name="r$2-$1.$ZONE" tf="$WORK/time.out"
  local log="$LOGS/bench-$tool-r$r.log" cert chain
  mkdir -p "$dir"
  local -a cmd env=()
  case $tool in
    acmekit)
      cmd=("$ACMEKIT_BIN" certonly --dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS"
        --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" --config-dir "$dir/config"
        --register-unsafely-without-email --agree-tos --non-interactive
        --key-type ecdsa --elliptic-curve secp256r1 -d "$name" -d "*.$name")
      cert="$dir/config/live/$name/cert.pem" chain="$dir/config/live/$name/chain.pem" ;;
    certbot | certbot-min)
      env=(REQUESTS_CA_BUNDLE="$TLS_CA")
      cmd=(certbot certonly --dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS"
        --server "$PEBBLE_DIR_URL" --config-dir "$dir/config" --work-dir "$dir/work"
        --logs-dir "$dir/logs" --non-interactive --agree-tos --register-unsafely-without-email
        --key-type ecdsa --elliptic-curve secp256r1 -d "$name" -d "*.$name")
      if [[ $tool == certbot-min ]]; then cmd+=(--dns-rfc2136-propagation-seconds "$CB_MIN"); fi
      cert="$dir/config/live/$name/cert.pem" chain="$dir/config/live/$name/chain.pem" ;;
    lego | lego-min)
      # lego's TSIG algorithm names are domain names: hmac-sha256.
      env=(LEGO_CA_CERTIFICATES="$TLS_CA" RFC2136_NAMESERVER=127.0.0.2:53
        RFC2136_TSIG_KEY="$TSIG_NAME" RFC2136_TSIG_SECRET="$TSIG_SECRET"
        RFC2136_TSIG_ALGORITHM="$TSIG_ALG." RFC2136_PROPAGATION_TIMEOUT=120
        RFC2136_POLLING_INTERVAL=2)
      if [[ $tool == lego-min ]]; then env+=(RFC2136_SEQUENCE_INTERVAL="$LEGO_SEQ_MIN"); fi
      cmd=(lego --server "$PEBBLE_DIR_URL" --email e@x.test --accept-tos
        --domains "$name" --domains "*.$name" --dns rfc2136 --dns.resolvers 127.0.0.2:53
        --key-type ec256 --path "$dir/lego" run)
      cert="$dir/lego/certificates/$name.crt" chain="$dir/lego/certificates/$name.issuer.crt" ;;
  esac
  local rc=0 why=""
  settle_zone
  env "${env[@]}" /usr/bin/time -f '%e %U %S %M' -o "$tf" timeout 300 "${cmd[@]}" \
    >"$log" 2>&1 </dev/null || rc=$?
  # A run only counts if it really produced a valid certificate for both names.
  if [[ $rc -ne 0 ]]; then
    why="exited $rc"
  elif [[ ! -s "$cert" ]]; then
    why="exited 0 but wrote no certificate at $cert"
  elif ! openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$chain" "$cert" >/dev/null 2>&1; then
    why="its certificate does not verify against Pebble's root"
  elif [[ "$(cert_sans "$cert")" != "$(sorted_names "$name" "*.$name")" ]]; then
    why="its certificate names $(cert_sans "$cert" | tr '\n' ' '), not exactly $name *.$name"
  elif [[ "$(key_desc "$cert")" != ec:prime256v1 ]]; then
    why="its key is $(key_desc "$cert"), not P-256"
  fi
  if [[ -n "$why" ]]; then
    echo "round $r: $why" >>"$WORK/$tool.failed"
    log "round $r $tool: FAILED: $why; last lines of its output:"
    tail -n 15 "$log" | sed 's/^/  | /' >&2
    return 0
  fi
  bench_record "$tf" "$tool" "$r"
}

bench_rounds

echo
echo "dns-01 benchmark: new account + one P-256 certificate for NAME and *.NAME through"
echo "RFC 2136 (TSIG) to BIND 9 (primary + NOTIFYed secondary), local Pebble 2.4 (no VA sleep,"
echo "no nonce rejection) validating at the primary, $ROUNDS round(s), medians of the successful runs:"
printf '  %-12s %9s %8s %14s %6s  %s\n' tool "wall (s)" "cpu (s)" "peak RSS (MB)" ok "waits for the TXT records"
declare -A W C M
failed=0
for t in "${TOOLS[@]}"; do
  ok=0
  if [[ -s "$WORK/$t.times" ]]; then ok=$(wc -l <"$WORK/$t.times"); fi
  [[ $ok -eq $ROUNDS ]] || failed=1
  if [[ $ok -gt 0 ]]; then
    bench_medians "$t"
  else
    W[$t]=- C[$t]=- M[$t]=-
  fi
  printf '  %-12s %9s %8s %14s %6s  %s\n' "$t" "${W[$t]}" "${C[$t]}" "${M[$t]}" "$ok/$ROUNDS" "${WAIT[$t]}"
done
bench_ratios
if [[ $failed -ne 0 ]]; then
  echo
  for t in "${TOOLS[@]}"; do
    if [[ -s "$WORK/$t.failed" ]]; then sed "s/^/  $t failed in /" "$WORK/$t.failed"; fi
  done
  fail "some runs failed (not timed); see above"
fi
