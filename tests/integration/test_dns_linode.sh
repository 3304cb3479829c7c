#!/usr/bin/env bash
# dns-01 through Linode's API v4 (--dns-linode), against fake_linode.py (the
# documented calls acmekit makes, paginated domains and records, its
# {"errors": [{"reason"}]} bodies) backed by a real PowerDNS that serves the
# zone on 127.0.0.2:53 in the test's network namespace; Pebble validates
# through it. The test asserts the exact requests.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
TOKEN="linode-test-token-$RANDOM$RANDOM"
dns_api_begin "$ZONE"

# Three domains (ids 100-102 in name order), two a page: example.test is 102, on the second.
dns_api_fake linode "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test b-second.test "$ZONE"
LN_URL="$FAKE_API_ORIGIN/v4"

dns_api_pebble

CREDS="$WORK/linode.ini"
write_secret_file "$CREDS" "dns_linode_key = $TOKEN" 'dns_linode_version = 4' "dns_linode_api_url = $LN_URL"
DNS=(--dns-linode --dns-linode-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "apex + wildcard through the Linode API: the exact requests; another TXT record stays"
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"type":"TXT","name":"_acme-challenge","target":"keep-me","ttl_sec":300}' "$LN_URL/domains/102/records" >/dev/null \
  || fail "could not create the other record"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE"
got=$(fake_requests "$start" | sed -E 's#/records/[0-9]+$#/records/ID#')
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
[[ "$(fake_log "$start" | jq -r .authorization | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
bodies=$(fake_log "$start" | jq -cS 'select(.method == "POST") | .body | .target |= test("^[A-Za-z0-9_-]{43}$")')
body='{"name":"_acme-challenge","target":true,"ttl_sec":300,"type":"TXT"}'
[[ "$bodies" == "$(printf '%s\n%s' "$body" "$body")" ]] || fail "POST bodies: $bodies"
# The records made (5001, 5002; 5000 is keep-me) are the ones deleted.
[[ "$(fake_log "$start" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "5001 5002 " ]] || fail "acmekit did not delete exactly its records"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_renewal_conf_saved "$ZONE" linode "$CREDS"
assert_not_leaked "$TOKEN"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE"
case_pass

case_begin "a wrong token: Linode's reason, exit 1"
bad="$WORK/bad.ini"
write_secret_file "$bad" 'dns_linode_key = wrong' "dns_linode_api_url = $LN_URL"
dns_api_refused linode "$bad" "bad.$ZONE" \
  'Linode: GET /domains\?page=1&page_size=500 failed \(HTTP 401\): Invalid Token'
case_pass

case_begin "a domain the account does not have: its domains are listed"
dns_api_unknown_zone www.other.test \
  'Linode: no domain for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, b-second\.test, example\.test\)'
case_pass
