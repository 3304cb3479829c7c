#!/usr/bin/env bash
# dns-01 through Amazon Route 53 (--dns-route53), against fake_route53.py
# (the documented calls acmekit makes: paginated ListHostedZones,
# ListResourceRecordSets from a name, one ChangeResourceRecordSets batch per
# zone, GetChange; AWS's error XML; every request's SigV4 signature checked
# with the secret) backed by a real PowerDNS serving the zones on
# 127.0.0.2:53 in the test's network namespace; Pebble validates through it.
# The credentials come from the environment (AWS_ACCESS_KEY_ID, ...), the API
# URL from AWS_ENDPOINT_URL_ROUTE_53, as the AWS SDKs read them.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
ZONE2=second.test
KEY_ID="AKIAFAKE$RANDOM$RANDOM"
SECRET="r53-secret-$RANDOM$RANDOM$RANDOM"
dns_api_begin "$ZONE" "$ZONE2"

# Three zones, two a page (Z00FAKE a-first.test, Z01FAKE example.test,
# Z02FAKE second.test); another client's TXT value at _acme-challenge.example.test;
# the first ListResourceRecordSets throttled (400), the first change 429.
SEED="_acme-challenge.$ZONE=keep-me" THROTTLE=1 \
  dns_api_fake route53 "$KEY_ID" "$SECRET" "$PDNS_API_URL" "$PDNS_API_KEY" 2 a-first.test "$ZONE" "$ZONE2"
assert_txt_is "_acme-challenge.$ZONE" keep-me

dns_api_pebble

export AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_ENDPOINT_URL_ROUTE_53="$FAKE_API_ORIGIN"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
DNS=(--dns-route53 --dns-propagation-interval 1)

case_begin "names in two zones: one ChangeBatch per zone, the union upserted, exactly ours removed"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
# Throttling: exactly one 400 and one 429, each followed by the same request, answered.
statuses=$(fake_log "$start" | jq -r '.status' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
[[ "$statuses" == "200x12 400x1 429x1 " ]] || fail "statuses: $statuses"
# Each throttled request sent again later and answered (the zones go in
# parallel, so other requests may come in between).
retried=$(fake_log "$start" | jq -s -r 'to_entries as $all | $all[] | select(.value.status == 400 or .value.status == 429)
  | . as $t | [$all[] | select(.key > $t.key and .value.method == $t.value.method and .value.path == $t.value.path
    and .value.query == $t.value.query and .value.status == 200)] | if length > 0 then "same" else "other" end')
[[ "$retried" == "same
same" ]] || fail "throttled requests were not retried: $retried"
# ListHostedZones once (two pages); per zone its TXT set read, one batch,
# GetChange; cleanup: per zone the set read again, one batch. The zones go in
# parallel, so each zone's requests are compared in order (the throttled
# answers left out: their retries are there).
got=$(fake_log "$start" | jq -r 'select(.status != 400 and .status != 429)
  | .method + " " + .path + (if .query != "" then "?" + .query else "" end)' | sed -E 's#/change/C[0-9]+$#/change/ID#')
H=/2013-04-01/hostedzone
zone_seq() { printf 'GET %s/%s/rrset?name=%s&type=TXT&maxitems=1\nPOST %s/%s/rrset\nGET %s/%s/rrset?name=%s&type=TXT&maxitems=1\nPOST %s/%s/rrset' \
  "$H" "$1" "$2" "$H" "$1" "$H" "$1" "$2" "$H" "$1"; }
[[ "$(head -n 2 <<<"$got")" == "$(printf 'GET %s?maxitems=100\nGET %s?maxitems=100&marker=Z02FAKE' "$H" "$H")" \
   && $(wc -l <<<"$got") -eq 12 && $(grep -cx 'GET /2013-04-01/change/ID' <<<"$got") -eq 2 \
   && "$(grep -F "$H/Z01FAKE/" <<<"$got")" == "$(zone_seq Z01FAKE _acme-challenge.example.test.)" \
   && "$(grep -F "$H/Z02FAKE/" <<<"$got")" == "$(zone_seq Z02FAKE _acme-challenge.www.second.test.)" ]] \
  || fail "requests to Route 53:
$got"
[[ "$(fake_log "$start" | jq -r .access_key | sort -u)" == "$KEY_ID" ]] || fail "requests not signed with the key"
# The batches: values are the dns-01 digests (43 base64url characters).
batches=$(fake_log "$start" | jq -c 'select(.method == "POST" and .status == 200) | .changes
  | map(.[3] |= map(if test("^\"[A-Za-z0-9_-]{43}\"$") then "OURS" else . end))' | LC_ALL=C sort)
# (Adding sets the challenge TTL, 60 s, on the name's whole rrset; removing
# keeps the rrset's TTL for the values left.)
want_batches='[["DELETE","_acme-challenge.www.second.test.",60,["OURS"]]]
[["UPSERT","_acme-challenge.example.test.",60,["\"keep-me\"","OURS","OURS"]]]
[["UPSERT","_acme-challenge.example.test.",60,["\"keep-me\""]]]
[["UPSERT","_acme-challenge.www.second.test.",60,["OURS"]]]'
[[ "$batches" == "$want_batches" ]] || fail "change batches:
$batches
expected:
$want_batches"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" route53 -
case_pass

case_begin "renew reuses the saved provider (credentials from the environment again)"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
assert_txt_is "_acme-challenge.$ZONE" keep-me
case_pass

case_begin "a credentials file (0600) instead of the environment; its path saved, never the secret"
CREDS="$WORK/route53.ini"
write_secret_file "$CREDS" "aws_access_key_id = $KEY_ID" "aws_secret_access_key = $SECRET" "dns_route53_api_url = $FAKE_API_ORIGIN"
AWS_ACCESS_KEY_ID=wrong AWS_SECRET_ACCESS_KEY=wrong run_acmekit certonly --dns-route53 --dns-route53-credentials "$CREDS" \
  --dns-propagation-interval 1 -d "file.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/file.$ZONE" "$PEBBLE_ROOT" "file.$ZONE"
assert_renewal_conf_saved "file.$ZONE" route53 "$CREDS"
case_pass

case_begin "a wrong secret: Route 53's SignatureDoesNotMatch, exit 1"
AWS_SECRET_ACCESS_KEY=wrong-secret run_acmekit certonly "${DNS[@]}" -d "bad.$ZONE" "${COMMON[@]}"
assert_failure 1
assert_error_matches 'Route 53: GET /2013-04-01/hostedzone\?maxitems=100 failed \(HTTP 403 SignatureDoesNotMatch\): The request signature we calculated does not match'
assert_no_live "$CFG" "bad.$ZONE"
case_pass

case_begin "no credentials anywhere: one line saying where acmekit looked"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
HOME="$WORK/nohome" run_acmekit certonly --dns-route53 -d "nocreds.$ZONE" "${COMMON[@]}"
export AWS_ACCESS_KEY_ID="$KEY_ID" AWS_SECRET_ACCESS_KEY="$SECRET"
assert_failure 2  # a usage error, as another provider's file missing its key
assert_error_matches "Route 53: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile \[default\] in $WORK/nohome/\.aws/credentials"
case_pass

case_begin "a zone the account does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  'Route 53: no zone for _acme-challenge\.www\.other\.test in this account \(it has: a-first\.test, example\.test, second\.test\)'
case_pass

case_begin "the secret never appears in acmekit's files or output"
assert_not_leaked "$SECRET"
case_pass
