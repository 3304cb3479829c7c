#!/usr/bin/env bash
# dns-01 at scale (issue 15: "1,000 names over 50 zones in one run keeps
# per-provider concurrency and request-rate limits, and one update per zone
# where the API has batches").
#
# 1. One acmekit run, one order of 1,000 names (20 in each of 50 zones),
#    through --dns-powerdns against a real pdns_server (lib_pdns.sh, every
#    zone's authoritative server, which Pebble validates through), its API
#    reached through fake_pdns_proxy.py, a recording proxy. Asserted: the
#    certificate (issued, verifies, holds the 1,000 names); the zone list read
#    once; per zone exactly one read + one PATCH adding its 20 records and one
#    read + one PATCH deleting them (PowerDNS's batch); one request in flight
#    at a time (PowerDNS's parallel_zones: its gsqlite3 backend refuses
#    concurrent writes); the records gone afterwards.
# 2. One run of 50 names, one in each of 50 zones, through --dns-cloudflare
#    (fake_cloudflare.py, each request held 0.3 s so that requests sent at
#    once overlap there): the zone list read once (one page of 50), per zone
#    one POST, one lookup and one DELETE, never more than 4 requests in flight
#    (kDefaultParallelZones) and more than one (the zones go in parallel).
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONES=()
for ((z = 1; z <= 50; z++)); do ZONES+=("$(printf 'z%02d.test' "$z")"); done
PER_ZONE=20
dns_api_begin "${ZONES[@]}"

dns_api_fake pdns_proxy "$PDNS_API_URL" 0.1
dns_api_pebble

CREDS="$WORK/powerdns.ini"
write_secret_file "$CREDS" "dns_powerdns_api_url = $FAKE_API_ORIGIN" "dns_powerdns_api_key = $PDNS_API_KEY"
NAMES=()
for zone in "${ZONES[@]}"; do
  for ((n = 1; n <= PER_ZONE; n++)); do NAMES+=("$(printf 'n%02d.%s' "$n" "$zone")"); done
done
D=()
for name in "${NAMES[@]}"; do D+=(-d "$name"); done

case_begin "PowerDNS: 1,000 names over 50 zones in one order: one listing, one add and one delete batch per zone"
started=$SECONDS
run_acmekit certonly --dns-powerdns --dns-powerdns-credentials "$CREDS" --dns-propagation-interval 1 \
  --cert-name scale "${D[@]}" "${COMMON[@]}"
log "the run took $((SECONDS - started)) s"
assert_success
assert_cert_ok "$CFG/live/scale" "$PEBBLE_ROOT" "${NAMES[@]}"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/scale/chain.pem" "$CFG/live/scale/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
[[ $(openssl x509 -in "$CFG/live/scale/cert.pem" -noout -ext subjectAltName | grep -o 'DNS:' | wc -l) -eq 1000 ]] \
  || fail "the certificate does not hold 1,000 names"

api=/api/v1/servers/localhost
# The zone list, once.
[[ $(fake_requests 1 | grep -cx "GET $api/zones") -eq 1 ]] || fail "the zone list was not read exactly once:
$(fake_requests 1 | grep -x "GET $api/zones")"
# Per zone: GET + PATCH to add, GET + PATCH to delete; nothing else.
want=$(for zone in "${ZONES[@]}"; do
  printf 'GET %s/zones/%s.\nGET %s/zones/%s.\nPATCH %s/zones/%s.\nPATCH %s/zones/%s.\n' \
    "$api" "$zone" "$api" "$zone" "$api" "$zone" "$api" "$zone"
done | sort)
got=$(fake_requests 1 | grep -vx "GET $api/zones" | sort)
[[ "$got" == "$want" ]] || fail "requests other than two reads and two PATCHes per zone:
$(diff <(echo "$want") <(echo "$got") | head -n 20)"
# The first PATCH of each zone REPLACEs its 20 names, the second DELETEs them.
for zone in "${ZONES[@]}"; do
  patches=$(fake_log 1 | jq -c --arg p "$api/zones/$zone." 'select(.method == "PATCH" and .path == $p) | .rrsets')
  add=$(jq -n -c --arg z "$zone" --argjson n "$PER_ZONE" \
    '[range(1; $n + 1) | ["_acme-challenge.n" + (if . < 10 then "0" else "" end) + tostring + "." + $z + ".", "REPLACE"]]')
  del=$(jq -c 'map([.[0], "DELETE"])' <<<"$add")
  [[ "$patches" == "$(printf '%s\n%s' "$add" "$del")" ]] || fail "the PATCHes of $zone:
