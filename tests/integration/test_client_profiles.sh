#!/usr/bin/env bash
# The client's certificate profiles (draft-ietf-acme-profiles; certbot 4's
# --preferred-profile / --required-profile) against acmekit-ca (classic 90
# days by default, tlsserver 45 days, shortlived 160 hours) and against
# Debian's Pebble, whose directory has no meta.profiles (a CA without
# profiles): the lifetime of what is issued (openssl x509 -dates), the
# renewal conf's certbot keys, a forced renew that keeps the profile,
# show_account listing the offered profiles, and a required profile the CA
# lacks failing before any order.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit

ca_hosts_add short.client-profiles.test pref.client-profiles.test nosuch.client-profiles.test
# No authorization reuse: every dry run and renewal is validated again.
start_acmekit_ca --authz-reuse 0
use_ca_client

# lifetime CERT: notAfter - notBefore in seconds.
lifetime() {
  local nb na
  nb=$(date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
  na=$(date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
  echo $((na - nb))
}
# orders_for NAME: how many orders acmekit-ca holds for NAME.
orders_for() { ca_sql "SELECT count(*) FROM orders WHERE identifiers LIKE '%$1%'"; }

case_begin "show_account lists the profiles the CA offers"
run_acmekit register "${COMMON[@]}"
assert_success
run_acmekit show_account "${COMMON[@]}"
assert_success
grep -q '^  shortlived: ' "$ACME_OUT" || fail "no shortlived line: $(cat "$ACME_OUT")"
run_acmekit show_account --json "${COMMON[@]}"
assert_success
[[ $(json_get '[.profiles[].name] | join(",")') == classic,shortlived,tlsserver ]] \
  || fail "profiles in --json: $(cat "$ACME_OUT")"
[[ $(json_get '.format') == 1 && -n $(json_get '.profiles[0].description') ]] || fail "--json: $(cat "$ACME_OUT")"
case_pass

case_begin "--required-profile shortlived: 160 hours, saved, kept by a forced renew"
LIVE="$CFG/live/short.client-profiles.test"
run_acmekit certonly -v -d short.client-profiles.test --required-profile shortlived "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$LIVE" "$CA_ROOT" short.client-profiles.test
[[ $(lifetime "$LIVE/cert.pem") == $((160 * 3600)) ]] || fail "lifetime $(lifetime "$LIVE/cert.pem") s, not 160 h"
grep -q 'profile shortlived' "$ACME_ERR" || fail "the order's profile is not shown: $(cat "$ACME_ERR")"
grep -q '^Profile: *shortlived$' "$ACME_OUT" || fail "no Profile line: $(cat "$ACME_OUT")"
CONF="$CFG/renewal/short.client-profiles.test.conf"
grep -qx 'required_profile = shortlived' "$CONF" || fail "renewal conf: $(cat "$CONF")"
SERIAL1=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
run_acmekit renew --force-renewal --cert-name short.client-profiles.test --config-dir "$CFG"
assert_success
[[ $(openssl x509 -in "$LIVE/cert.pem" -noout -serial) != "$SERIAL1" ]] || fail "renew did not renew"
[[ $(lifetime "$LIVE/cert.pem") == $((160 * 3600)) ]] || fail "renewed lifetime $(lifetime "$LIVE/cert.pem") s"
grep -qx 'required_profile = shortlived' "$CONF" || fail "renewal conf after renew: $(cat "$CONF")"
case_pass

case_begin "--preferred-profile nosuch: a warning and the CA's default (90 days)"
LIVE="$CFG/live/pref.client-profiles.test"
run_acmekit certonly -d pref.client-profiles.test --preferred-profile nosuch "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
grep -qiE 'warn.*preferred-profile nosuch.*does not offer it \(it offers classic, shortlived, tlsserver\)' "$ACME_ERR" \
  || fail "no warning: $(cat "$ACME_ERR")"
[[ $(lifetime "$LIVE/cert.pem") == $((90 * 86400)) ]] || fail "lifetime $(lifetime "$LIVE/cert.pem") s, not 90 days"
grep -qx 'preferred_profile = nosuch' "$CFG/renewal/pref.client-profiles.test.conf" || fail "not saved"
case_pass

case_begin "--required-profile nosuch: fails naming the offered profiles, nothing ordered"
run_acmekit certonly -d nosuch.client-profiles.test --required-profile nosuch "${STANDALONE[@]}" "${COMMON[@]}"
assert_failure
assert_error_matches 'required-profile nosuch.*it offers classic, shortlived, tlsserver'
[[ $(orders_for nosuch.client-profiles.test) == 0 ]] || fail "an order was made"
[[ ! -e "$CFG/live/nosuch.client-profiles.test" ]] || fail "a lineage was made"
case_pass

# ------------------------------------------------------------ reconfigure
# certbot's reconfigure: a standalone lineage moved to webroot (nginx on the
# CA's http-01 port serving WEBROOT), tried with a dry run first.
case_begin "reconfigure --webroot: dry run, conf says webroot, a forced renew uses it"
LIVE="$CFG/live/pref.client-profiles.test"
CONF="$CFG/renewal/pref.client-profiles.test.conf"
grep -qx 'authenticator = standalone' "$CONF" || fail "not a standalone lineage: $(cat "$CONF")"
WEBROOT="$WORK/webroot"
start_nginx "$WEBROOT" "$CA_HTTP_PORT"
SERIAL1=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
# A webroot nginx does not serve: the dry run fails, the conf stays byte-identical.
cp "$CONF" "$WORK/conf.before"
mkdir -p "$WORK/not-served"
run_acmekit reconfigure --cert-name pref.client-profiles.test --webroot -w "$WORK/not-served" --config-dir "$CFG"
assert_failure
assert_error_matches 'dry run with the new settings failed.*pref\.client-profiles\.test\.conf is unchanged'
cmp -s "$CONF" "$WORK/conf.before" || fail "the conf changed after a failed reconfigure: $(diff "$WORK/conf.before" "$CONF")"
# Names are not reconfigure's to change (certbot refuses them too).
run_acmekit reconfigure --cert-name pref.client-profiles.test -d other.test --webroot -w "$WEBROOT" --config-dir "$CFG"
assert_failure 2
assert_error_matches 'does not change a certificate.s names'
cmp -s "$CONF" "$WORK/conf.before" || fail "the conf changed after a refused reconfigure"
# The working webroot, and the profile made a requirement.
run_acmekit reconfigure --cert-name pref.client-profiles.test --webroot -w "$WEBROOT" \
  --required-profile tlsserver --config-dir "$CFG"
assert_success
grep -q 'authenticator: standalone -> webroot' "$ACME_OUT" || fail "output: $(cat "$ACME_OUT")"
grep -q "webroot_path: (none) -> $WEBROOT" "$ACME_OUT" || fail "output: $(cat "$ACME_OUT")"
grep -q 'required_profile: (none) -> tlsserver' "$ACME_OUT" || fail "output: $(cat "$ACME_OUT")"
grep -qx 'authenticator = webroot' "$CONF" || fail "conf: $(cat "$CONF")"
grep -qx "webroot_path = $WEBROOT" "$CONF" || fail "conf: $(cat "$CONF")"
grep -qx 'required_profile = tlsserver' "$CONF" || fail "conf: $(cat "$CONF")"
! grep -q '^preferred_profile' "$CONF" || fail "the old preferred_profile stayed: $(cat "$CONF")"
! grep -q '^http01_port' "$CONF" || fail "standalone's port stayed: $(cat "$CONF")"
[[ $(openssl x509 -in "$LIVE/cert.pem" -noout -serial) == "$SERIAL1" ]] || fail "reconfigure installed a certificate"
grep -q 'GET /.well-known/acme-challenge/' "$NGINX_ACCESS_LOG" || fail "the dry run did not go through nginx"
: >"$NGINX_ACCESS_LOG"
# The forced renew answers through nginx (the http-01 port is nginx's now).
run_acmekit renew --force-renewal --cert-name pref.client-profiles.test --config-dir "$CFG"
assert_success
[[ $(openssl x509 -in "$LIVE/cert.pem" -noout -serial) != "$SERIAL1" ]] || fail "renew did not renew"
grep -q 'GET /.well-known/acme-challenge/' "$NGINX_ACCESS_LOG" || fail "the renewal did not use the webroot"
[[ $(lifetime "$LIVE/cert.pem") == $((45 * 86400)) ]] || fail "renewed lifetime $(lifetime "$LIVE/cert.pem") s, not tlsserver's 45 days"
assert_cert_ok "$LIVE" "$CA_ROOT" pref.client-profiles.test
case_pass

stop_pid "$NGINX_PID"
stop_acmekit_ca

# ------------------------------------------------------------ Pebble
start_pebble
use_pebble_client "$WORK/pebble-config"

case_begin "Pebble (no meta.profiles): preferred warns and issues, required fails"
DIR=$(curl -fsS --cacert "$TLS_CA" "$PEBBLE_DIR_URL") || fail "no Pebble directory"
[[ $(jq -r '.meta.profiles // "none"' <<<"$DIR") == none ]] \
  || fail "this Pebble offers profiles; the test expects a CA without: $(jq -c .meta <<<"$DIR")"
run_acmekit certonly -d pref.pebble.test --preferred-profile shortlived "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
grep -qiE 'warn.*preferred-profile shortlived.*offers no profiles' "$ACME_ERR" || fail "no warning: $(cat "$ACME_ERR")"
assert_cert_ok "$CFG/live/pref.pebble.test" "$PEBBLE_ROOT" pref.pebble.test
run_acmekit certonly -d req.pebble.test --required-profile shortlived "${STANDALONE[@]}" "${COMMON[@]}"
assert_failure
assert_error_matches 'required-profile shortlived.*offers no profiles'
[[ ! -e "$CFG/live/req.pebble.test" ]] || fail "a lineage was made"
run_acmekit show_account "${COMMON[@]}"
assert_success
grep -q 'Profiles: (the CA offers none)' "$ACME_OUT" || fail "show_account: $(cat "$ACME_OUT")"
case_pass

