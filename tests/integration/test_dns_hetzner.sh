#!/usr/bin/env bash
# dns-01 through the Hetzner DNS API (--dns-hetzner), against fake_hetzner.py
# (the documented calls acmekit makes: paginated zones, bulk record creation,
# records by zone, delete by id; its error bodies) backed by a real PowerDNS
# that serves the zones on 127.0.0.2:53 in the test's network namespace;
# Pebble validates through it. The test asserts the exact requests: one bulk
# POST per zone for all of an order's values.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
ZONE2=second.test
TOKEN="hz-test-token-$RANDOM$RANDOM"
dns_api_begin "$ZONE" "$ZONE2"

# Three zones, two a page (zone00 a-first.test, zone01 example.test, zone02 second.test).
dns_api_fake hetzner "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 a-first.test "$ZONE" "$ZONE2"
HZ_URL="$FAKE_API_ORIGIN/api/v1"

dns_api_pebble

CREDS="$WORK/hetzner.ini"
write_secret_file "$CREDS" "dns_hetzner_api_token = $TOKEN" "dns_hetzner_api_url = $HZ_URL"
DNS=(--dns-hetzner --dns-hetzner-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "names in two zones: one bulk POST per zone, exactly ours deleted, another record kept"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Auth-API-Token: $TOKEN" -H 'Content-Type: application/json' \
  --data '{"zone_id":"zone01","type":"TXT","name":"_acme-challenge","value":"keep-me","ttl":60}' "$HZ_URL/records" >/dev/null \
  || fail "could not create the other record"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
got=$(fake_requests "$start" | sed -E 's#/records/rec[0-9]+$#/records/ID#')
# The zone list is read once a run (zone_cache.h); then a bulk POST per zone;
# cleanup lists each zone's records and deletes ours. The zones are updated
# in parallel (and the CA orders the authorizations), so after the listing
# the requests are compared as a set; which records went is checked below.
want="GET /api/v1/zones?page=1&per_page=100
GET /api/v1/zones?page=2&per_page=100
POST /api/v1/records/bulk
POST /api/v1/records/bulk
GET /api/v1/records?zone_id=zone01
GET /api/v1/records?zone_id=zone02
DELETE /api/v1/records/ID
DELETE /api/v1/records/ID
DELETE /api/v1/records/ID"
[[ "$(head -n 4 <<<"$got")" == "$(head -n 4 <<<"$want")" \
   && "$(tail -n +5 <<<"$got" | LC_ALL=C sort)" == "$(tail -n +5 <<<"$want" | LC_ALL=C sort)" ]] \
  || fail "requests to Hetzner:
$got
expected (after the listing and the two POSTs, in any order):
$want"
[[ "$(fake_log "$start" | jq -r .token | sort -u)" == "$TOKEN" ]] || fail "requests without the token"
bulks=$(fake_log "$start" | jq -cS 'select(.path == "/api/v1/records/bulk") | .body.records | map(.value |= test("^[A-Za-z0-9_-]{43}$"))' | LC_ALL=C sort)
want_bulks="[{\"name\":\"_acme-challenge\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone01\"},{\"name\":\"_acme-challenge\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone01\"}]
[{\"name\":\"_acme-challenge.www\",\"ttl\":60,\"type\":\"TXT\",\"value\":true,\"zone_id\":\"zone02\"}]"
[[ "$bulks" == "$want_bulks" ]] || fail "bulk bodies:
$bulks"
[[ "$(fake_log "$start" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "rec0002 rec0003 rec0004 " ]] || fail "acmekit did not delete exactly its records"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" hetzner "$CREDS"
assert_not_leaked "$TOKEN"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
case_pass

case_begin "a wrong token: Hetzner's message, exit 1"
bad="$WORK/bad.ini"
write_secret_file "$bad" 'dns_hetzner_api_token = wrong' "dns_hetzner_api_url = $HZ_URL"
dns_api_refused hetzner "$bad" "bad.$ZONE" \
  'Hetzner DNS: GET /zones\?page=1&per_page=100 failed \(HTTP 401\): Invalid authentication credentials'
case_pass

case_begin "a zone the account does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  'Hetzner DNS: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass
