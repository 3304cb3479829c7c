#!/usr/bin/env bash
# dns-01 through Google Cloud DNS (--dns-google), against fake_google.py: a
# token endpoint that verifies the service account's RS256 JWT with its
# public key (openssl), and the Cloud DNS API v1 calls acmekit makes
# (paginated managedZones, rrsets, changes that must match what is there),
# backed by a real PowerDNS on 127.0.0.2:53 in the test's network namespace;
# Pebble validates through it. The service account key is made here with
# openssl. The test asserts the exact requests: one change per zone.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"
require_cmd python3 openssl jq

ZONE=example.test
ZONE2=second.test
PROJECT=acme-proj-$RANDOM
EMAIL="acmekit@$PROJECT.iam.gserviceaccount.com"
dns_api_begin "$ZONE" "$ZONE2"

SA_KEY="$WORK/sa-key.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$SA_KEY" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$SA_KEY" -pubout -out "$WORK/sa-pub.pem" || fail "openssl pkey -pubout"

# Three zones, two a page (zone-00 a-first.test, zone-01 example.test,
# zone-02 second.test); someone else's TXT value at _acme-challenge.example.test.
FAKE_PRESET_TXT="_acme-challenge.$ZONE=keep-me" \
  dns_api_fake google "$WORK/sa-pub.pem" "$EMAIL" "$PROJECT" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test "$ZONE" "$ZONE2"

dns_api_pebble

# sa_json KEYFILE [TOKEN_URI]: a service account key as Google's console downloads it.
sa_json() {
  jq -n --rawfile key "$1" --arg email "$EMAIL" --arg project "$PROJECT" --arg token "${2:-$FAKE_API_ORIGIN/token}" \
    --arg api "$FAKE_API_ORIGIN/dns/v1" \
    '{type: "service_account", project_id: $project, private_key_id: "0123abcd", private_key: $key,
      client_email: $email, client_id: "1234567890", auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: $token, dns_google_api_url: $api}'
}
CREDS="$WORK/sa.json"
sa_json "$SA_KEY" >"$CREDS"
chmod 600 "$CREDS"
DNS=(--dns-google --dns-google-credentials "$CREDS" --dns-propagation-interval 1)
assert_txt_is "_acme-challenge.$ZONE" keep-me

case_begin "names in two zones: one change per zone, the other value kept, ours gone"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
got=$(fake_requests "$start")
P="/dns/v1/projects/$PROJECT/managedZones"
# One token; the zone list read once a run (zone_cache.h), two pages; then
# for each zone its rrset read and ONE change to add, and the same again to
# clean up. The zones go in parallel, so each zone's requests are compared
# in order.
want_head="POST /token
GET $P
GET $P?pageToken=2"
zone_seq() { printf 'GET %s/%s/rrsets?name=%s&type=TXT\nPOST %s/%s/changes\nGET %s/%s/rrsets?name=%s&type=TXT\nPOST %s/%s/changes' \
  "$P" "$1" "$2" "$P" "$1" "$P" "$1" "$2" "$P" "$1"; }
[[ "$(head -n 3 <<<"$got")" == "$want_head" && $(wc -l <<<"$got") -eq 11 \
   && "$(grep -F "$P/zone-01/" <<<"$got")" == "$(zone_seq zone-01 _acme-challenge.example.test.)" \
   && "$(grep -F "$P/zone-02/" <<<"$got")" == "$(zone_seq zone-02 _acme-challenge.www.second.test.)" ]] \
  || fail "requests to Google:
$got"
# Every API call carried the one token the JWT was traded for.
[[ "$(fake_log "$start" | jq -r 'select(.path != "/token") | .auth' | sort -u | wc -l)" == 1 \
   && "$(fake_log "$start" | jq -r 'select(.path != "/token") | .auth' | sort -u)" == "Bearer ya29.fake-"* ]] \
  || fail "API calls without the token"
# The changes to example.test: add = the old rrset out, the union in; clean up = the union out, keep-me back.
changes=$(fake_log "$start" | jq -c "select(.path == \"$P/zone-01/changes\") | .body |
  [(.deletions | map(.rrdatas | map(if . == \"\\\"keep-me\\\"\" then \"K\" else \"V\" end))),
   (.additions | map(.ttl, (.rrdatas | map(if . == \"\\\"keep-me\\\"\" then \"K\" else \"V\" end))))]")
[[ "$changes" == '[[["K"]],[300,["K","V","V"]]]
[[["K","V","V"]],[300,["K"]]]' ]] || fail "changes to $ZONE:
$changes"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" google "$CREDS"
key_line=$(sed -n 3p "$SA_KEY")
token=$(fake_log "$start" | jq -r 'select(.path != "/token") | .auth' | head -1 | cut -d' ' -f2)
assert_not_leaked "$key_line" "$token"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
[[ "$(fake_requests "$RENEW_START" | grep -c '/changes$')" == 4 ]] || fail "renewal did not go through Google: $(fake_requests "$RENEW_START")"
assert_txt_is "_acme-challenge.$ZONE" keep-me
case_pass

case_begin "another key than the service account's: the token endpoint refuses the JWT, exit 1"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other-key.pem" 2>/dev/null
bad="$WORK/bad.json"
sa_json "$WORK/other-key.pem" >"$bad"
chmod 600 "$bad"
dns_api_refused google "$bad" "bad.$ZONE" \
  "Google Cloud DNS: token request to https://127\.0\.0\.1:[0-9]+/token refused \(HTTP 400\): invalid_grant: Invalid JWT Signature\.; check the service account key"
case_pass

case_begin "a key file others may read is refused"
chmod 644 "$bad"
run_acmekit certonly --dns-google --dns-google-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure
assert_error_matches "bad\.json is accessible by group or others \(mode 0644\)"
case_pass

case_begin "another project: Google's permission error names the role"
jq --arg p "not-$PROJECT" '. + {dns_google_project: $p}' "$CREDS" >"$WORK/proj.json"
chmod 600 "$WORK/proj.json"
dns_api_refused google "$WORK/proj.json" "p.$ZONE" \
  "Google Cloud DNS: GET /projects/not-$PROJECT/managedZones failed \(HTTP 403\): Forbidden; .*DNS Administrator role"
case_pass

case_begin "a zone the project does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  "Google Cloud DNS: no zone for _acme-challenge\.www\.other\.test in project $PROJECT \(it has: a-first\.test, example\.test, second\.test\)"
case_pass
