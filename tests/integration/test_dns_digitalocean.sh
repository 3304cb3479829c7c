#!/usr/bin/env bash
# dns-01 through DigitalOcean's v2 API (--dns-digitalocean), against
# fake_digitalocean.py (the documented calls acmekit makes, paginated
# domains, its {"id", "message"} errors) backed by a real PowerDNS that
# serves the zone on 127.0.0.2:53 in the test's network namespace; Pebble
# validates through it. The test asserts the exact requests.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
TOKEN="do-test-token-$RANDOM$RANDOM"
dns_api_begin "$ZONE"

# Three domains, two a page: example.test is on the second page.
dns_api_fake digitalocean "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test b-second.test "$ZONE"
DO_URL="$FAKE_API_ORIGIN/v2"

dns_api_pebble

CREDS="$WORK/digitalocean.ini"
write_secret_file "$CREDS" "dns_digitalocean_token = $TOKEN" "dns_digitalocean_api_url = $DO_URL"
DNS=(--dns-digitalocean --dns-digitalocean-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "apex + wildcard through the DigitalOcean API: the exact requests; another TXT record stays"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"type":"TXT","name":"_acme-challenge","data":"keep-me","ttl":30}' "$DO_URL/domains/$ZONE/records" >/dev/null \
  || fail "could not create the other record"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE"
got=$(fake_requests "$start" | sed -E 's#/records/[0-9]+$#/records/ID#')
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
[[ "$(fake_log "$start" | jq -r .authorization | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
bodies=$(fake_log "$start" | jq -cS 'select(.method == "POST") | .body | .data |= test("^[A-Za-z0-9_-]{43}$")')
body='{"data":true,"name":"_acme-challenge","ttl":30,"type":"TXT"}'
[[ "$bodies" == "$(printf '%s\n%s' "$body" "$body")" ]] || fail "POST bodies: $bodies"
# The records made (1001, 1002; 1000 is keep-me) are the ones deleted.
[[ "$(fake_log "$start" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "1001 1002 " ]] || fail "acmekit did not delete exactly its records"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_renewal_conf_saved "$ZONE" digitalocean "$CREDS"
assert_not_leaked "$TOKEN"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE"
case_pass

case_begin "a wrong token: DigitalOcean's message, exit 1"
bad="$WORK/bad.ini"
write_secret_file "$bad" 'dns_digitalocean_token = wrong' "dns_digitalocean_api_url = $DO_URL"
dns_api_refused digitalocean "$bad" "bad.$ZONE" \
  'DigitalOcean: GET /domains\?per_page=200 failed, HTTP 401: Unable to authenticate you\. \(unauthorized\)'
case_pass

case_begin "a domain the account does not have: its domains are listed"
dns_api_unknown_zone www.other.test \
  'DigitalOcean: no domain for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, b-second\.test, example\.test\)'
case_pass
