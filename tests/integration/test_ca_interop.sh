#!/usr/bin/env bash
# acmekit-ca against the real clients Debian ships: certbot and lego (in
# their standalone http-01 modes) and acmekit obtain, renew and revoke
# certificates; every certificate verifies against DATA_DIR/root.pem and the
# CA's database records each revocation.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd certbot lego
ca_hosts_add certbot.ca.test www.certbot.ca.test lego.ca.test acmekit.ca.test www.acmekit.ca.test
start_acmekit_ca

# verify_chain FULLCHAIN NAME...: verifies to the CA's root, names exactly NAME...
verify_chain() {
  local full=$1; shift
  local leaf="$WORK/leaf.pem" rest="$WORK/rest.pem"
  awk '/BEGIN CERT/{n++} n==1' "$full" >"$leaf"
  awk '/BEGIN CERT/{n++} n>1' "$full" >"$rest"
  openssl verify -purpose sslserver -CAfile "$CA_ROOT" -untrusted "$rest" "$leaf" >/dev/null \
    || fail "$full does not verify against $CA_ROOT"
  [[ "$(cert_sans "$leaf")" == "$(sorted_names "$@")" ]] || fail "$full names $(cert_sans "$leaf" | xargs), expected $*"
}

# ------------------------------------------------------------------ certbot
CB="$WORK/certbot"
certbot_run() {
  REQUESTS_CA_BUNDLE="$CA_ROOT" timeout 180 certbot "$@" --server "$CA_DIR_URL" --config-dir "$CB/config" \
    --work-dir "$CB/work" --logs-dir "$CB/logs" --non-interactive >"$LOGS/certbot.out" 2>&1 \
    || fail "certbot $1 failed: $(tail -n 20 "$LOGS/certbot.out")"
}

case_begin "certbot certonly --standalone (two names)"
certbot_run certonly --standalone --http-01-port "$CA_HTTP_PORT" --http-01-address 127.0.0.1 \
  --agree-tos --register-unsafely-without-email -d certbot.ca.test -d www.certbot.ca.test
verify_chain "$CB/config/live/certbot.ca.test/fullchain.pem" certbot.ca.test www.certbot.ca.test
assert_key_matches "$CB/config/live/certbot.ca.test/cert.pem" "$CB/config/live/certbot.ca.test/privkey.pem"
case_pass

case_begin "certbot renew --force-renewal"
before=$(cert_serial "$CB/config/live/certbot.ca.test/cert.pem")
certbot_run renew --force-renewal --no-random-sleep-on-renew
after=$(cert_serial "$CB/config/live/certbot.ca.test/cert.pem")
[[ "$before" != "$after" ]] || fail "certbot renew did not replace the certificate"
verify_chain "$CB/config/live/certbot.ca.test/fullchain.pem" certbot.ca.test www.certbot.ca.test
case_pass

case_begin "certbot revoke"
[[ "$(ca_cert_status "$CB/config/live/certbot.ca.test/cert.pem")" == valid ]] || fail "the CA does not list the certificate as valid"
cp "$CB/config/live/certbot.ca.test/cert.pem" "$WORK/certbot-cert.pem"
certbot_run revoke --cert-path "$CB/config/live/certbot.ca.test/cert.pem" --reason keycompromise --no-delete-after-revoke
[[ "$(ca_cert_status "$WORK/certbot-cert.pem")" == revoked ]] || fail "the CA does not list certbot's certificate as revoked"
ca_admin status --cert "$WORK/certbot-cert.pem" | jq -e '.revocation_reason == 1' >/dev/null \
  || fail "the revocation reason keyCompromise (1) was not recorded"
case_pass

# ------------------------------------------------------------------ lego
LG="$WORK/lego"
lego_run() {
  LEGO_CA_CERTIFICATES="$CA_ROOT" timeout 180 lego --server "$CA_DIR_URL" --email lego@ca.test --accept-tos \
    --domains lego.ca.test --http --http.port "127.0.0.1:$CA_HTTP_PORT" --path "$LG" "$@" >"$LOGS/lego.out" 2>&1 \
    || fail "lego $1 failed: $(tail -n 20 "$LOGS/lego.out")"
}

