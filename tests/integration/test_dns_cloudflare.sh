#!/usr/bin/env bash
# dns-01 through Cloudflare's v4 API (--dns-cloudflare), against
# fake_cloudflare.py: a local server implementing the calls acmekit makes as
# Cloudflare documents them (zones by name, DNS records create / list /
# delete, its error envelope and codes, 429 with Retry-After), backed by a
# real PowerDNS (lib_pdns.sh) that serves the zone on 127.0.0.2:53 in the
# test's own network namespace, so Pebble's validation and acmekit's
# propagation check see what the fake API wrote. The test asserts the exact
# requests (method, path, query, Authorization, body).
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
TOKEN="cf-test-token-$RANDOM$RANDOM"
dns_api_begin "$ZONE"

dns_api_fake cloudflare "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" "$ZONE"
CF_URL="$FAKE_API_ORIGIN/client/v4"
ZONE_ID=$(printf '%s' "$ZONE" | md5sum | cut -d' ' -f1)

dns_api_pebble

CREDS="$WORK/cloudflare.ini"
write_secret_file "$CREDS" "# certbot-dns-cloudflare's key, and acmekit's base URL for tests" \
  "dns_cloudflare_api_token = $TOKEN" "dns_cloudflare_api_url = $CF_URL"
DNS=(--dns-cloudflare --dns-cloudflare-credentials "$CREDS" --dns-propagation-interval 1)

cf_control() { curl -fsS --max-time 5 --cacert "$TLS_CA" -X POST --data "$1" "${CF_URL%/client/v4}/__control" >/dev/null; }

case_begin "apex + wildcard through the Cloudflare API: the exact requests; another TXT record stays"
# Someone else's TXT record at the same name, made through the API as a user would.
curl -fsS --max-time 5 --cacert "$TLS_CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data "{\"type\":\"TXT\",\"name\":\"_acme-challenge.$ZONE\",\"content\":\"keep-me\",\"ttl\":120}" \
  "$CF_URL/zones/$ZONE_ID/dns_records" >/dev/null || fail "could not create the other record"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE"
got=$(fake_requests "$start" | sed -E 's/content=[A-Za-z0-9_-]{43}/content=VALUE/; s#dns_records/[0-9a-f]{32}#dns_records/ID#')
want="GET /client/v4/zones?per_page=50&page=1
POST /client/v4/zones/$ZONE_ID/dns_records
POST /client/v4/zones/$ZONE_ID/dns_records
GET /client/v4/zones/$ZONE_ID/dns_records?type=TXT&name=_acme-challenge.$ZONE&content=VALUE
DELETE /client/v4/zones/$ZONE_ID/dns_records/ID
GET /client/v4/zones/$ZONE_ID/dns_records?type=TXT&name=_acme-challenge.$ZONE&content=VALUE
DELETE /client/v4/zones/$ZONE_ID/dns_records/ID"
[[ "$got" == "$want" ]] || fail "requests to Cloudflare:
$got
expected:
$want"
# Every request carried the token, as a Bearer; the bodies are certbot's records.
[[ "$(fake_log "$start" | jq -r .authorization | sort -u)" == "Bearer $TOKEN" ]] \
  || fail "not every request had Authorization: Bearer TOKEN"
bodies=$(fake_log "$start" | jq -cS 'select(.method == "POST") | .body | .content |= test("^[A-Za-z0-9_-]{43}$")')
body="{\"content\":true,\"name\":\"_acme-challenge.$ZONE\",\"ttl\":120,\"type\":\"TXT\"}"
[[ "$bodies" == "$(printf '%s\n%s' "$body" "$body")" ]] || fail "POST bodies: $bodies"
[[ "$(fake_log "$start" | jq -r 'select(.method == "POST") | .content_type' | sort -u)" == application/json ]] \
  || fail "POSTs without Content-Type: application/json"
# The two values added are the two deleted (the fake numbers records 1, 2, 3: 1 is keep-me).
[[ "$(fake_log "$start" | jq -r 'select(.method == "DELETE") | .path | split("/") | last' | sort | tr '\n' ' ')" \
  == "$(printf '%032x %032x ' 2 3)" ]] || fail "acmekit did not delete exactly the records it made"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_renewal_conf_saved "$ZONE" cloudflare "$CREDS"
assert_not_leaked "$TOKEN"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE"
[[ $(fake_requests "$RENEW_START" | grep -c '^POST ') -eq 2 && $(fake_requests "$RENEW_START" | grep -c '^DELETE ') -eq 2 ]] \
  || fail "renew did not add and remove two records through Cloudflare:
$(fake_requests "$RENEW_START")"
case_pass

case_begin "429 with Retry-After: waited for and retried"
cf_control '{"rate_limit": 2}'
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "limited.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/limited.$ZONE" "$PEBBLE_ROOT" "limited.$ZONE"
[[ "$(fake_requests "$start" | head -n 3 | sort -u)" == "GET /client/v4/zones?per_page=50&page=1" ]] \
  || fail "the rate-limited request was not repeated: $(fake_requests "$start")"
[[ $(grep -c 'Cloudflare: rate limited (HTTP 429), retrying in 1 s' "$ACME_ERR") -eq 2 ]] \
  || fail "no Retry-After waits logged: $(cat "$ACME_ERR")"
case_pass

case_begin "rate limited past the retries: one line, exit 1"
cf_control '{"rate_limit": 10}'
run_acmekit certonly "${DNS[@]}" -d "toomany.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Cloudflare: rate limited \(HTTP 429\) 4 times on GET'
assert_no_live "$CFG" "toomany.$ZONE"
cf_control '{"rate_limit": 0}'
case_pass

case_begin "a wrong token: Cloudflare's code and message, exit 1"
bad="$WORK/bad.ini"
sed "s/^dns_cloudflare_api_token *=.*/dns_cloudflare_api_token = wrong-token/" "$CREDS" >"$bad"
chmod 600 "$bad"
dns_api_refused cloudflare "$bad" "badtoken.$ZONE" \
  'Cloudflare: GET /zones\?per_page=50&page=1 failed \(HTTP 403\): 9109 Invalid access token' \
  'Zone:Read and DNS:Edit'
if grep -q wrong-token "$ACME_ERR"; then fail "the token appears in the output"; fi
case_pass

case_begin "a zone the account does not have: the zones it can see are listed"
dns_api_unknown_zone www.other.test \
  'Cloudflare: no zone for _acme-challenge\.www\.other\.test in this account \(it has: example\.test\); is the domain on this account and does the token have Zone:Read'
case_pass

case_begin "a credentials file without a token names the keys"
printf 'dns_cloudflare_api_url = %s\n' "$CF_URL" >"$bad"
run_acmekit certonly --dns-cloudflare --dns-cloudflare-credentials "$bad" -d "notoken.$ZONE" "${COMMON[@]}"
assert_failure
assert_error_matches 'bad\.ini: dns_cloudflare_api_token is missing'
case_pass
