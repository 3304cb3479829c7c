#!/usr/bin/env bash
# dns-01 through the Hetzner DNS API (--dns-hetzner), against fake_hetzner.py
# (the documented calls acmekit makes: paginated zones, bulk record creation,
# records by zone, delete by id; its error bodies) backed by a real PowerDNS
# that serves the zones on 127.0.0.2:53 in the test's network namespace;
# Pebble validates through it. The test asserts the exact requests: one bulk
# POST per zone for all of an order's values.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"
require_acmekit
require_cmd python3

ZONE=example.test
ZONE2=second.test
TOKEN="hz-test-token-$RANDOM$RANDOM"
start_pdns 127.0.0.2
pdns_create_zone "$ZONE" 127.0.0.2
pdns_create_zone "$ZONE2" 127.0.0.2

HZ_LOG="$WORK/hetzner-requests.jsonl"
: >"$HZ_LOG"
# Three zones, two a page (zone00 a-first.test, zone01 example.test, zone02 second.test).
start_fake_api hetzner "$HZ_LOG" "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 a-first.test "$ZONE" "$ZONE2"
HZ_URL="$FAKE_API_ORIGIN/api/v1"

PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client

CREDS="$WORK/hetzner.ini"
printf 'dns_hetzner_api_token = %s\ndns_hetzner_api_url = %s\n' "$TOKEN" "$HZ_URL" >"$CREDS"
chmod 600 "$CREDS"
DNS=(--dns-hetzner --dns-hetzner-credentials "$CREDS" --dns-propagation-interval 1)
requests() { tail -n +"$1" "$HZ_LOG" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)'; }

case_begin "names in two zones: one bulk POST per zone, exactly ours deleted, another record kept"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Auth-API-Token: $TOKEN" -H 'Content-Type: application/json' \
  --data '{"zone_id":"zone01","type":"TXT","name":"_acme-challenge","value":"keep-me","ttl":60}' "$HZ_URL/records" >/dev/null \
  || fail "could not create the other record"
start=$(($(wc -l <"$HZ_LOG") + 1))
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE" "www.$ZONE2"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/$ZONE/chain.pem" "$CFG/live/$ZONE/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
got=$(requests "$start" | sed -E 's#/records/rec[0-9]+$#/records/ID#')
# The zone list is read once per name (apex and wildcard share one); then a
# bulk POST per zone; cleanup lists each zone's records and deletes ours.
want="GET /api/v1/zones?page=1&per_page=100
GET /api/v1/zones?page=2&per_page=100
GET /api/v1/zones?page=1&per_page=100
GET /api/v1/zones?page=2&per_page=100
POST /api/v1/records/bulk
POST /api/v1/records/bulk
GET /api/v1/records?zone_id=zone01
DELETE /api/v1/records/ID
DELETE /api/v1/records/ID
GET /api/v1/records?zone_id=zone02
DELETE /api/v1/records/ID"
# The CA orders the authorizations, so the zones may come in either order:
# the zone lookups and both bulk POSTs first, then each zone's records
# listing followed by exactly its deletions.
per_zone() { awk '/^GET \/api\/v1\/records/ { if (b) print b; b = $0; next } /^DELETE/ { b = b " + " $0 } END { print b }'; }
[[ "$(head -n 6 <<<"$got")" == "$(head -n 6 <<<"$want")" \
   && "$(tail -n +7 <<<"$got" | per_zone | LC_ALL=C sort)" == "$(tail -n +7 <<<"$want" | per_zone | LC_ALL=C sort)" ]] \
  || fail "requests to Hetzner:
$got
expected (zone blocks in any order):
$want"
[[ "$(tail -n +"$start" "$HZ_LOG" | jq -r .token | sort -u)" == "$TOKEN" ]] || fail "requests without the token"
bulks=$(tail -n +"$start" "$HZ_LOG" | jq -cS 'select(.path == "/api/v1/records/bulk") | .body.records | map(.value |= test("^[A-Za-z0-9_-]{43}$"))' | LC_ALL=C sort)
want_bulks="[{\"name\":\"_acme-challenge\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone01\"},{\"name\":\"_acme-challenge\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone01\"}]
[{\"name\":\"_acme-challenge.www\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone02\"}]"
[[ "$bulks" == "$want_bulks" ]] || fail "bulk bodies:
$bulks"
[[ "$(tail -n +"$start" "$HZ_LOG" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "rec0002 rec0003 rec0004 " ]] || fail "acmekit did not delete exactly its records"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "TXT afterwards: $(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")"
[[ -z "$(dig_txt 127.0.0.2 "_acme-challenge.www.$ZONE2")" ]] || fail "TXT left in $ZONE2"
grep -q '^authenticator = dns-hetzner$' "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_hetzner_credentials = $CREDS\$" "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the credentials path"
if grep -rq "$TOKEN" "$CFG" "$LOGS"/acmekit-*; then fail "the token appears in acmekit's files or output"; fi
case_pass

case_begin "renew reuses the saved provider"
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE" "www.$ZONE2"
case_pass

case_begin "a wrong token: Hetzner's message, exit 1"
bad="$WORK/bad.ini"
printf 'dns_hetzner_api_token = wrong\ndns_hetzner_api_url = %s\n' "$HZ_URL" >"$bad"
chmod 600 "$bad"
run_acmekit certonly --dns-hetzner --dns-hetzner-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Hetzner DNS: GET /zones\?page=1&per_page=100 failed \(HTTP 401\): Invalid authentication credentials'
assert_no_live "$CFG" "bad.$ZONE"
case_pass

case_begin "a zone the account does not have: its zones are listed"
run_acmekit certonly "${DNS[@]}" -d www.other.test "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Hetzner DNS: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass
