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
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
AUTH=auth.test
dns_api_begin "$ZONE" "$AUTH"

dns_api_fake acmedns "$AUTH" "$PDNS_API_URL" "$PDNS_API_KEY"
ADNS_URL="$FAKE_API_ORIGIN"

dns_api_pebble

CREDS="$WORK/acmedns.ini"
REG="$WORK/acmedns.json"
write_secret_file "$CREDS" "dns_acmedns_api_url = $ADNS_URL" "dns_acmedns_registration_file = $REG"
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
[[ "$(fake_log 1 | jq -r '.path')" == /register ]] || fail "requests: $(fake_log 1)"
PASSWORD=$(jq -r --arg d "$NAME" '.[$d].password' "$REG")
if grep -q "$PASSWORD" "$ACME_ERR" "$ACME_OUT"; then fail "the acme-dns password appears in the output"; fi
assert_no_live "$CFG" "$NAME"
case_pass

case_begin "with the CNAME: apex + wildcard through acme-dns's /update"
pdns_api PATCH "/zones/$ZONE." "$(jq -n --arg n "_acme-challenge.$NAME." --arg t "$FULL." \
  '{rrsets: [{name: $n, type: "CNAME", ttl: 60, changetype: "REPLACE", records: [{content: $t, disabled: false}]}]}')" >/dev/null
start=$(fake_log_mark)
run_acmekit certonly "${DNS[@]}" -d "$NAME" -d "*.$NAME" "${COMMON[@]}"
assert_issued_verified "$NAME" "*.$NAME"
grep -q "_acme-challenge.$NAME is a CNAME to $FULL" "$ACME_ERR" || fail "the CNAME was not followed: $(cat "$ACME_ERR")"
USER=$(jq -r --arg d "$NAME" '.[$d].username' "$REG")
SUB=$(jq -r --arg d "$NAME" '.[$d].subdomain' "$REG")
got=$(fake_log "$start" | jq -c --arg u "$USER" --arg k "$PASSWORD" --arg s "$SUB" \
  '[.method, .path, .user == $u, .key == $k, .body.subdomain == $s, (.body.txt | test("^[A-Za-z0-9_-]{43}$"))]')
want='["POST","/update",true,true,true,true]'
[[ "$got" == "$(printf '%s\n%s' "$want" "$want")" ]] || fail "requests to acme-dns:
$got"
assert_renewal_conf_saved "$NAME" acmedns "$CREDS"
assert_not_leaked "$PASSWORD"
case_pass

case_begin "renew reuses the saved provider and account"
dns_api_renew "$NAME" "*.$NAME"
[[ $(fake_log "$RENEW_START" | jq -r .path | grep -c '^/update$') -eq 2 ]] || fail "renew did not update twice"
case_pass

case_begin "a refused password: one line naming acme-dns and the cause, exit 1"
jq --arg d "$NAME" '.[$d].password = "wrong-password"' "$REG" >"$WORK/bad.json"
install -m 600 "$WORK/bad.json" "$REG"
run_acmekit certonly "${DNS[@]}" -d "$NAME" -d "*.$NAME" --force-renewal "${COMMON[@]}"
assert_failure 1
assert_error_matches 'acme-dns: POST /update answered HTTP 401: forbidden'
if grep -q wrong-password "$ACME_ERR"; then fail "the password appears in the output"; fi
case_pass
