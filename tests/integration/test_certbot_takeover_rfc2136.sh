#!/usr/bin/env bash
# The RFC 2136 part of the certbot takeover (test_certbot_takeover.sh has the
# rest), against Debian's BIND in a network namespace of its own: certbot's
# dns-rfc2136 plugin obtains an apex + wildcard certificate from Pebble
# (which resolves through BIND); `acmekit renew --force-renewal --config-dir
# THAT` renews it through RFC 2136 with certbot's credentials file, the
# certificate verifies, the TXT records are gone, certbot lists the new
# certificate and renews it again afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
require_acmekit
require_cmd certbot

ZONE=example.test
start_bind_primary "$ZONE" 127.0.0.2
# certbot is the peer here: no badNonce it would give up on, no authorization
# reused (every renewal answers its dns-01 challenges).
export PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
PEBBLE_DNS_SERVER=127.0.0.2:53 start_pebble

CB="$WORK/letsencrypt"
CBWORK="$WORK/certbot-work"
certbot_run() {  # certbot ARGS... against Pebble, into $CB
  REQUESTS_CA_BUNDLE="$TLS_CA" timeout 180 certbot "$@" --server "$PEBBLE_DIR_URL" --config-dir "$CB" \
    --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" --non-interactive --agree-tos \
    --register-unsafely-without-email >"$LOGS/certbot.out" 2>&1 \
    || fail "certbot $1 failed: $(tail -n 30 "$LOGS/certbot.out")"
}

case_begin "certbot --dns-rfc2136 obtains apex + wildcard"
certbot_run certonly --dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS" \
  --dns-rfc2136-propagation-seconds 1 -d "$ZONE" -d "*.$ZONE"
[[ -d "$CB/live/$ZONE" && ! -L "$CB/live/$ZONE" ]] || fail "live/$ZONE is not certbot's real directory"
grep -q '^authenticator = dns-rfc2136$' "$CB/renewal/$ZONE.conf" || fail "not a dns-rfc2136 lineage"
SERIAL1=$(cert_serial "$CB/live/$ZONE/cert.pem")
case_pass

case_begin "acmekit renew --force-renewal renews it through RFC 2136 with certbot's credentials"
serial_before=$(bind_serial 127.0.0.2 "$ZONE")
run_acmekit renew --force-renewal --config-dir "$CB" --ca-bundle "$TLS_CA" --json
assert_success
[[ "$(json_get '.renewed | join(",")')" == "$ZONE" ]] || fail "renew: $(cat "$ACME_OUT")"
assert_cert_ok "$CB/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
[[ "$(cert_serial "$CB/live/$ZONE/cert.pem")" != "$SERIAL1" ]] || fail "certificate not replaced"
(($(bind_serial 127.0.0.2 "$ZONE") > serial_before)) || fail "no RFC 2136 update reached BIND"
[[ -z "$(dig_txt 127.0.0.2 "_acme-challenge.$ZONE")" ]] || fail "TXT records left behind"
[[ "$(readlink "$CB/live/$ZONE/cert.pem")" == "../../archive/$ZONE/cert2.pem" ]] || fail "not in certbot's layout"
if grep -rq "$TSIG_SECRET" "$LOGS"/acmekit-*; then fail "the TSIG secret appears in acmekit's output"; fi
case_pass

case_begin "certbot lists it and renews it afterwards"
REQUESTS_CA_BUNDLE="$TLS_CA" certbot certificates --config-dir "$CB" --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" \
  >"$LOGS/certbot-certificates.log" 2>&1 || fail "certbot certificates failed: $(cat "$LOGS/certbot-certificates.log")"
grep -qi "Serial Number: $(cert_serial "$CB/live/$ZONE/cert.pem")\$" "$LOGS/certbot-certificates.log" \
  || fail "certbot does not list the new serial: $(cat "$LOGS/certbot-certificates.log")"
certbot_run renew --force-renewal --no-random-sleep-on-renew
[[ "$(readlink "$CB/live/$ZONE/cert.pem")" == "../../archive/$ZONE/cert3.pem" ]] || fail "certbot did not renew it"
assert_cert_ok "$CB/live/$ZONE" "$PEBBLE_ROOT" "$ZONE" "*.$ZONE"
case_pass
