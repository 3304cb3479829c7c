#!/usr/bin/env bash
# acmekit takes over a config dir the real certbot (Debian's) made against
# Pebble: lineages obtained with standalone, webroot (served by nginx) and a
# manual hook pair, RSA and ECDSA keys, a deploy hook and pre/post hooks.
# `acmekit renew --force-renewal --config-dir THAT` renews each the way
# certbot would (same authenticator, key type, hooks), every certificate
# verifies against Pebble's root, certbot still lists them (new serial) and
# a later `certbot renew --force-renewal` works on what acmekit wrote; the
# daemon renews a due lineage of a certbot dir the same way.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd certbot nginx
# certbot 2.1 gives up on a second badNonce in a row, which Pebble's default
# 5% rejection makes happen now and then: certbot is the peer here, not the
# subject (acmekit's badNonce retry is tested elsewhere).
export PEBBLE_WFE_NONCEREJECT=0
# Every renewal answers its challenges (no valid authorization reused), so
# each is seen to use the lineage's method.
export PEBBLE_AUTHZREUSE=0
start_pebble

CB="$WORK/letsencrypt"
CBWORK="$WORK/certbot-work"
HOOKLOG="$WORK/hooks.log"
ROOT="$WORK/webroot"
mkdir -p "$ROOT"
: >"$HOOKLOG"

certbot_run() {  # certbot ARGS... against Pebble, into $CB
  REQUESTS_CA_BUNDLE="$TLS_CA" timeout 180 certbot "$@" --server "$PEBBLE_DIR_URL" --config-dir "$CB" \
    --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" --non-interactive --agree-tos \
    --register-unsafely-without-email >"$LOGS/certbot.out" 2>&1 \
    || fail "certbot $1 failed: $(tail -n 30 "$LOGS/certbot.out")"
}

# The manual hook pair answers http-01 through the webroot nginx serves.
cat >"$WORK/auth.sh" <<HOOK
#!/bin/sh
mkdir -p '$ROOT/.well-known/acme-challenge'
printf '%s' "\$CERTBOT_VALIDATION" >'$ROOT/.well-known/acme-challenge/'"\$CERTBOT_TOKEN"
echo "auth \$CERTBOT_DOMAIN" >>'$HOOKLOG'
HOOK
cat >"$WORK/cleanup.sh" <<HOOK
#!/bin/sh
rm -f '$ROOT/.well-known/acme-challenge/'"\$CERTBOT_TOKEN"
echo "cleanup \$CERTBOT_DOMAIN" >>'$HOOKLOG'
HOOK
chmod +x "$WORK/auth.sh" "$WORK/cleanup.sh"
DEPLOY="echo \"deploy \$RENEWED_LINEAGE\" >>'$HOOKLOG'"
SA=(--standalone --http-01-port "$PEBBLE_HTTP_PORT" --http-01-address 127.0.0.1)

serial_of() { cert_serial "$CB/live/$1/cert.pem"; }

case_begin "certbot makes lineages (standalone RSA + deploy hook, standalone ECDSA P-384, webroot, manual)"
certbot_run certonly "${SA[@]}" -d sa-rsa.test -d www.sa-rsa.test --key-type rsa --rsa-key-size 3072 \
  --deploy-hook "$DEPLOY" --pre-hook "echo pre >>'$HOOKLOG'" --post-hook "echo post >>'$HOOKLOG'"
certbot_run certonly "${SA[@]}" -d sa-ec.test --key-type ecdsa --elliptic-curve secp384r1
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT"
certbot_run certonly --webroot -w "$ROOT" -d web.test --key-type ecdsa
certbot_run certonly --manual --preferred-challenges http --manual-auth-hook "$WORK/auth.sh" \
  --manual-cleanup-hook "$WORK/cleanup.sh" -d manual.test --key-type rsa
stop_pid "$NGINX_PID"
[[ -f "$CB/live/README" ]] || fail "certbot wrote no live/README (layout changed?)"
for n in sa-rsa.test sa-ec.test web.test manual.test; do
  [[ -d "$CB/live/$n" && ! -L "$CB/live/$n" ]] || fail "live/$n is not certbot's real directory"
  grep -q '^domains' "$CB/renewal/$n.conf" && fail "certbot's renewal/$n.conf lists domains: the case is not tested"
  declare "SERIAL_${n//[.-]/_}=$(serial_of "$n")"
