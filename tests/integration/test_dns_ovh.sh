#!/usr/bin/env bash
# dns-01 through the OVH API (--dns-ovh), against fake_ovh.py (the
# documented calls acmekit makes: /auth/time, zones, a record POSTed per
# value, the zone refreshed, exactly ours found and DELETEd; its error
# bodies). The fake recomputes every request's signature from the known
# secret (a wrong one is refused as OVH does), runs its clock ahead of the
# machine's (acmekit must use /auth/time), and publishes into a real PowerDNS
# (127.0.0.2:53 in the test's network namespace) only on POST .../refresh, so
# a missing refresh fails validation. One refresh per zone, however many values.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
ZONE2=second.test
AK="ak-$RANDOM$RANDOM"
AS="as-secret-$RANDOM$RANDOM"
CK="ck-secret-$RANDOM$RANDOM"
dns_api_begin "$ZONE" "$ZONE2"

# The API's clock runs 1000 s ahead; the account already has keep-me at _acme-challenge.example.test.
dns_api_fake ovh "$AK" "$AS" "$CK" 1000 "$PDNS_API_URL" "$PDNS_API_KEY" \
  "$ZONE/_acme-challenge/keep-me" a-first.test "$ZONE" "$ZONE2"
OVH_URL="$FAKE_API_ORIGIN/1.0"
assert_txt_is "_acme-challenge.$ZONE" keep-me

dns_api_pebble

ovh_ini() {  # FILE ENDPOINT AK AS CK
  printf '# certbot-dns-ovh\ndns_ovh_endpoint = %s\ndns_ovh_application_key = %s\ndns_ovh_application_secret = %s\ndns_ovh_consumer_key = %s\n' \
    "$2" "$3" "$4" "$5" >"$1"
  chmod 600 "$1"
}
CREDS="$WORK/ovh.ini"
ovh_ini "$CREDS" "$OVH_URL" "$AK" "$AS" "$CK"
DNS=(--dns-ovh --dns-ovh-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "names in two zones: a POST per value, one refresh per zone, exactly ours deleted"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
got=$(fake_requests "$start" | sed -E 's#/record/[0-9]+$#/record/ID#')
[[ "$(fake_log "$start" | jq -r 'select(.path != "/1.0/auth/time") | .signed' | sort -u)" == true ]] \
  || fail "a request was not signed right: $(fake_log "$start" | jq -c 'select(.signed == false)')"
[[ "$(fake_log "$start" | jq -r 'select(.path != "/1.0/auth/time") | .ak + " " + .ck' | sort -u)" == "$AK $CK" ]] \
  || fail "requests without the application or consumer key"
# The server's time once; the zone list once a run (zone_cache.h); per zone
# a POST per value, then ONE refresh; cleanup per zone: the TXT ids at the
# name, each record read, ours (not keep-me) deleted, one refresh. The zones
# go in parallel, so each zone's requests are compared in order.
Z1=/1.0/domain/zone/$ZONE
Z2=/1.0/domain/zone/$ZONE2
want_head="GET /1.0/auth/time
GET /1.0/domain/zone"
# (keep-me, the oldest id, is read first and stays; each of ours is read then deleted.)
want1="POST $Z1/record
POST $Z1/record
POST $Z1/refresh
GET $Z1/record?fieldType=TXT&subDomain=_acme-challenge
GET $Z1/record/ID
GET $Z1/record/ID
DELETE $Z1/record/ID
GET $Z1/record/ID
DELETE $Z1/record/ID
POST $Z1/refresh"
want2="POST $Z2/record
POST $Z2/refresh
GET $Z2/record?fieldType=TXT&subDomain=_acme-challenge.www
GET $Z2/record/ID
DELETE $Z2/record/ID
POST $Z2/refresh"
[[ "$(head -n 2 <<<"$got")" == "$want_head" && $(wc -l <<<"$got") -eq 18 \
   && "$(grep -F "$Z1/" <<<"$got")" == "$want1" && "$(grep -F "$Z2/" <<<"$got")" == "$want2" ]] \
  || fail "requests to OVH:
$got"
posts=$(fake_log "$start" | jq -cS 'select(.method == "POST" and (.path | endswith("/record"))) | .body | .target |= test("^[A-Za-z0-9_-]{43}$")' | LC_ALL=C sort)
want_posts='{"fieldType":"TXT","subDomain":"_acme-challenge","target":true,"ttl":60}
{"fieldType":"TXT","subDomain":"_acme-challenge","target":true,"ttl":60}
{"fieldType":"TXT","subDomain":"_acme-challenge.www","target":true,"ttl":60}'
[[ "$posts" == "$want_posts" ]] || fail "record bodies:
$posts"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" ovh "$CREDS"
assert_not_leaked "$AS" "$CK"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
# At least one zone validated again (the CA may hand back a still-valid
# authorization for the others): its values added, refreshed, removed, refreshed.
[[ "$(fake_requests "$RENEW_START" | grep -c '/refresh$')" -ge 2 && "$(fake_requests "$RENEW_START" | grep -c '^DELETE ')" -ge 1 ]] \
  || fail "renew did not go through OVH: $(fake_requests "$RENEW_START")"
assert_txt_is "_acme-challenge.$ZONE" keep-me
case_pass

case_begin "a wrong application secret: OVH's 'Invalid signature' on one line, exit 1"
bad="$WORK/bad-secret.ini"
ovh_ini "$bad" "$OVH_URL" "$AK" wrong-secret "$CK"
dns_api_refused ovh "$bad" "bad.$ZONE" \
  'OVH: GET /domain/zone failed \(HTTP 400\): Invalid signature; check dns_ovh_application_key, dns_ovh_application_secret and dns_ovh_consumer_key \(the consumer key needs the access rules GET, POST and DELETE on /domain/zone/\*\)'
case_pass

case_begin "an unknown consumer key: 'This credential does not exist', exit 1"
bad="$WORK/bad-ck.ini"
ovh_ini "$bad" "$OVH_URL" "$AK" "$AS" unknown-ck
dns_api_refused ovh "$bad" "bad.$ZONE" \
  'OVH: GET /domain/zone failed \(HTTP 403\): This credential does not exist; check '
case_pass

case_begin "an unknown endpoint name is refused before any request"
bad="$WORK/bad-endpoint.ini"
ovh_ini "$bad" ovh-mars "$AK" "$AS" "$CK"
start=$(fake_log_mark)
run_acmekit certonly --dns-ovh --dns-ovh-credentials "$bad" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure
assert_error_matches 'dns_ovh_endpoint "ovh-mars" is unknown'
[[ -z "$(fake_requests "$start")" ]] || fail "requests were sent: $(fake_requests "$start")"
case_pass

case_begin "a zone the account does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  'OVH: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass
