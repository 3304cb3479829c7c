#!/usr/bin/env bash
# dns-01 with _acme-challenge.NAME a CNAME into a zone that another provider
# (or another account of the same provider) holds: the issue's "CNAME at
# _acme-challenge followed (the record goes to the target's zone, which may be
# at another provider than the name)". The user's zone example.test is at
# "Cloudflare" account A (fake_cloudflare.py); the CNAMEs are served by the
# real PowerDNS (lib_pdns.sh) that is every zone's authoritative server on
# 127.0.0.2:53 and that Pebble validates through. The targets:
#   - auth.test, acme-dns's zone (fake_acmedns.py): acmekit runs with
#     --dns-acmedns, so the name's provider (Cloudflare A) is never asked;
#   - other.test at Cloudflare account B (a second fake_cloudflare.py with its
#     own token and only that zone): acmekit runs with B's credentials.
# Each case asserts the certificate (issued, verifies, covers the names), the
# exact requests at the provider that got the records, and none at the
# others. A last case runs with A's credentials for a name whose CNAME points
# into B's zone: a clear failure, nothing written in the name's own zone.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test  # the names' zone, at Cloudflare account A
AUTH=auth.test     # acme-dns's zone
OTHER=other.test   # at Cloudflare account B
dns_api_begin "$ZONE" "$AUTH" "$OTHER"

TOKEN_A="cf-a-token-$RANDOM$RANDOM"
TOKEN_B="cf-b-token-$RANDOM$RANDOM"
LOG_A="$WORK/cloudflare-a-requests.jsonl"
LOG_B="$WORK/cloudflare-b-requests.jsonl"
: >"$LOG_A"
: >"$LOG_B"
FAKE_INSTANCE=cloudflare_a start_fake_api cloudflare "$LOG_A" "$TOKEN_A" "$PDNS_API_URL" "$PDNS_API_KEY" "$ZONE"
CF_A="$FAKE_API_ORIGIN/client/v4"
FAKE_INSTANCE=cloudflare_b start_fake_api cloudflare "$LOG_B" "$TOKEN_B" "$PDNS_API_URL" "$PDNS_API_KEY" "$OTHER"
CF_B="$FAKE_API_ORIGIN/client/v4"
OTHER_ID=$(printf '%s' "$OTHER" | md5sum | cut -d' ' -f1)
dns_api_fake acmedns "$AUTH" "$PDNS_API_URL" "$PDNS_API_KEY"
ADNS_LOG=$FAKE_LOG
ADNS_URL="$FAKE_API_ORIGIN"

dns_api_pebble

CREDS_A="$WORK/cloudflare-a.ini"
CREDS_B="$WORK/cloudflare-b.ini"
write_secret_file "$CREDS_A" "dns_cloudflare_api_token = $TOKEN_A" "dns_cloudflare_api_url = $CF_A"
write_secret_file "$CREDS_B" "dns_cloudflare_api_token = $TOKEN_B" "dns_cloudflare_api_url = $CF_B"

lines() { wc -l <"$1"; }
# cname NAME TARGET: NAME CNAME TARGET in NAME's zone (example.test), at its
# authoritative server.
cname() {
  pdns_api PATCH "/zones/$ZONE." "$(jq -n --arg n "$1." --arg t "$2." \
    '{rrsets: [{name: $n, type: "CNAME", ttl: 60, changetype: "REPLACE", records: [{content: $t, disabled: false}]}]}')" \
    >/dev/null
}
# assert_untouched LOG SINCE WHO: LOG has no request after line SINCE.
assert_untouched() {
  local n
  n=$(tail -n +"$(($2 + 1))" "$1" | wc -l)
  [[ "$n" -eq 0 ]] || fail "$3 got $n request(s) it should not have: $(tail -n +"$(($2 + 1))" "$1")"
}

case_begin "the name's zone at Cloudflare, _acme-challenge a CNAME into acme-dns: the records go to acme-dns only"
NAME=www.$ZONE
# The account registered beforehand, as a user does with acme-dns's /register
# (the registration file in the format acmekit saves itself).
reg=$(curl -fsS --max-time 5 --cacert "$TLS_CA" -X POST "$ADNS_URL/register") || fail "acme-dns /register failed"
REG="$WORK/acmedns.json"
jq -n --arg d "$NAME" --argjson a "$reg" '{($d): $a}' >"$REG"
chmod 600 "$REG"
FULL=$(jq -r .fulldomain <<<"$reg")
SUB=$(jq -r .subdomain <<<"$reg")
[[ "$FULL" == "$SUB.$AUTH" ]] || fail "acme-dns registered $reg"
ADNS_CREDS="$WORK/acmedns.ini"
write_secret_file "$ADNS_CREDS" "dns_acmedns_api_url = $ADNS_URL" "dns_acmedns_registration_file = $REG"
cname "_acme-challenge.$NAME" "$FULL"
a0=$(lines "$LOG_A") b0=$(lines "$LOG_B") d0=$(lines "$ADNS_LOG")
run_acmekit certonly --dns-acmedns --dns-acmedns-credentials "$ADNS_CREDS" --dns-propagation-interval 1 \
  -d "$NAME" -d "*.$NAME" "${COMMON[@]}"