done
ls "$CB/accounts/"*/*/ >/dev/null || fail "no certbot account"
: >"$HOOKLOG"
case_pass

case_begin "acmekit certificates lists certbot's lineages (names from the certificates, README ignored)"
run_acmekit certificates --config-dir "$CB" --json
assert_success
[[ "$(json_get '[.certificates[].cert_name] | sort | join(",")')" == "manual.test,sa-ec.test,sa-rsa.test,web.test" ]] \
  || fail "certificates: $(cat "$ACME_OUT")"
case_pass

case_begin "acmekit renew --force-renewal: the standalone lineages (nginx down), hooks run"
run_acmekit renew --force-renewal --config-dir "$CB" --ca-bundle "$TLS_CA" --json \
  --cert-name sa-rsa.test --cert-name sa-ec.test
assert_success
[[ "$(json_get '.renewed | sort | join(",")')" == "sa-ec.test,sa-rsa.test" ]] || fail "renew: $(cat "$ACME_OUT")"
assert_cert_ok "$CB/live/sa-rsa.test" "$PEBBLE_ROOT" sa-rsa.test www.sa-rsa.test
assert_key_desc "$CB/live/sa-rsa.test/privkey.pem" rsa:3072
assert_cert_ok "$CB/live/sa-ec.test" "$PEBBLE_ROOT" sa-ec.test
assert_key_desc "$CB/live/sa-ec.test/privkey.pem" ec:secp384r1
[[ "$(serial_of sa-rsa.test)" != "$SERIAL_sa_rsa_test" ]] || fail "sa-rsa.test not replaced"
[[ "$(serial_of sa-ec.test)" != "$SERIAL_sa_ec_test" ]] || fail "sa-ec.test not replaced"
grep -qx "deploy $CB/live/sa-rsa.test" "$HOOKLOG" || fail "certbot's deploy hook did not run: $(cat "$HOOKLOG")"
[[ "$(head -1 "$HOOKLOG")" == pre && "$(tail -1 "$HOOKLOG")" == post ]] || fail "pre/post hooks: $(cat "$HOOKLOG")"
case_pass

case_begin "acmekit renew --force-renewal: webroot and manual lineages (nginx serving the webroot)"
: >"$HOOKLOG"
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT"
run_acmekit renew --force-renewal --config-dir "$CB" --ca-bundle "$TLS_CA" --json \
  --cert-name web.test --cert-name manual.test
assert_success
[[ "$(json_get '.renewed | sort | join(",")')" == "manual.test,web.test" ]] || fail "renew: $(cat "$ACME_OUT")"
assert_cert_ok "$CB/live/web.test" "$PEBBLE_ROOT" web.test
assert_key_desc "$CB/live/web.test/privkey.pem" ec:prime256v1
assert_cert_ok "$CB/live/manual.test" "$PEBBLE_ROOT" manual.test
assert_key_desc "$CB/live/manual.test/privkey.pem" rsa:2048
grep -qx "auth manual.test" "$HOOKLOG" && grep -qx "cleanup manual.test" "$HOOKLOG" \
  || fail "manual hooks did not run: $(cat "$HOOKLOG")"
grep -q "GET /.well-known/acme-challenge/" "$NGINX_ACCESS_LOG" || fail "nothing validated through the webroot"
case_pass

case_begin "certbot's layout kept: live/NAME links into archive/NAME/*2.pem, confs untouched"
for n in sa-rsa.test sa-ec.test web.test manual.test; do
  [[ -d "$CB/live/$n" && ! -L "$CB/live/$n" ]] || fail "live/$n is no longer a real directory"
  for f in cert chain fullchain privkey; do
    [[ "$(readlink "$CB/live/$n/$f.pem")" == "../../archive/$n/${f}2.pem" ]] \
      || fail "live/$n/$f.pem -> $(readlink "$CB/live/$n/$f.pem")"
  done
  grep -q '^# renewal configuration written by acmekit' "$CB/renewal/$n.conf" && fail "renewal/$n.conf rewritten"
done
[[ "$(stat -c %a "$CB/archive/sa-rsa.test/privkey2.pem")" == 600 ]] || fail "privkey2.pem not 0600"
case_pass

case_begin "certbot certificates lists the new certificates"
REQUESTS_CA_BUNDLE="$TLS_CA" certbot certificates --config-dir "$CB" --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" \
  >"$LOGS/certbot-certificates.log" 2>&1 || fail "certbot certificates failed: $(cat "$LOGS/certbot-certificates.log")"
for n in sa-rsa.test sa-ec.test web.test manual.test; do
  grep -q "Certificate Name: $n\$" "$LOGS/certbot-certificates.log" || fail "certbot does not list $n"
  grep -qi "Serial Number: $(serial_of "$n")\$" "$LOGS/certbot-certificates.log" \
    || fail "certbot does not list $n with its new serial: $(cat "$LOGS/certbot-certificates.log")"
done
! grep -qi 'invalid\|error\|skipped' "$LOGS/certbot-certificates.log" \
  || fail "certbot found problems: $(cat "$LOGS/certbot-certificates.log")"
case_pass

case_begin "rollover_key on certbot's account (the CA bundle from REQUESTS_CA_BUNDLE): private_key.json is the new key"
ACCT_DIR=$(dirname "$(ls "$CB"/accounts/*/*/*/private_key.json | head -1)")
old_key=$(jq -cS . "$ACCT_DIR/private_key.json")
REQUESTS_CA_BUNDLE="$TLS_CA" run_acmekit rollover_key --config-dir "$CB" --server "$PEBBLE_DIR_URL"
assert_success
[[ ! -e "$ACCT_DIR/private_key.pem" && ! -e "$ACCT_DIR/private_key.next.pem" ]] \
  || fail "rollover left another key file: $(ls "$ACCT_DIR")"
[[ "$(jq -cS . "$ACCT_DIR/private_key.json")" != "$old_key" ]] || fail "private_key.json still holds the old key"
[[ "$(jq -r '.kty + " " + (has("d") | tostring)' "$ACCT_DIR/private_key.json")" =~ ^(EC|RSA)\ true$ ]] \
  || fail "private_key.json is not a private JWK"
[[ "$(stat -c %a "$ACCT_DIR/private_key.json")" == 400 ]] || fail "private_key.json not 0400"
case_pass

# certbot signs with private_key.json: after the rollover the CA knows only
# the new key, so these renewals show certbot reads what acmekit wrote.
case_begin "certbot renew --force-renewal afterwards"
certbot_run renew --force-renewal --no-random-sleep-on-renew --cert-name web.test
certbot_run renew --force-renewal --no-random-sleep-on-renew --cert-name manual.test
stop_pid "$NGINX_PID"
certbot_run renew --force-renewal --no-random-sleep-on-renew --cert-name sa-ec.test
for n in sa-ec.test web.test manual.test; do
  [[ "$(readlink "$CB/live/$n/cert.pem")" == "../../archive/$n/cert3.pem" ]] \
    || fail "certbot did not install version 3 of $n: $(readlink "$CB/live/$n/cert.pem")"
done
assert_cert_ok "$CB/live/sa-ec.test" "$PEBBLE_ROOT" sa-ec.test
assert_cert_ok "$CB/live/web.test" "$PEBBLE_ROOT" web.test
case_pass

case_begin "import-certbot: accounts and lineages (history kept) into acmekit's dir, certbot's untouched"
tree_state() { (cd "$CB" && find . -path ./.index -prune -o -print0 | sort -z | xargs -0 stat -c '%n %s %Y %N') | sha256sum; }
BEFORE_IMPORT=$(tree_state)
AK="$WORK/acmekit"
run_acmekit import-certbot --from "$CB" --config-dir "$AK" --json
assert_success
[[ "$(json_get '.lineages | join(",")')" == "manual.test,sa-ec.test,sa-rsa.test,web.test" ]] \
  || fail "import: $(cat "$ACME_OUT")"
[[ "$(json_get '.accounts | length')" == 1 ]] || fail "import: no account: $(cat "$ACME_OUT")"
[[ "$(tree_state)" == "$BEFORE_IMPORT" ]] || fail "import-certbot changed certbot's dir"
for n in sa-rsa.test sa-ec.test web.test manual.test; do
  [[ -L "$AK/live/$n" ]] || fail "live/$n is not acmekit's link"
  assert_cert_ok "$AK/live/$n" "$PEBBLE_ROOT" "$(cert_sans "$CB/live/$n/cert.pem")"
  [[ "$(cert_serial "$AK/live/$n/cert.pem")" == "$(serial_of "$n")" ]] || fail "$n: not the live certificate"
  [[ -f "$AK/archive/$n/cert1.pem" ]] || fail "$n: history not kept"
done
[[ "$(stat -c %a "$AK/archive/sa-ec.test/privkey3.pem")" == 600 ]] || fail "imported key not 0600"
run_acmekit renew --force-renewal --config-dir "$AK" --ca-bundle "$TLS_CA" --json --cert-name sa-ec.test
assert_success
[[ "$(json_get '.renewed | join(",")')" == "sa-ec.test" ]] || fail "renew after import: $(cat "$ACME_OUT")"
assert_cert_ok "$AK/live/sa-ec.test" "$PEBBLE_ROOT" sa-ec.test
assert_key_desc "$AK/live/sa-ec.test/privkey.pem" ec:secp384r1
[[ "$(readlink "$AK/live/sa-ec.test")" == .sa-ec.test.v4 ]] || fail "not renewed in acmekit's layout"
[[ "$(tree_state)" == "$BEFORE_IMPORT" ]] || fail "renewing the imported copy changed certbot's dir"
case_pass

case_begin "certonly on a name certbot has: the lineage gets its next version in certbot's layout"
run_acmekit certonly "${SA[@]}" -d sa-ec.test --force-renewal --config-dir "$CB" --server "$PEBBLE_DIR_URL" \
  --ca-bundle "$TLS_CA" --non-interactive --agree-tos --json
assert_success
[[ -d "$CB/live/sa-ec.test" && ! -L "$CB/live/sa-ec.test" ]] || fail "live/sa-ec.test is no longer certbot's directory"
[[ "$(readlink "$CB/live/sa-ec.test/cert.pem")" == ../../archive/sa-ec.test/cert4.pem ]] \
  || fail "certonly did not add version 4: $(readlink "$CB/live/sa-ec.test/cert.pem")"
ls "$CB/live" | grep -q '^sa-ec.test-0001$' && fail "certonly made a new lineage sa-ec.test-0001"
assert_cert_ok "$CB/live/sa-ec.test" "$PEBBLE_ROOT" sa-ec.test
REQUESTS_CA_BUNDLE="$TLS_CA" certbot certificates --cert-name sa-ec.test --config-dir "$CB" --work-dir "$CBWORK" \
  --logs-dir "$CBWORK/logs" >"$LOGS/certbot-certificates3.log" 2>&1 || fail "certbot certificates failed after certonly"
grep -qi "Serial Number: $(serial_of sa-ec.test)\$" "$LOGS/certbot-certificates3.log" \
  || fail "certbot does not see the certificate certonly made: $(cat "$LOGS/certbot-certificates3.log")"
case_pass

case_begin "the daemon on a certbot dir renews a due lineage in certbot's layout and runs certbot's renewal-hooks"
CBD="$WORK/letsencrypt-daemon"
mkdir -p "$CBD/renewal-hooks/deploy"
cat >"$CBD/renewal-hooks/deploy/10-record" <<HOOK
#!/bin/sh
echo "dir-deploy \$RENEWED_LINEAGE" >>'$HOOKLOG'
HOOK
chmod +x "$CBD/renewal-hooks/deploy/10-record"
REQUESTS_CA_BUNDLE="$TLS_CA" timeout 180 certbot certonly "${SA[@]}" -d daemon.test --server "$PEBBLE_DIR_URL" \
  --config-dir "$CBD" --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" --non-interactive --agree-tos \
  --register-unsafely-without-email >"$LOGS/certbot-daemon.out" 2>&1 \
  || fail "certbot certonly failed: $(tail -n 30 "$LOGS/certbot-daemon.out")"
sed -i '/^dir-deploy /d' "$HOOKLOG"  # only the daemon's run counts
OLD_SERIAL=$(cert_serial "$CBD/live/daemon.test/cert.pem")
# As of a day in the last tenth of the certificate's life: due, whatever
# validity Pebble gives.
nb=$(date -d "$(openssl x509 -in "$CBD/live/daemon.test/cert.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$CBD/live/daemon.test/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
ACMEKIT_FAKE_NOW=$((na - (na - nb) / 10)) "$ACMEKIT_BIN" daemon --config-dir "$CBD" --ca-bundle "$TLS_CA" \
  --metrics-listen 127.0.0.1:0 --jitter 0 --check-interval 3600 >"$LOGS/daemon.out" 2>"$LOGS/daemon.log" </dev/null &
DAEMON_PID=$!
track_pid "$DAEMON_PID"
for ((i = 0; i < 600; i++)); do
  [[ "$(readlink "$CBD/live/daemon.test/cert.pem")" == ../../archive/daemon.test/cert2.pem ]] \
    && grep -qx "dir-deploy $CBD/live/daemon.test" "$HOOKLOG" && break
  _pid_alive "$DAEMON_PID" || fail "the daemon exited: $(tail -5 "$LOGS/daemon.log")"
  sleep 0.2
done
[[ "$(readlink "$CBD/live/daemon.test/cert.pem")" == ../../archive/daemon.test/cert2.pem ]] \
  || fail "the daemon did not add version 2 in certbot's layout: $(tail -5 "$LOGS/daemon.log")"
grep -qx "dir-deploy $CBD/live/daemon.test" "$HOOKLOG" || fail "renewal-hooks/deploy did not run: $(cat "$HOOKLOG")"
kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
[[ $rc -eq 0 ]] || fail "the daemon exited $rc after SIGTERM: $(tail -5 "$LOGS/daemon.log")"
[[ -d "$CBD/live/daemon.test" && ! -L "$CBD/live/daemon.test" ]] || fail "live/daemon.test is no longer certbot's directory"
assert_cert_ok "$CBD/live/daemon.test" "$PEBBLE_ROOT" daemon.test
[[ "$(cert_serial "$CBD/live/daemon.test/cert.pem")" != "$OLD_SERIAL" ]] || fail "the daemon installed no new certificate"
REQUESTS_CA_BUNDLE="$TLS_CA" certbot certificates --config-dir "$CBD" --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" \
  >"$LOGS/certbot-certificates-daemon.log" 2>&1 || fail "certbot certificates failed on the daemon's dir"
grep -qi "Serial Number: $(cert_serial "$CBD/live/daemon.test/cert.pem")\$" "$LOGS/certbot-certificates-daemon.log" \
  || fail "certbot does not see the daemon's certificate: $(cat "$LOGS/certbot-certificates-daemon.log")"
case_pass

case_begin "a setting acmekit cannot honour fails that lineage only, naming it"
sed -i 's/^authenticator = .*/authenticator = dns-bunnynet/' "$CB/renewal/sa-ec.test.conf"
run_acmekit renew --force-renewal --config-dir "$CB" --ca-bundle "$TLS_CA" --json \
  --cert-name sa-ec.test --cert-name sa-rsa.test
