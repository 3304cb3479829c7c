# shellcheck shell=bash
# The shared parts of the DNS provider tests (test_dns_*.sh against a fake
# provider API, or pdns's own, backed by lib_pdns.sh's PowerDNS that Pebble
# validates through). Sources lib.sh, lib_bind.sh and lib_pdns.sh; a script
# starts with
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
#   enter_netns "$@"          # re-executes the script in its own network namespace
#   source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"
#
# Setup:
#   dns_api_begin ZONE...          require_acmekit; start_pdns 127.0.0.2 (PDNS_*);
#                                  pdns_create_zone ZONE 127.0.0.2 for each ZONE
#   dns_api_fake NAME ARG...       an empty FAKE_LOG=$WORK/NAME-requests.jsonl, then
#                                  start_fake_api NAME "$FAKE_LOG" ARG... (FAKE_API_ORIGIN);
#                                  environment prefixes (FAKE_PRESET_TXT=...) reach the fake
#   dns_api_pebble                 Pebble with fresh authorizations (PEBBLE_AUTHZREUSE=0)
#                                  resolving through 127.0.0.2:53; use_pebble_client
#                                  (CFG, COMMON)
#   write_secret_file FILE LINE... the lines into FILE, mode 0600
# The fake's log (one JSON object a request):
#   fake_log_mark                  prints the line number the next request will have
#   fake_log START                 the log's JSON lines from START
#   fake_requests START            "METHOD PATH[?QUERY]" of each request from START
# Assertions (each fails the test):
#   assert_issued_verified NAME... the last run succeeded; $CFG/live/NAME1 holds a
#                                  certificate for the NAMEs that verifies against
#                                  Pebble's root with its chain
#   assert_txt_is NAME [VALUE]     dig_txt 127.0.0.2 NAME prints exactly VALUE
#                                  (no VALUE: no TXT there)
#   assert_renewal_conf_saved LINEAGE PROVIDER CREDS
#                                  renewal/LINEAGE.conf has authenticator = dns-PROVIDER
#                                  and dns_PROVIDER_credentials = CREDS (CREDS "-": has
#                                  no dns_PROVIDER_credentials line)
#   assert_not_leaked SECRET...    no SECRET (fixed strings, none empty) in $CFG or
#                                  acmekit's output files in $LOGS
# Cases (each: run acmekit and its assertions, inside the script's case_begin/case_pass):
#   dns_api_renew LINEAGE NAME...  renew --cert-name LINEAGE --force-renewal succeeds
#                                  with every name validated afresh (again when Pebble
#                                  reused an authorization), the NAMEs' certificate in
#                                  place; RENEW_START is the fake's log line before the
#                                  last renewal (with FAKE_LOG)
#   dns_api_refused PROVIDER CREDS NAME REGEX...
#                                  certonly --dns-PROVIDER --dns-PROVIDER-credentials CREDS
#                                  -d NAME exits 1, its error line matches every REGEX,
#                                  nothing issued for NAME
#   dns_api_unknown_zone NAME REGEX...
#                                  certonly "${DNS[@]}" -d NAME exits 1, its error line
#                                  matches every REGEX, nothing issued for NAME

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"

dns_api_begin() {
  local zone
  require_acmekit
  start_pdns 127.0.0.2
  for zone in "$@"; do pdns_create_zone "$zone" 127.0.0.2; done
}

dns_api_fake() {
  local name=$1; shift
  FAKE_LOG="$WORK/$name-requests.jsonl"
  : >"$FAKE_LOG"
  start_fake_api "$name" "$FAKE_LOG" "$@"
}

dns_api_pebble() {
  PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
  use_pebble_client
}

write_secret_file() {
  local file=$1; shift
  printf '%s\n' "$@" >"$file"
  chmod 600 "$file"
}

fake_log_mark() { echo $(($(wc -l <"$FAKE_LOG") + 1)); }
fake_log() { tail -n +"$1" "$FAKE_LOG"; }
fake_requests() { fake_log "$1" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)'; }

assert_issued_verified() {
  local live="$CFG/live/$1"
  assert_success
  assert_cert_ok "$live" "$PEBBLE_ROOT" "$@"
  openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$live/chain.pem" "$live/cert.pem" >/dev/null \
    || fail "the certificate does not verify against Pebble's root"
}

assert_txt_is() {
  local name=$1 want=${2:-} got
  got=$(dig_txt 127.0.0.2 "$name")
  [[ "$got" == "$want" ]] || fail "TXT at $name: '$got' (expected '$want')"
}

assert_renewal_conf_saved() {
  local conf="$CFG/renewal/$1.conf" provider=$2 creds=$3
  grep -q "^authenticator = dns-$provider\$" "$conf" || fail "renewal conf lacks the authenticator: $(cat "$conf")"
  if [[ "$creds" == - ]]; then
    if grep -q "dns_${provider}_credentials" "$conf"; then fail "renewal conf names a credentials file: $(cat "$conf")"; fi
  else
    grep -q "^dns_${provider}_credentials = $creds\$" "$conf" || fail "renewal conf lacks the credentials path: $(cat "$conf")"
  fi
}

assert_not_leaked() {
  local s args=()
  for s in "$@"; do
    [[ -n "$s" ]] || fail "assert_not_leaked: an empty secret"
    args+=(-e "$s")
  done
  if grep -rqF "${args[@]}" "$CFG" "$LOGS"/acmekit-*; then
    fail "a secret appears in acmekit's files or output: $(grep -rlF "${args[@]}" "$CFG" "$LOGS"/acmekit-* | tr '\n' ' ')"
  fi
}

dns_api_renew() {
  local lineage=$1 attempt
  # Pebble hands back a still-valid authorization 1 time in 100 per name even
  # with PEBBLE_AUTHZREUSE=0; the callers count the requests of a renewal
  # that validated every name, so a renewal that did not is done again.
  for attempt in 1 2 3; do
    RENEW_START=
    [[ -z "${FAKE_LOG:-}" ]] || RENEW_START=$(fake_log_mark)
    run_acmekit renew --cert-name "$lineage" --force-renewal "${COMMON[@]}"
    assert_success
    grep -q ': already authorized$' "$ACME_ERR" || break
    log "Pebble reused an authorization (attempt $attempt); renewing again"
  done
  assert_cert_ok "$CFG/live/$lineage" "$PEBBLE_ROOT" "$@"
}

dns_api_refused() {
  local provider=$1 creds=$2 name=$3 re; shift 3
  run_acmekit certonly "--dns-$provider" "--dns-$provider-credentials" "$creds" -d "$name" "${COMMON[@]}"
  assert_failure 1
  for re in "$@"; do assert_error_matches "$re"; done
  assert_no_live "$CFG" "$name"
}

dns_api_unknown_zone() {
  local name=$1 re; shift
  run_acmekit certonly "${DNS[@]}" -d "$name" "${COMMON[@]}"
  assert_failure 1
  for re in "$@"; do assert_error_matches "$re"; done
  assert_no_live "$CFG" "$name"
}
