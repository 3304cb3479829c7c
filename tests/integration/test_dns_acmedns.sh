#!/usr/bin/env bash
# dns-01 through acme-dns (--dns-acmedns): _acme-challenge.NAME is a CNAME
# into acme-dns's zone, and the record goes there through acme-dns's API.
# fake_acmedns.py implements that API (register, update, its errors and its
# rolling pair of values) and writes the values into a real PowerDNS
# (lib_pdns.sh), which serves both the user's zone (with the CNAME) and
# acme-dns's zone on 127.0.0.2:53 in the test's network namespace; Pebble
# validates through it. Covers: a first run registers the domain, saves the
# account (0600) and asks for the CNAME; with the CNAME, apex + wildcard are
# issued with the exact /update requests; the renewal conf and renew; a
# refused password.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_pdns.sh"
require_acmekit
require_cmd python3

ZONE=example.test
AUTH=auth.test
start_pdns 127.0.0.2
pdns_create_zone "$ZONE" 127.0.0.2
pdns_create_zone "$AUTH" 127.0.0.2

ADNS_LOG="$WORK/acmedns-requests.jsonl"
: >"$ADNS_LOG"
start_fake_api acmedns "$ADNS_LOG" "$AUTH" "$PDNS_API_URL" "$PDNS_API_KEY"
ADNS_URL="$FAKE_API_ORIGIN"

PEBBLE_AUTHZREUSE=0 PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client

CREDS="$WORK/acmedns.ini"
REG="$WORK/acmedns.json"
cat >"$CREDS" <<INI
dns_acmedns_api_url = $ADNS_URL
dns_acmedns_registration_file = $REG
INI
chmod 600 "$CREDS"
DNS=(--dns-acmedns --dns-acmedns-credentials "$CREDS" --dns-propagation-interval 1)
NAME=deleg.$ZONE

case_begin "first run: the domain is registered, its account saved 0600, the CNAME asked for"
run_acmekit certonly "${DNS[@]}" -d "$NAME" -d "*.$NAME" "${COMMON[@]}"
assert_failure 1
[[ -f "$REG" ]] || fail "no registration file written"
[[ "$(stat -c %a "$REG")" == 600 ]] || fail "registration file mode $(stat -c %a "$REG")"
FULL=$(jq -r --arg d "$NAME" '.[$d].fulldomain' "$REG")
[[ "$FULL" == *".$AUTH" ]] || fail "registration file: $(cat "$REG")"
assert_error_matches "acme-dns: _acme-challenge\\.$NAME is not a CNAME.*create \"_acme-challenge\\.$NAME CNAME $FULL\\.\""
[[ "$(jq -r '.path' "$ADNS_LOG")" == /register ]] || fail "requests: $(cat "$ADNS_LOG")"
PASSWORD=$(jq -r --arg d "$NAME" '.[$d].password' "$REG")
if grep -q "$PASSWORD" "$ACME_ERR" "$ACME_OUT"; then fail "the acme-dns password appears in the output"; fi
assert_no_live "$CFG" "$NAME"
case_pass

case_begin "with the CNAME: apex + wildcard through acme-dns's /update"
pdns_api PATCH "/zones/$ZONE." "$(jq -n --arg n "_acme-challenge.$NAME." --arg t "$FULL." \
  '{rrsets: [{name: $n, type: "CNAME", ttl: 60, changetype: "REPLACE", records: [{content: $t, disabled: false}]}]}')" >/dev/null
start=$(($(wc -l <"$ADNS_LOG") + 1))
run_acmekit certonly "${DNS[@]}" -d "$NAME" -d "*.$NAME" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$NAME" "$PEBBLE_ROOT" "$NAME" "*.$NAME"
openssl verify -CAfile "$PEBBLE_ROOT" -untrusted "$CFG/live/$NAME/chain.pem" "$CFG/live/$NAME/cert.pem" >/dev/null \
  || fail "the certificate does not verify against Pebble's root"
grep -q "_acme-challenge.$NAME is a CNAME to $FULL" "$ACME_ERR" || fail "the CNAME was not followed: $(cat "$ACME_ERR")"
USER=$(jq -r --arg d "$NAME" '.[$d].username' "$REG")
SUB=$(jq -r --arg d "$NAME" '.[$d].subdomain' "$REG")
got=$(tail -n +"$start" "$ADNS_LOG" | jq -c --arg u "$USER" --arg k "$PASSWORD" --arg s "$SUB" \
  '[.method, .path, .user == $u, .key == $k, .body.subdomain == $s, (.body.txt | test("^[A-Za-z0-9_-]{43}$"))]')
want='["POST","/update",true,true,true,true]'
[[ "$got" == "$(printf '%s\n%s' "$want" "$want")" ]] || fail "requests to acme-dns:
$got"
grep -q '^authenticator = dns-acmedns$' "$CFG/renewal/$NAME.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_acmedns_credentials = $CREDS\$" "$CFG/renewal/$NAME.conf" || fail "renewal conf lacks the credentials path"
if grep -rq "$PASSWORD" "$CFG" "$LOGS"/acmekit-*; then fail "the acme-dns password appears in acmekit's files or output"; fi
case_pass

case_begin "renew reuses the saved provider and account"
start=$(($(wc -l <"$ADNS_LOG") + 1))
run_acmekit renew --cert-name "$NAME" --force-renewal "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/$NAME" "$PEBBLE_ROOT" "$NAME" "*.$NAME"
[[ $(tail -n +"$start" "$ADNS_LOG" | jq -r .path | grep -c '^/update$') -eq 2 ]] || fail "renew did not update twice"
case_pass

case_begin "a refused password: one line naming acme-dns and the cause, exit 1"
jq --arg d "$NAME" '.[$d].password = "wrong-password"' "$REG" >"$WORK/bad.json"
install -m 600 "$WORK/bad.json" "$REG"
run_acmekit certonly "${DNS[@]}" -d "$NAME" -d "*.$NAME" --force-renewal "${COMMON[@]}"
assert_failure 1
assert_error_matches 'acme-dns: POST /update answered HTTP 401: forbidden'
if grep -q wrong-password "$ACME_ERR"; then fail "the password appears in the output"; fi
case_pass