[[ $ACME_RC == 1 ]] || fail "exit $ACME_RC, expected 1"
[[ "$(json_get '.renewed | join(",")')" == "sa-rsa.test" ]] || fail "sa-rsa.test not renewed: $(cat "$ACME_OUT")"
json_get '.failed[0].error' | grep -q 'dns-bunnynet' || fail "error does not name the setting: $(cat "$ACME_OUT")"
case_pass

case_begin "revoke --cert-name and delete on certbot's dir (certbot's account)"
pebble_status() {
  local serial; serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
  curl -fsS --max-time 10 --cacert "$TLS_CA" "$PEBBLE_MGMT_URL/cert-status-by-serial/$serial" | jq -r '.Status | ascii_downcase'
}
cp "$CB/live/web.test/cert.pem" "$WORK/web-revoked.pem"
run_acmekit revoke --cert-name web.test --config-dir "$CB" --ca-bundle "$TLS_CA" --reason superseded --json
assert_success
[[ "$(json_get .status)" == revoked ]] || fail "revoke: $(cat "$ACME_OUT")"
[[ "$(pebble_status "$WORK/web-revoked.pem")" == revoked ]] || fail "Pebble does not show web.test revoked"
run_acmekit delete --cert-name web.test --config-dir "$CB"
assert_success
[[ ! -e "$CB/live/web.test" && ! -e "$CB/archive/web.test" && ! -e "$CB/renewal/web.test.conf" ]] \
  || fail "web.test not deleted"
[[ -f "$CB/live/README" ]] || fail "delete removed certbot's live/README"
REQUESTS_CA_BUNDLE="$TLS_CA" certbot certificates --config-dir "$CB" --work-dir "$CBWORK" --logs-dir "$CBWORK/logs" \
  >"$LOGS/certbot-certificates2.log" 2>&1 || fail "certbot certificates failed after delete"
! grep -q "Certificate Name: web.test" "$LOGS/certbot-certificates2.log" || fail "certbot still lists web.test"
case_pass
