#!/usr/bin/env bash
# dns-01 through PowerDNS Authoritative's HTTP API (--dns-powerdns), against
# Debian's real pdns_server (gsqlite3 backend) that the test starts: it is
# the zones' authoritative server on 127.0.0.2:53 (in a network namespace of
# the test's own, lib_bind.sh) and Pebble validates through it; its API
# listens on a free loopback port. Covers: apex + wildcard issued with another
# TXT value at the name left alone and our records removed afterwards, the
# renewal conf (provider + credentials path, no secret) and renew reusing it,
# a CNAME at _acme-challenge into another zone, a wrong API key, a zone the
# server does not have, a credentials file others can read,
# --dns-powerdns-propagation-seconds, reconfigure with another credentials file.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib_dns_api.sh"

ZONE=example.test
dns_api_begin "$ZONE" delegate.test
# A delegated challenge name, into another zone of the same server.
pdns_api PATCH "/zones/$ZONE." '{"rrsets": [{"name": "_acme-challenge.alias.example.test.", "type": "CNAME",
  "ttl": 60, "changetype": "REPLACE", "records": [{"content": "alias.delegate.test.", "disabled": false}]}]}' >/dev/null
# Fresh authorizations every order (Pebble reuses valid ones by default):
# renew must publish through PowerDNS again.
dns_api_pebble

CREDS="$WORK/powerdns.ini"
write_secret_file "$CREDS" "# certbot-dns-powerdns's keys" "dns_powerdns_api_url = $PDNS_API_URL" "dns_powerdns_api_key = $PDNS_API_KEY"
DNS=(--dns-powerdns --dns-powerdns-credentials "$CREDS" --dns-propagation-interval 1)

case_begin "apex + wildcard through the PowerDNS API; another TXT value stays; ours are gone afterwards"
pdns_set_txt "_acme-challenge.$ZONE" "$ZONE" "keep-me: not acmekit's"
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}" --json
assert_issued_verified "$ZONE" "*.$ZONE"
# Both values went in one PATCH of the zone, found through the API.
grep -q "adding 2 TXT record(s) in zone $ZONE at PowerDNS" "$ACME_ERR" || fail "no one-batch add logged:
$(cat "$ACME_ERR")"
# The propagation check asked the zone's server itself.
grep -q 'ns1.example.test (127.0.0.2) serves' "$ACME_ERR" || fail "the propagation check did not reach pdns:
$(cat "$ACME_ERR")"
assert_txt_is "_acme-challenge.$ZONE" "keep-me: not acmekit's"
assert_renewal_conf_saved "$ZONE" powerdns "$CREDS"
assert_not_leaked "$PDNS_API_KEY"
case_pass

case_begin "renew reuses the saved provider and credentials"
before=$(cert_serial "$CFG/live/$ZONE/cert.pem")
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}" -v
assert_success
[[ "$(cert_serial "$CFG/live/$ZONE/cert.pem")" != "$before" ]] || fail "renew did not replace the certificate"
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
grep -q "in zone $ZONE at PowerDNS" "$ACME_ERR" || fail "renew did not go through PowerDNS:
$(cat "$ACME_ERR")"
assert_txt_is "_acme-challenge.$ZONE" "keep-me: not acmekit's"
case_pass

case_begin "a CNAME at _acme-challenge: the record goes to its target's zone"
run_acmekit certonly "${DNS[@]}" -d "alias.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/alias.$ZONE" "$PEBBLE_ROOT" "alias.$ZONE"
grep -q "_acme-challenge.alias.$ZONE is a CNAME to alias.delegate.test" "$ACME_ERR" \
  || fail "acmekit did not follow the CNAME:
$(cat "$ACME_ERR")"
grep -q "in zone delegate.test at PowerDNS" "$ACME_ERR" || fail "the record did not go to delegate.test"
assert_txt_is alias.delegate.test
case_pass

case_begin "--dns-powerdns-propagation-seconds waits a fixed time instead of the check (certbot's flag)"
run_acmekit certonly --dns-powerdns --dns-powerdns-credentials "$CREDS" --dns-powerdns-propagation-seconds 1 \
  -d "fixed.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/fixed.$ZONE" "$PEBBLE_ROOT" "fixed.$ZONE"
grep -q 'waiting 1 s for 1 DNS record' "$ACME_ERR" || fail "no fixed wait logged: $(cat "$ACME_ERR")"
! grep -q 'serves the TXT' "$ACME_ERR" || fail "the fixed wait should replace the active check"
grep -q '^dns_propagation_seconds = 1$' "$CFG/renewal/fixed.$ZONE.conf" || fail "the wait was not saved"
case_pass

case_begin "reconfigure: another credentials file for the saved provider, tried before it is saved"
install -m 600 "$CREDS" "$WORK/powerdns2.ini"
run_acmekit reconfigure --cert-name "$ZONE" --dns-powerdns-credentials "$WORK/powerdns2.ini" "${COMMON[@]}"
assert_success
grep -q "^dns_powerdns_credentials = $WORK/powerdns2.ini\$" "$CFG/renewal/$ZONE.conf" \
  || fail "reconfigure did not save the new path: $(cat "$CFG/renewal/$ZONE.conf")"
case_pass

case_begin "a wrong API key: one line naming PowerDNS and the cause, exit 1, nothing issued"
bad="$WORK/bad.ini"
sed 's/^dns_powerdns_api_key *=.*/dns_powerdns_api_key = not-the-key/' "$CREDS" >"$bad"
chmod 600 "$bad"
dns_api_refused powerdns "$bad" "badkey.$ZONE" 'PowerDNS' 'HTTP 401.*API key was refused'
if grep -q 'not-the-key' "$ACME_ERR"; then fail "the key appears in the output"; fi
case_pass

case_begin "a zone the server does not have: the error lists the zones it has"
dns_api_unknown_zone www.nozone.test 'PowerDNS: no zone for _acme-challenge\.www\.nozone\.test' 'delegate\.test, example\.test'
case_pass

case_begin "a credentials file others can read is refused"
chmod 644 "$bad"
run_acmekit certonly --dns-powerdns --dns-powerdns-credentials "$bad" -d "mode.$ZONE" "${COMMON[@]}"
assert_failure
assert_error_matches "bad\.ini.*mode 0644.*chmod 600"
assert_no_live "$CFG" "mode.$ZONE"
case_pass

stop_pdns