case_begin "lego run --http"
lego_run run
verify_chain "$LG/certificates/lego.ca.test.crt" lego.ca.test
assert_key_matches "$LG/certificates/lego.ca.test.crt" "$LG/certificates/lego.ca.test.key"
case_pass

case_begin "lego renew --days 90"
before=$(cert_serial "$LG/certificates/lego.ca.test.crt")
lego_run renew --days 90 --no-random-sleep
after=$(cert_serial "$LG/certificates/lego.ca.test.crt")
[[ "$before" != "$after" ]] || fail "lego renew did not replace the certificate"
verify_chain "$LG/certificates/lego.ca.test.crt" lego.ca.test
case_pass

case_begin "lego revoke"
cp "$LG/certificates/lego.ca.test.crt" "$WORK/lego-cert.pem"
lego_run revoke
[[ "$(ca_cert_status "$WORK/lego-cert.pem")" == revoked ]] || fail "the CA does not list lego's certificate as revoked"
case_pass

# ------------------------------------------------------------------ acmekit
use_ca_client

case_begin "acmekit certonly --standalone (two names, RSA)"
run_acmekit certonly -d acmekit.ca.test -d www.acmekit.ca.test --key-type rsa "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/acmekit.ca.test" "$CA_ROOT" acmekit.ca.test www.acmekit.ca.test
case_pass

case_begin "acmekit renew --force-renewal"
before=$(cert_serial "$CFG/live/acmekit.ca.test/cert.pem")
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$CA_ROOT"
assert_success
after=$(cert_serial "$CFG/live/acmekit.ca.test/cert.pem")
[[ "$before" != "$after" ]] || fail "acmekit renew did not replace the certificate"
assert_cert_ok "$CFG/live/acmekit.ca.test" "$CA_ROOT" acmekit.ca.test www.acmekit.ca.test
case_pass

case_begin "acmekit revoke, then again: alreadyRevoked"
cp "$CFG/live/acmekit.ca.test/cert.pem" "$WORK/acmekit-cert.pem"
run_acmekit revoke --cert-name acmekit.ca.test --reason superseded --config-dir "$CFG" --ca-bundle "$CA_ROOT"
assert_success
[[ "$(ca_cert_status "$WORK/acmekit-cert.pem")" == revoked ]] || fail "the CA does not list acmekit's certificate as revoked"
run_acmekit revoke --cert-path "$WORK/acmekit-cert.pem" --config-dir "$CFG" --ca-bundle "$CA_ROOT" --server "$CA_DIR_URL"
assert_failure 3
assert_error_matches 'alreadyRevoked'
case_pass

case_begin "acmekit IP identifier 127.0.0.1 (default profile shortlived)"
# The built-in default profile, classic, takes DNS names only, as Let's
# Encrypt's does; acmekit sends no newOrder "profile" (draft-ietf-acme-profiles),
# so the CA is restarted (same ports and data) with shortlived as its default.
# The issuances so far, counted by this process's /metrics (a restart starts at 0).
ISSUED_BEFORE=$(curl -fsS "http://127.0.0.1:$CA_MGMT_PORT/metrics" | awk '/^acmekit_ca_certificates_issued_total/{print $2}')
stop_acmekit_ca
printf 'data_dir = "%s"\ndefault_profile = "shortlived"\n' "$CA_DATA" >"$WORK/ca-shortlived.toml"
CA_CONFIG="$WORK/ca-shortlived.toml" start_acmekit_ca
run_acmekit certonly -d 127.0.0.1 --cert-name ip "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
openssl x509 -in "$CFG/live/ip/cert.pem" -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1' \
  || fail "no IP SAN 127.0.0.1"
case_pass

case_begin "the CA kept serving: metrics count the issuances"
curl -fsS "http://127.0.0.1:$CA_MGMT_PORT/metrics" >"$WORK/metrics.txt" || fail "no /metrics"
issued=$(($(awk '/^acmekit_ca_certificates_issued_total/{print $2}' "$WORK/metrics.txt") + ISSUED_BEFORE))
[[ "$issued" -ge 7 ]] || fail "metrics report $issued issuances, expected at least 7"
case_pass
