#!/usr/bin/env bash
# dns-01 end to end against Debian's BIND, in a network namespace of its own
# so two authoritative servers can own port 53 on 127.0.0.2 (primary, takes
# RFC 2136 updates signed with TSIG) and 127.0.0.3 (secondary), with
# /etc/resolv.conf pointing at the primary. Pebble (and acmekit-ca) validate
# through the primary. Covers: apex + wildcard through RFC 2136 and cleanup,
# renewal with the saved settings, the propagation check waiting for a late
# secondary and timing out on one that never gets the record, a wrong TSIG
# secret, a zone the server does not serve, manual dns-01 hooks, acmekit-ca.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
require_acmekit

ZONE=example.test
# A delegated challenge name (lego and cert-manager users do this).
BIND_ZONE_EXTRA="_acme-challenge.alias IN CNAME delegated" start_bind_primary "$ZONE" 127.0.0.2
start_bind_secondary "$ZONE" 127.0.0.3 127.0.0.2 prompt
PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble
use_pebble_client
DNS=(--dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS" --dns-propagation-interval 1)

# assert_no_txt NAME: neither server serves a TXT record at NAME. The
# primary must have none at once; the secondary gets the deletion through
# NOTIFY and a zone transfer, so it has a few seconds.
assert_no_txt() {
  local left i
  left=$(dig_txt 127.0.0.2 "$1")
  [[ -z "$left" ]] || fail "the primary still serves TXT at $1: $left"
  for ((i = 0; i < 100; i++)); do
    left=$(dig_txt 127.0.0.3 "$1")
    [[ -z "$left" ]] && return 0
    sleep 0.1
  done
  fail "the secondary still serves TXT at $1 after 10 s: $left"
}

case_begin "apex + wildcard through RFC 2136; the records are gone afterwards"
serial_before=$(bind_serial 127.0.0.2 "$ZONE")
run_acmekit certonly "${DNS[@]}" -d "$ZONE" -d "*.$ZONE" "${COMMON[@]}" --json
assert_success
# Both values went in one UPDATE and left in one (RFC 2136 §3.7: one serial
# increment each), so the secondary caught up with one NOTIFY per step.
serial_after=$(bind_serial 127.0.0.2 "$ZONE")
((serial_after == serial_before + 2)) \
  || fail "zone serial went from $serial_before to $serial_after: expected one UPDATE to add, one to delete"
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
assert_live_layout "$CFG" "$ZONE"
# Both values were published at one name and checked on both servers.
grep -q '127.0.0.3' "$ACME_ERR" || fail "the propagation check did not mention the secondary 127.0.0.3"
assert_no_txt "_acme-challenge.$ZONE"
grep -q '^authenticator = dns-rfc2136$' "$CFG/renewal/$ZONE.conf" || fail "renewal conf lacks the authenticator"
grep -q "^dns_rfc2136_credentials = $RFC2136_CREDENTIALS\$" "$CFG/renewal/$ZONE.conf" \
  || fail "renewal conf lacks the credentials path"
if grep -rq "$TSIG_SECRET" "$CFG" "$LOGS"/acmekit-*; then fail "the TSIG secret appears in acmekit's files or output"; fi
case_pass

case_begin "renew uses the saved RFC 2136 settings"
before=$(cert_serial "$CFG/live/$ZONE/cert.pem")
run_acmekit renew --cert-name "$ZONE" --force-renewal "${COMMON[@]}"
assert_success
[[ "$(cert_serial "$CFG/live/$ZONE/cert.pem")" != "$before" ]] || fail "renew did not replace the certificate"
assert_cert_ok "$CFG/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
assert_no_txt "_acme-challenge.$ZONE"
case_pass

case_begin "a wrong TSIG secret: the error names the server and the TSIG error, nothing installed"
bad="$WORK/bad-credentials.ini"
sed 's/^dns_rfc2136_secret *=.*/dns_rfc2136_secret = c2VjcmV0LXRoYXQtaXMtd3Jvbmctc2VjcmV0LXRoYXQtaXMtd3Jvbmc=/' \
  "$RFC2136_CREDENTIALS" >"$bad"
chmod 600 "$bad"
run_acmekit certonly --dns-rfc2136 --dns-rfc2136-credentials "$bad" -d badkey.$ZONE "${COMMON[@]}"
assert_failure 1
assert_error_matches '127\.0\.0\.2:53' "name the server"
assert_error_matches 'NOTAUTH|BADSIG' "name the rcode / TSIG error"
assert_no_live "$CFG" "badkey.$ZONE"
assert_no_txt "_acme-challenge.badkey.$ZONE"
case_pass

case_begin "a zone the server does not serve"
run_acmekit certonly "${DNS[@]}" -d www.other.test "${COMMON[@]}"
assert_failure 1
assert_error_matches 'not authoritative.*other\.test|other\.test.*not authoritative'
assert_error_matches '127\.0\.0\.2:53'
assert_no_live "$CFG" www.other.test
case_pass

case_begin "a CNAME at _acme-challenge: the record goes to its target"
run_acmekit certonly "${DNS[@]}" -d "alias.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/alias.$ZONE" "$PEBBLE_ROOT" "alias.$ZONE"
grep -q "_acme-challenge.alias.$ZONE is a CNAME to delegated.$ZONE" "$ACME_ERR" \
  || fail "acmekit did not follow the CNAME:
$(cat "$ACME_ERR")"
assert_no_txt "delegated.$ZONE"
case_pass

case_begin "manual dns-01: hooks publish with nsupdate, get certbot's variables"
HOOKLOG="$WORK/hooklog"; mkdir -p "$HOOKLOG"
cat >"$WORK/dns-auth.sh" <<HOOK
#!/bin/sh
set -e
env | grep '^CERTBOT_' | sort >"$HOOKLOG/auth.\$CERTBOT_REMAINING_CHALLENGES.env"
printf 'server 127.0.0.2\nupdate add _acme-challenge.%s. 60 IN TXT "%s"\nsend\n' "\$CERTBOT_DOMAIN" "\$CERTBOT_VALIDATION" \
  | nsupdate -y "$TSIG_ALG:$TSIG_NAME:$TSIG_SECRET"
HOOK
cat >"$WORK/dns-cleanup.sh" <<HOOK
#!/bin/sh
set -e
printf 'server 127.0.0.2\nupdate delete _acme-challenge.%s. IN TXT "%s"\nsend\n' "\$CERTBOT_DOMAIN" "\$CERTBOT_VALIDATION" \
  | nsupdate -y "$TSIG_ALG:$TSIG_NAME:$TSIG_SECRET"
HOOK
chmod +x "$WORK/dns-auth.sh" "$WORK/dns-cleanup.sh"
run_acmekit certonly --manual --preferred-challenges dns-01 --manual-auth-hook "$WORK/dns-auth.sh" \
  --manual-cleanup-hook "$WORK/dns-cleanup.sh" --dns-propagation-interval 1 \
  -d manual.$ZONE -d "*.manual.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/manual.$ZONE" "$PEBBLE_ROOT" "manual.$ZONE" "*.manual.$ZONE"
for f in "$HOOKLOG"/auth.1.env "$HOOKLOG"/auth.0.env; do
  [[ -f "$f" ]] || fail "missing hook record $f"
  [[ "$(sed -n 's/^CERTBOT_DOMAIN=//p' "$f")" == "manual.$ZONE" ]] || fail "CERTBOT_DOMAIN in $f: $(cat "$f")"
  v=$(sed -n 's/^CERTBOT_VALIDATION=//p' "$f")
  [[ "$v" =~ ^[A-Za-z0-9_-]{43}$ ]] || fail "CERTBOT_VALIDATION '$v' is not a dns-01 TXT value"
  ! grep -q '^CERTBOT_TOKEN=' "$f" || fail "dns-01 hooks should get no CERTBOT_TOKEN"
done
assert_no_txt "_acme-challenge.manual.$ZONE"
case_pass

case_begin "acmekit-ca validates dns-01 through the primary"
ca_hosts_add "ca.$ZONE"
start_acmekit_ca --dns-resolver 127.0.0.2:53
run_acmekit certonly "${DNS[@]}" -d "ca.$ZONE" -d "*.ca.$ZONE" --server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" \
  --config-dir "$WORK/config-ca" --register-unsafely-without-email --agree-tos --non-interactive
assert_success
assert_cert_ok "$WORK/config-ca/live/ca.$ZONE" "$CA_ROOT" "ca.$ZONE" "*.ca.$ZONE"
assert_no_txt "_acme-challenge.ca.$ZONE"
stop_acmekit_ca
case_pass

case_begin "--dns-resolver names the resolver; --dns-propagation-seconds waits a fixed time instead"
run_acmekit certonly "${DNS[@]}" --dns-resolver 127.0.0.3:53 -d "resolver.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/resolver.$ZONE" "$PEBBLE_ROOT" "resolver.$ZONE"
grep -q 'ns2.example.test (127.0.0.3) serves' "$ACME_ERR" || fail "the check did not reach the servers:
$(cat "$ACME_ERR")"
run_acmekit certonly "${DNS[@]}" --dns-propagation-seconds 1 -d "fixed.$ZONE" "${COMMON[@]}"
assert_success
grep -q 'waiting 1 s for 1 DNS record' "$ACME_ERR" || fail "no fixed wait logged"
! grep -q 'serves the TXT' "$ACME_ERR" || fail "--dns-propagation-seconds should replace the active check"
assert_no_txt "_acme-challenge.fixed.$ZONE"
case_pass

case_begin "the propagation check waits for a secondary that gets the record late"
stop_bind_secondary
start_bind_secondary "$ZONE" 127.0.0.3 127.0.0.2 late
# Once the primary has the record, let 3 s pass, then transfer the zone.
(
  for _ in $(seq 1 600); do
    [[ -n "$(dig_txt 127.0.0.2 "_acme-challenge.late.$ZONE")" ]] && break
    sleep 0.1
  done
  sleep 3
  bind_retransfer 127.0.0.3 "$ZONE"
) >"$LOGS/retransfer.log" 2>&1 &
track_pid $!
run_acmekit certonly "${DNS[@]}" --dns-propagation-timeout 60 -d "late.$ZONE" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/late.$ZONE" "$PEBBLE_ROOT" "late.$ZONE"
# The primary had it in the first round, the secondary only rounds later.
grep -q 'ns1.example.test (127.0.0.2) serves .* (round 1)' "$ACME_ERR" \
  || fail "the primary should serve the record in the first round:
$(cat "$ACME_ERR")"
round=$(sed -n 's/.*ns2.example.test (127.0.0.3) serves .* (round \([0-9]*\)).*/\1/p' "$ACME_ERR")
[[ -n "$round" && "$round" -gt 2 ]] || fail "acmekit did not wait for the late secondary (round '$round'):
$(cat "$ACME_ERR")"
case_pass

case_begin "propagation timeout: the lagging server is named, cleanup done, nothing installed"
stop_bind_secondary
start_bind_secondary "$ZONE" 127.0.0.3 127.0.0.2 never
run_acmekit certonly "${DNS[@]}" --dns-propagation-timeout 4 -d "stuck.$ZONE" "${COMMON[@]}"
assert_failure
assert_error_matches 'propagation'
assert_error_matches 'ns2\.example\.test|127\.0\.0\.3' "name the lagging server"
assert_no_live "$CFG" "stuck.$ZONE"
[[ -z "$(dig_txt 127.0.0.2 "_acme-challenge.stuck.$ZONE")" ]] || fail "the record was not deleted from the primary"
case_pass
