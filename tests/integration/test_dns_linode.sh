#!/usr/bin/env bash
# dns-01 through Linode's API v4 (--dns-linode), against fake_linode.py (the
# documented calls acmekit makes, paginated domains and records, its
# {"errors": [{"reason"}]} bodies) backed by a real PowerDNS that serves the
# zone on 127.0.0.2:53 in the test's network namespace; Pebble validates
# through it. The test asserts the exact requests.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"
require_acmekit
require_cmd python3

ZONE=example.test
TOKEN="linode-test-token-$RANDOM$RANDOM"
start_pdns 127.0.0.2
pdns_create_zone "$ZONE" 127.0.0.2

LN_LOG="$WORK/linode-requests.jsonl"
: >"$LN_LOG"
# Three domains (ids 100-102 in name order), two a page: example.test is 102, on the second.
start_fake_api linode "$LN_LOG" "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test b-second.test "$ZONE"
LN_URL="$FAKE_API_ORIGIN/v4"

PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client

CREDS="$WORK/linode.ini"
printf 'dns_linode_key = %s\ndns_linode_version = 4\ndns_linode_api_url = %s\n' "$TOKEN" "$LN_URL" >"$CREDS"
chmod 600 "$CREDS"
DNS=(--dns-linode --dns-linode-credentials "$CREDS" --dns-propagation-interval 1)
requests() { tail -n +"$1" "$LN_LOG" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)'; }

case_begin "apex + wildcard through the Linode API: the exact requests; another TXT record stays"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"type":"TXT","name":"_acme-challenge","target":"keep-me","ttl_sec":300}' "$LN_URL/domains/102/records" >/dev/null \
  || fail "could not create the other record"
start=$(($(wc -l <"$LN_LOG") + 1))
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/$ZONE/chain.pem" "$CFG/live/$ZONE/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
got=$(requests "$start" | sed -E 's#/records/[0-9]+$#/records/ID#')
want="GET /v4/domains?page=1&page_size=500
GET /v4/domains?page=2&page_size=500
POST /v4/domains/102/records
POST /v4/domains/102/records
GET /v4/domains/102/records?page=1&page_size=500
GET /v4/domains/102/records?page=2&page_size=500
DELETE /v4/domains/102/records/ID
DELETE /v4/domains/102/records/ID"
[[ "$got" == "$want" ]] || fail "requests to Linode:
$got
expected:
$want"
[[ "$(tail -n +"$start" "$LN_LOG" | jq -r .authorization | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
bodies=$(tail -n +"$start" "$LN_LOG" | jq -cS 'select(.method == "POST") | .body | .target |= test("^[A-Za-z0-9_-]{43}$")')
body='{"name":"_acme-challenge","target":true,"ttl_sec":300,"type":"TXT"}'
[[ "$bodies" == "$(printf '%s\n%s' "$body" "$body")" ]] || fail "POST bodies: $bodies"
# The records made (5001, 5002; 5000 is keep-me) are the ones deleted.
[[ "$(tail -n +"$start" "$LN_LOG" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "5001 5002 " ]] || fail "acmekit did not delete exactly its records"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "TXT afterwards: $(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")"
grep -q '^authenticator = dns-linode$' "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_linode_credentials = $CREDS\$" "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the credentials path"
if grep -rq "$TOKEN" "$CFG" "$LOGS"/acmekit-*; then fail "the token appears in acmekit's files or output"; fi
case_pass

case_begin "renew reuses the saved provider"
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
case_pass

case_begin "a wrong token: Linode's reason, exit 1"
bad="$WORK/bad.ini"
printf 'dns_linode_key = wrong\ndns_linode_api_url = %s\n' "$LN_URL" >"$bad"
chmod 600 "$bad"
run_acmekit certonly --dns-linode --dns-linode-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Linode: GET /domains\?page=1&page_size=500 failed \(HTTP 401\): Invalid Token'
assert_no_live "$CFG" "bad.$ZONE"
case_pass

case_begin "a domain the account does not have: its domains are listed"
run_acmekit certonly "${DNS[@]}" -d www.other.test "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Linode: no domain for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, b-second\.test, example\.test\)'
case_pass
