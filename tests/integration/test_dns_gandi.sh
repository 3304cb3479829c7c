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
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"
require_acmekit
require_cmd python3

ZONE=example.test
ZONE2=second.test
TOKEN="gandi-pat-$RANDOM$RANDOM"
start_pdns 127.0.0.2
pdns_create_zone "$ZONE" 127.0.0.2
pdns_create_zone "$ZONE2" 127.0.0.2

GD_LOG="$WORK/gandi-requests.jsonl"
: >"$GD_LOG"
# Three domains, two a page whatever per_page asks (a-first.test, example.test | second.test).
start_fake_api gandi "$GD_LOG" "$TOKEN" "$PDNS_API_URL" "$PDNS_API_KEY" 2 a-first.test "$ZONE" "$ZONE2"
GD_URL="$FAKE_API_ORIGIN/v5/livedns"

PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client

CREDS="$WORK/gandi.ini"
printf '# certbot-plugin-gandi\ndns_gandi_token = %s\ndns_gandi_api_url = %s\n' "$TOKEN" "$GD_URL" >"$CREDS"
chmod 600 "$CREDS"
DNS=(--dns-gandi --dns-gandi-credentials "$CREDS" --dns-propagation-interval 1)
requests() { tail -n +"$1" "$GD_LOG" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)'; }

case_begin "names in two zones: one PUT per name, another value kept, ours removed"
curl -fsS --max-time 5 --cacert "$TLS_CA" -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data '{"rrset_values":["\"keep-me\""],"rrset_ttl":300}' "$GD_URL/domains/$ZONE/records/_acme-challenge/TXT" >/dev/null \
  || fail "could not create the other value"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "the other value is not in DNS"
start=$(($(wc -l <"$GD_LOG") + 1))
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE" "www.$ZONE2"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/$ZONE/chain.pem" "$CFG/live/$ZONE/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
got=$(requests "$start")
# The domain list (two pages) once per name (apex and wildcard share one);
# then per zone the name's rrset read and written back (zones in either
# order, the CA orders the authorizations); on cleanup the same read, then
# the remainder PUT back where keep-me stays, the rrset deleted where only
# ours were.
A=/v5/livedns/domains/$ZONE/records/_acme-challenge/TXT
W=/v5/livedns/domains/$ZONE2/records/_acme-challenge.www/TXT
want_head="GET /v5/livedns/domains?page=1&per_page=100
GET /v5/livedns/domains?page=2&per_page=100
GET /v5/livedns/domains?page=1&per_page=100
GET /v5/livedns/domains?page=2&per_page=100"
pairs() { paste -d' ' - - | LC_ALL=C sort; }
[[ "$(head -n 4 <<<"$got")" == "$want_head" \
   && "$(sed -n 5,8p <<<"$got" | pairs)" == "$(printf 'GET %s PUT %s\nGET %s PUT %s\n' "$A" "$A" "$W" "$W" | LC_ALL=C sort)" \
   && "$(sed -n 9,12p <<<"$got" | pairs)" == "$(printf 'GET %s PUT %s\nGET %s DELETE %s\n' "$A" "$A" "$W" "$W" | LC_ALL=C sort)" \
   && "$(wc -l <<<"$got")" == 12 ]] || fail "requests to Gandi:
$got"
[[ "$(tail -n +"$start" "$GD_LOG" | jq -r .auth | sort -u)" == "Bearer $TOKEN" ]] || fail "requests without the token"
# The PUTs while validating: keep-me plus both of the apex's values (one
# request), and the www value alone; each a quoted string, TTL 300 (LiveDNS's least).
puts=$(tail -n +"$start" "$GD_LOG" | jq -cS 'select(.method == "PUT") | {path, ttl: .body.rrset_ttl,
  values: (.body.rrset_values | map(if . == "\"keep-me\"" then "keep" else test("^\"[A-Za-z0-9_-]{43}\"$") end))}')
want_puts="{\"path\":\"$A\",\"ttl\":300,\"values\":[\"keep\",true,true]}
{\"path\":\"$W\",\"ttl\":300,\"values\":[true]}
{\"path\":\"$A\",\"ttl\":300,\"values\":[\"keep\"]}"
[[ "$(LC_ALL=C sort <<<"$puts")" == "$(LC_ALL=C sort <<<"$want_puts")" ]] || fail "PUT bodies:
$puts"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "TXT afterwards: $(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")"
[[ -z "$(dig_txt 127.0.0.2 "_acme-challenge.www.$ZONE2")" ]] || fail "TXT left in $ZONE2"
grep -q '^authenticator = dns-gandi$' "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_gandi_credentials = $CREDS\$" "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the credentials path"
if grep -rq "$TOKEN" "$CFG" "$LOGS"/acmekit-*; then fail "the token appears in acmekit's files or output"; fi
case_pass

case_begin "renew reuses the saved provider"
start=$(($(wc -l <"$GD_LOG") + 1))
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE" "www.$ZONE2"
# At least one name validated again (the CA may hand back a still-valid
# authorization for the others): its rrset PUT with ours, then cleaned.
[[ "$(requests "$start" | grep -c '^PUT ')" -ge 2 ]] || fail "renew did not go through Gandi: $(requests "$start")"
[[ "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" == keep-me ]] || fail "TXT after renew: $(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")"
case_pass

case_begin "the legacy API key works too (Authorization: Apikey)"
legacy="$WORK/legacy.ini"
printf 'dns_gandi_api_key = %s\ndns_gandi_api_url = %s\n' "$TOKEN" "$GD_URL" >"$legacy"
chmod 600 "$legacy"
start=$(($(wc -l <"$GD_LOG") + 1))
run_acmekit certonly --dns-gandi --dns-gandi-credentials "$legacy" --dns-propagation-interval 1 -d "legacy.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/legacy.$ZONE" "$PEBBLE_ROOT" "legacy.$ZONE"
[[ "$(tail -n +"$start" "$GD_LOG" | jq -r .auth | sort -u)" == "Apikey $TOKEN" ]] || fail "not sent as Apikey"
case_pass

case_begin "a wrong token: Gandi's message on one line, exit 1"
bad="$WORK/bad.ini"
printf 'dns_gandi_token = wrong\ndns_gandi_api_url = %s\n' "$GD_URL" >"$bad"
chmod 600 "$bad"
run_acmekit certonly --dns-gandi --dns-gandi-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Gandi LiveDNS: GET /domains\?page=1&per_page=100 failed \(HTTP 401\): The server could not verify that you authenticated successfully; check dns_gandi_token'
assert_no_live "$CFG" "bad.$ZONE"
case_pass

case_begin "a zone the account does not have: its zones are listed"
run_acmekit certonly "${DNS[@]}" -d www.other.test "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Gandi LiveDNS: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass
