#!/usr/bin/env bash
# dns-01 through DigitalOcean's v2 API (--dns-digitalocean), against
# fake_digitalocean.py (the documented calls acmekit makes, paginated
# domains, its {"id", "message"} errors) backed by a real PowerDNS that
# serves the zone on 127.0.0.2:53 in the test's network namespace; Pebble
# validates through it. The test asserts the exact requests.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"
require_acmekit
require_cmd python3

ZONE=example.test
TOKEN="do-test-token-$RANDOM$RANDOM"
start_pdns 127.0.0.2
pdns_create_zone "$ZONE" 127.0.0.2

DO_LOG="$WORK/do-requests.jsonl"
: >"$DO_LOG"
# Three domains, two a page: example.test is on the second page.
start_fake_api digitalocean "$DO_LOG" "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test b-second.test "$ZONE"
DO_URL="$FAKE_API_ORIGIN/v2"

PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client

CREDS="$WORK/digitalocean.ini"
printf 'dns_digitalocean_token = %s\ndns_digitalocean_api_url = %s\n' "$TOKEN" "$DO_URL" >"$CREDS"
chmod 600 "$CREDS"
DNS=(--dns-digitalocean --dns-digitalocean-credentials "$CREDS" --dns-propagation-interval 1)
requests() { tail -n +"$1" "$DO_LOG" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)'; }

case_begin "apex + wildcard through the DigitalOcean API: the exact requests; another TXT record stays"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"type":"TXT","name":"_acme-challenge","data":"keep-me","ttl":30}' "$DO_URL/domains/$ZONE/records" >/dev/null \
  || fail "could not create the other record"
start=$(($(wc -l <"$DO_LOG") + 1))
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/$ZONE/chain.pem" "$CFG/live/$ZONE/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
got=$(requests "$start" | sed -E 's#/records/[0-9]+$#/records/ID#')
want="GET /v2/domains?per_page=200
GET /v2/domains?page=2&per_page=2
POST /v2/domains/$ZONE/records
POST /v2/domains/$ZONE/records
GET /v2/domains/$ZONE/records?type=TXT&name=_acme-challenge.$ZONE&per_page=200
DELETE /v2/domains/$ZONE/records/ID
GET /v2/domains/$ZONE/records?type=TXT&name=_acme-challenge.$ZONE&per_page=200
DELETE /v2/domains/$ZONE/records/ID"
[[ "$got" == "$want" ]] || fail "requests to DigitalOcean:
$got
expected:
$want"
[[ "$(tail -n +"$start" "$DO_LOG" | jq -r .authorization | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
bodies=$(tail -n +"$start" "$DO_LOG" | jq -cS 'select(.method == "POST") | .body | .data |= test("^[A-Za-z0-9_-]{43}$")')
body='{"data":true,"name":"_acme-challenge","ttl":30,"type":"TXT"}'
[[ "$bodies" == "$(printf '%s\n%s' "$body" "$body")" ]] || fail "POST bodies: $bodies"
# The records made (1001, 1002; 1000 is keep-me) are the ones deleted.
[[ "$(tail -n +"$start" "$DO_LOG" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "1001 1002 " ]] || fail "acmekit did not delete exactly its records"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "TXT afterwards: $(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")"
grep -q '^authenticator = dns-digitalocean$' "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_digitalocean_credentials = $CREDS\$" "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the credentials path"
if grep -rq "$TOKEN" "$CFG" "$LOGS"/acmekit-*; then fail "the token appears in acmekit's files or output"; fi
case_pass

case_begin "renew reuses the saved provider"
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
case_pass

case_begin "a wrong token: DigitalOcean's message, exit 1"
bad="$WORK/bad.ini"
printf 'dns_digitalocean_token = wrong\ndns_digitalocean_api_url = %s\n' "$DO_URL" >"$bad"
chmod 600 "$bad"
run_acmekit certonly --dns-digitalocean --dns-digitalocean-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'DigitalOcean: GET /domains\?per_page=200 failed, HTTP 401: Unable to authenticate you\. \(unauthorized\)'
assert_no_live "$CFG" "bad.$ZONE"
case_pass

case_begin "a domain the account does not have: its domains are listed"
run_acmekit certonly "${DNS[@]}" -d www.other.test "${COMMON[@]}"
assert_failure 1
assert_error_matches 'DigitalOcean: no domain for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, b-second\.test, example\.test\)'
case_pass