assert_issued_verified "$NAME" "*.$NAME"
grep -q "_acme-challenge.$NAME is a CNAME to $FULL: the record goes there" "$ACME_ERR" \
  || fail "the CNAME was not followed: $(cat "$ACME_ERR")"
got=$(tail -n +"$((d0 + 1))" "$ADNS_LOG" | jq -c --arg u "$(jq -r .username <<<"$reg")" --arg s "$SUB" \
  '[.method, .path, .user == $u, .body.subdomain == $s, (.body.txt | test("^[A-Za-z0-9_-]{43}$"))]')
want='["POST","/update",true,true,true]'
[[ "$got" == "$(printf '%s\n%s' "$want" "$want")" ]] || fail "requests to acme-dns:
$got"
# The two values acme-dns serves at the target are the two just sent.
sent=$(tail -n +"$((d0 + 1))" "$ADNS_LOG" | jq -r .body.txt | sort)
[[ "$(dig_txt 127.0.0.2 "$FULL")" == "$sent" ]] || fail "TXT at $FULL: $(dig_txt 127.0.0.2 "$FULL") (sent: $sent)"
assert_untouched "$LOG_A" "$a0" "Cloudflare account A (the name's provider)"
assert_untouched "$LOG_B" "$b0" "Cloudflare account B"
case_pass

case_begin "the name's zone at Cloudflare account A, the CNAME into a zone of account B: B's zone gets the records"
NAME=api.$ZONE
TARGET=_acme-challenge.api.$OTHER
cname "_acme-challenge.$NAME" "$TARGET"
a0=$(lines "$LOG_A") b0=$(lines "$LOG_B") d0=$(lines "$ADNS_LOG")
run_acmekit certonly --dns-cloudflare --dns-cloudflare-credentials "$CREDS_B" --dns-propagation-interval 1 \
  -d "$NAME" -d "*.$NAME" "${COMMON[@]}"
assert_issued_verified "$NAME" "*.$NAME"
grep -q "_acme-challenge.$NAME is a CNAME to $TARGET: the record goes there" "$ACME_ERR" \
  || fail "the CNAME was not followed: $(cat "$ACME_ERR")"
got=$(tail -n +"$((b0 + 1))" "$LOG_B" | jq -r '.method + " " + .path + (if .query != "" then "?" + .query else "" end)' \
  | sed -E 's/content=[A-Za-z0-9_-]{43}/content=VALUE/; s#dns_records/[0-9a-f]{32}#dns_records/ID#')
want="GET /client/v4/zones?per_page=50&page=1
POST /client/v4/zones/$OTHER_ID/dns_records
POST /client/v4/zones/$OTHER_ID/dns_records
GET /client/v4/zones/$OTHER_ID/dns_records?type=TXT&name=$TARGET&content=VALUE
DELETE /client/v4/zones/$OTHER_ID/dns_records/ID
GET /client/v4/zones/$OTHER_ID/dns_records?type=TXT&name=$TARGET&content=VALUE
DELETE /client/v4/zones/$OTHER_ID/dns_records/ID"
[[ "$got" == "$want" ]] || fail "requests to Cloudflare account B:
$got
expected:
$want"
[[ "$(tail -n +"$((b0 + 1))" "$LOG_B" | jq -r 'select(.method == "POST") | .body.name' | sort -u)" == "$TARGET" ]] \
  || fail "records not made at the CNAME's target: $(tail -n +"$((b0 + 1))" "$LOG_B" | jq -c 'select(.method == "POST") | .body')"
assert_txt_is "$TARGET"  # cleaned up
assert_untouched "$LOG_A" "$a0" "Cloudflare account A (the name's provider)"
assert_untouched "$ADNS_LOG" "$d0" "acme-dns"
assert_not_leaked "$TOKEN_A" "$TOKEN_B"
case_pass

case_begin "the name's provider cannot write at the CNAME's target: a clear error, nothing written in the name's zone"
NAME=nope.$ZONE
cname "_acme-challenge.$NAME" "_acme-challenge.nope.$OTHER"
a0=$(lines "$LOG_A")
run_acmekit certonly --dns-cloudflare --dns-cloudflare-credentials "$CREDS_A" --dns-propagation-interval 1 \
  -d "$NAME" "${COMMON[@]}"
assert_failure 1
assert_error_matches "Cloudflare: no zone for _acme-challenge\\.nope\\.other\\.test in this account \\(it has: example\\.test\\)"
if tail -n +"$((a0 + 1))" "$LOG_A" | jq -e 'select(.method != "GET")' >/dev/null; then
  fail "account A was written to: $(tail -n +"$((a0 + 1))" "$LOG_A")"
fi
assert_no_live "$CFG" "$NAME"
case_pass
