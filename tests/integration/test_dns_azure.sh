#!/usr/bin/env bash
# dns-01 through Azure DNS (--dns-azure), against fake_azure.py: Entra ID's
# client-credentials token endpoint (checking the client id and secret, AAD's
# error format) and the Resource Manager calls acmekit makes (dnsZones with
# nextLink paging, TXT record sets read and written whole), backed by a real
# PowerDNS on 127.0.0.2:53 in the test's network namespace; Pebble validates
# through it. The test asserts the exact requests.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
ZONE2=second.test
TENANT=tenant-$RANDOM
CLIENT=client-$RANDOM
SECRET="az~secret.$RANDOM$RANDOM"
SUB=sub-$RANDOM
RG=rg-dns
dns_api_begin "$ZONE" "$ZONE2"

# Three zones, two a page; someone else's TXT value at _acme-challenge.example.test.
FAKE_PRESET_TXT="_acme-challenge.$ZONE=keep-me" \
  dns_api_fake azure "$TENANT" "$CLIENT" "$SECRET" "$SUB" "$RG" "$PDNS_API_URL" "$PDNS_API_KEY" 2 \
  a-first.test "$ZONE" "$ZONE2"

dns_api_pebble

# creds FILE SECRET RESOURCE_GROUP: a service principal's credentials (lego's subscription + resource group).
creds() {
  printf 'dns_azure_sp_client_id = %s\ndns_azure_sp_client_secret = %s\ndns_azure_tenant_id = %s\n' \
    "$CLIENT" "$2" "$TENANT" >"$1"
  printf 'dns_azure_subscription_id = %s\ndns_azure_resource_group = %s\n' "$SUB" "$3" >>"$1"
  printf 'dns_azure_authority_url = %s\ndns_azure_api_url = %s\n' "$FAKE_API_ORIGIN" "$FAKE_API_ORIGIN" >>"$1"
  chmod 600 "$1"
}
CREDS="$WORK/azure.ini"
creds "$CREDS" "$SECRET" "$RG"
DNS=(--dns-azure --dns-azure-credentials "$CREDS" --dns-propagation-interval 1)
assert_txt_is "_acme-challenge.$ZONE" keep-me
Z="/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Network/dnsZones"
V="api-version=2018-05-01"

case_begin "names in two zones: record sets read and written whole, the other value kept, ours gone"
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" -d "www.$ZONE2" "${COMMON[@]}"
assert_issued_verified "$ZONE" "*.$ZONE" "www.$ZONE2"
got=$(fake_requests "$start")
# One token; the zones listed once a run (zone_cache.h), two pages by
# nextLink; then per zone each name's record set read and PUT whole; cleanup
# reads again and PUTs the rest or DELETEs. The zones go in parallel, so each
# zone's own requests are compared in order.
want_head="POST /$TENANT/oauth2/v2.0/token
GET $Z?$V
GET $Z?$V&\$skipToken=2"
want_example="GET $Z/example.test/TXT/_acme-challenge?$V
PUT $Z/example.test/TXT/_acme-challenge?$V
GET $Z/example.test/TXT/_acme-challenge?$V
PUT $Z/example.test/TXT/_acme-challenge?$V"
want_second="GET $Z/second.test/TXT/_acme-challenge.www?$V
PUT $Z/second.test/TXT/_acme-challenge.www?$V
GET $Z/second.test/TXT/_acme-challenge.www?$V
DELETE $Z/second.test/TXT/_acme-challenge.www?$V"
[[ "$(head -n 3 <<<"$got")" == "$want_head" && $(wc -l <<<"$got") -eq 11 \
   && "$(grep -F "$Z/example.test/" <<<"$got")" == "$want_example" \
   && "$(grep -F "$Z/second.test/" <<<"$got")" == "$want_second" ]] \
  || fail "requests to Azure:
$got"
[[ "$(fake_log "$start" | jq -r 'select(.method == "POST") | .body | [.grant_type, .client_id, .client_secret, .scope] | join(" ")')" \
   == "client_credentials $CLIENT <right> https://management.azure.com/.default" ]] || fail "token request: $(head -1 <<<"$got")"
[[ "$(fake_log "$start" | jq -r 'select(.method != "POST") | .auth' | sort -u | wc -l)" == 1 \
   && "$(fake_log "$start" | jq -r 'select(.method != "POST") | .auth' | sort -u)" == "Bearer eyJ0.fake-"* ]] \
  || fail "ARM calls without the token"
# The PUTs at _acme-challenge.example.test: keep-me plus our two values (its TTL kept), then keep-me alone.
puts=$(fake_log "$start" | jq -c "select(.method == \"PUT\" and (.path | endswith(\"/example.test/TXT/_acme-challenge\"))) |
  .body.properties | [.TTL, (.TXTRecords | map(.value[0] | if . == \"keep-me\" then \"K\" else \"V\" end))]")
[[ "$puts" == '[300,["K","V","V"]]
[300,["K"]]' ]] || fail "PUTs to $ZONE: $puts"
assert_txt_is "_acme-challenge.$ZONE" keep-me
assert_txt_is "_acme-challenge.www.$ZONE2"
assert_renewal_conf_saved "$ZONE" azure "$CREDS"
token=$(fake_log "$start" | jq -r 'select(.method != "POST") | .auth' | head -1 | cut -d' ' -f2)
assert_not_leaked "$SECRET" "$token"
case_pass

case_begin "renew reuses the saved provider"
dns_api_renew "$ZONE" "*.$ZONE" "www.$ZONE2"
[[ "$(fake_requests "$RENEW_START" | grep -cE '^(PUT|DELETE) ')" == 4 ]] || fail "renewal did not go through Azure: $(fake_requests "$RENEW_START")"
assert_txt_is "_acme-challenge.$ZONE" keep-me
case_pass

case_begin "certbot-dns-azure's zone mappings: no zone listing"
MAP="$WORK/azure-map.ini"
grep -v -e subscription_id -e resource_group "$CREDS" >"$MAP"
printf 'dns_azure_zone1 = %s:/subscriptions/%s/resourceGroups/%s\n' "$ZONE2" "$SUB" "$RG" >>"$MAP"
chmod 600 "$MAP"
start=$(fake_log_mark)
run_acmekit certonly --dns-azure --dns-azure-credentials "$MAP" --dns-propagation-interval 1 -d "map.$ZONE2" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/map.$ZONE2" "$PEBBLE_ROOT" "map.$ZONE2"
[[ "$(fake_requests "$start" | sed -E 's/\?.*//' | LC_ALL=C sort | uniq -c | awk '{print $1, $2, $3}')" == "1 DELETE $Z/second.test/TXT/_acme-challenge.map
2 GET $Z/second.test/TXT/_acme-challenge.map
1 POST /$TENANT/oauth2/v2.0/token
1 PUT $Z/second.test/TXT/_acme-challenge.map" ]] || fail "requests with zone mappings: $(fake_requests "$start")"
case_pass

case_begin "a wrong client secret: AAD's message on one line, exit 1"
creds "$WORK/bad.ini" "wrong-secret" "$RG"
dns_api_refused azure "$WORK/bad.ini" "bad.$ZONE" \
  "Azure DNS: token request to https://127\.0\.0\.1:[0-9]+/$TENANT/oauth2/v2\.0/token refused \(HTTP 401\): invalid_client: AADSTS7000215: Invalid client secret provided\..*; check dns_azure_sp_client_id"
if grep -q "Trace ID" "$ACME_ERR"; then fail "AAD's trace lines in the error: $(cat "$ACME_ERR")"; fi
case_pass

case_begin "a resource group the principal may not use: ARM's error names the role"
creds "$WORK/rg.ini" "$SECRET" "rg-other"
dns_api_refused azure "$WORK/rg.ini" "rg.$ZONE" \
  "Azure DNS: GET /subscriptions/$SUB/resourceGroups/rg-other/providers/Microsoft\.Network/dnsZones\?api-version=2018-05-01 failed \(HTTP 403\): AuthorizationFailed: .*DNS Zone Contributor role"
case_pass

case_begin "a zone the resource group does not have: its zones are listed"
dns_api_unknown_zone www.other.test \
  "Azure DNS: no zone for _acme-challenge\.www\.other\.test in resource group /subscriptions/$SUB/resourceGroups/$RG \(it has: a-first\.test, example\.test, second\.test\)"
case_pass