$patches"
done
stats=$(curl -fsS --max-time 5 --cacert "$TLS_CA" "$FAKE_API_ORIGIN/__stats") || fail "no proxy stats"
[[ "$(jq -r .max_in_flight <<<"$stats")" -eq 1 ]] || fail "PowerDNS got concurrent requests: $stats"
grep -q "adding $PER_ZONE TXT record(s) in zone z37.test at PowerDNS" "$ACME_ERR" || fail "no per-zone batch logged"
for name in n01.z01.test n20.z50.test n11.z25.test; do assert_txt_is "_acme-challenge.$name"; done
assert_not_leaked "$PDNS_API_KEY"
case_pass

case_begin "Cloudflare: 50 zones in one run: one listing, one add and one delete per zone, at most 4 zones at once"
TOKEN="cf-scale-token-$RANDOM$RANDOM"
FAKE_DELAY=0.3 dns_api_fake cloudflare "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" "${ZONES[@]}"
CF_CREDS="$WORK/cloudflare.ini"
write_secret_file "$CF_CREDS" "dns_cloudflare_api_token = $TOKEN" "dns_cloudflare_api_url = $FAKE_API_ORIGIN/client/v4"
CF_NAMES=() D=()
for zone in "${ZONES[@]}"; do CF_NAMES+=("cf.$zone") D+=(-d "cf.$zone"); done
started=$SECONDS
run_acmekit certonly --dns-cloudflare --dns-cloudflare-credentials "$CF_CREDS" --dns-propagation-interval 1 \
  --cert-name cf-scale "${D[@]}" "${COMMON[@]}"
log "the run took $((SECONDS - started)) s"
assert_success
assert_cert_ok "$CFG/live/cf-scale" "$PEBBLE_ROOT" "${CF_NAMES[@]}"
cf=/client/v4/zones
[[ "$(fake_requests 1 | grep "^GET $cf?")" == "GET $cf?per_page=50&page=1" ]] \
  || fail "the zone list was not read exactly once: $(fake_requests 1 | grep "^GET $cf?")"
want=$(for zone in "${ZONES[@]}"; do
  id=$(printf '%s' "$zone" | md5sum | cut -d' ' -f1)
  printf 'POST %s/%s/dns_records\nGET %s/%s/dns_records?type=TXT&name=_acme-challenge.cf.%s&content=VALUE\nDELETE %s/%s/dns_records/ID\n' \
    "$cf" "$id" "$cf" "$id" "$zone" "$cf" "$id"
done | sort)
got=$(fake_requests 1 | grep -v "^GET $cf?" | sed -E 's/content=[A-Za-z0-9_-]{43}/content=VALUE/; s#dns_records/[0-9a-f]{32}$#dns_records/ID#' | sort)
[[ "$got" == "$want" ]] || fail "requests other than one add, one lookup and one delete per zone:
$(diff <(echo "$want") <(echo "$got") | head -n 20)"
max=$(fake_log 1 | jq -s 'map(.in_flight) | max')
log "most requests in flight at Cloudflare: $max"
[[ "$max" -le 4 ]] || fail "$max requests in flight at once (the limit is 4)"
[[ "$max" -ge 2 ]] || fail "the zones were updated one at a time (most in flight: $max)"
assert_txt_is "_acme-challenge.cf.z01.test"
assert_not_leaked "$TOKEN"
case_pass
