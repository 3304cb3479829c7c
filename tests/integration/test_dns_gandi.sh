#!/usr/bin/env bash
# dns-01 through Gandi LiveDNS (--dns-gandi), against fake_gandi.py (the
# documented calls acmekit makes: paged domains, a name's TXT rrset read,
# written back whole with PUT, deleted; its error bodies) backed by a real
# PowerDNS that serves the zones on 127.0.0.2:53 in the test's network
# namespace; Pebble validates through it. The test asserts the exact
# requests: one GET + PUT per name for all of an order's values there, and
# on cleanup the remainder PUT back (another value stays) or the rrset deleted.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
ZONE2=second.test
TOKEN="gandi-pat-$RANDOM$RANDOM"
dns_api_begin "$ZONE" "$ZONE2"

# Three domains, two a page whatever per_page asks (a-first.test, example.test | second.test).
dns_api_fake gandi "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 a-first.test "$ZONE" "$ZONE2"
GD_URL="$FAKE_API_ORIGIN/v5/livedns"

dns_api_pebble

CREDS="$WORK/gandi.ini"
write_secret_file "$CREDS" '# certbot-plugin-gandi' "dns_gandi_token = $TOKEN" "dns_gandi_api_url = $GD_URL"
DNS=(--dns-gandi --dns-gandi-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "names in two zones: one PUT per name, another value kept, ours removed"
curl -fsS --max-time 5 --cacert "$TLS_CA" -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"rrset_values":["\"keep-me\""],"rrset_ttl":300}' "$GD_URL/domains/$ZONE/records/_acme-challenge/TXT" >/dev/null \
  || fail "could not create the other value"
assert_txt_is "_acme-challenge.$ZONE" keep-me
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
got=$(fake_requests "$start")
# The domain list (two pages) once a run (zone_cache.h); then per zone the
# name's rrset read and written back; on cleanup the same read, then the
# remainder PUT back where keep-me stays, the rrset deleted where only ours
# were. The zones go in parallel, so each zone's requests are compared in order.
A=/v5/livedns/domains/$ZONE/records/_acme-challenge/TXT
W=/v5/livedns/domains/$ZONE2/records/_acme-challenge.www/TXT
want_head="GET /v5/livedns/domains?page=1&per_page=100
GET /v5/livedns/domains?page=2&per_page=100"
[[ "$(head -n 2 <<<"$got")" == "$want_head" \
   && "$(grep -Fx -e "GET $A" -e "PUT $A" -e "DELETE $A" <<<"$got")" == "$(printf 'GET %s\nPUT %s\nGET %s\nPUT %s' "$A" "$A" "$A" "$A")" \
   && "$(grep -Fx -e "GET $W" -e "PUT $W" -e "DELETE $W" <<<"$got")" == "$(printf 'GET %s\nPUT %s\nGET %s\nDELETE %s' "$W" "$W" "$W" "$W")" \
   && "$(wc -l <<<"$got")" == 10 ]] || fail "requests to Gandi:
$got"
[[ "$(fake_log "$start" | jq -r .auth | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
# The PUTs while validating: keep-me plus both of the apex's values (one
# request), and the www value alone; each a quoted string, TTL 300 (LiveDNS's least).
puts=$(fake_log "$start" | jq -cS 'select(.method == "PUT") | {path, ttl: .body.rrset_ttl,
  values: (.body.rrset_values | map(if . == "\"keep-me\"" then "keep" else test("^\"[A-Za-z0-9_-]{43}\"$") end))}')
want_puts="{\"path\":\"$A\",\"ttl\":300,\"values\":[\"keep\",true,true]}
{\"path\":\"$W\",\"ttl\":300,\"values\":[true]}
{\"path\":\"$A\",\"ttl\":300,\"values\":[\"keep\"]}"
[[ "$(LC_ALL=C sort <<<"$puts")" == "$(LC_ALL=C sort <<<"$want_puts")" ]] || fail "PUT bodies:
$puts"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" gandi "$CREDS"
assert_not_leaked "$TOKEN"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
# At least one name validated again (the CA may hand back a still-valid
# authorization for the others): its rrset PUT with ours, then cleaned.
[[ "$(fake_requests "$RENEW_START" | grep -c '^PUT ')" -ge 2 ]] || fail "renew did not go through Gandi: $(fake_requests "$RENEW_START")"
assert_txt_is "_acme-challenge.$ZONE" keep-me
case_pass

case_begin "the legacy API key works too (Authorization: Apikey)"
legacy="$WORK/legacy.ini"
write_secret_file "$legacy" "dns_gandi_api_key = $TOKEN" "dns_gandi_api_url = $GD_URL"
start=$(fake_log_mark)
run_acmekit certonly --dns-gandi --dns-gandi-credentials "$legacy" --dns-propagation-interval 1 -d "legacy.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/legacy.$ZONE" "$PEBBLE_ROOT" "legacy.$ZONE"
[[ "$(fake_log "$start" | jq -r .auth | sort -u)" == "Apikey $TOKEN" ]] || fail "not sent as Apikey"
case_pass

case_begin "a wrong token: Gandi's message on one line, exit 1"
bad="$WORK/bad.ini"
write_secret_file "$bad" 'dns_gandi_token = wrong' "dns_gandi_api_url = $GD_URL"
dns_api_refused gandi "$bad" "bad.$ZONE" \
  'Gandi LiveDNS: GET /domains\?page=1&per_page=100 failed \(HTTP 401\): The server could not verify that you authenticated successfully; check dns_gandi_token'
case_pass

case_begin "a zone the account does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  'Gandi LiveDNS: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass
