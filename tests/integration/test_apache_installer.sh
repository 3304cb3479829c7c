#!/usr/bin/env bash
# acmekit --apache (certbot's apache plugin) against a real Debian apache2
# and Pebble: http-01 answered through the running apache2 (Pebble's http-01
# port is its HTTP port), the certificate installed for the matching
# virtual host only (ServerName + ServerAlias), served over TLS with SNI and
# verified against Pebble's root; renew reloads apache2; a configuration
# apache2ctl configtest refuses is restored byte for byte while the old
# certificate goes on being served; --dry-run diffs only; --redirect.
#
# apache2 runs from a server root of its own (a minimal Debian layout:
# apache2.conf, envvars pointing the pid file, run, lock and log dirs into
# it, mods-available copied from the package), driven by Debian's
# apache2ctl with APACHE_CONFDIR (what --apache-server-root makes acmekit
# do), and stopped by the PID of its pid file.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd apache2 apache2ctl openssl curl
start_pebble
use_pebble_client

HTTP_PORT=$PEBBLE_HTTP_PORT
HTTPS_PORT=$(free_port)
ROOT="$WORK/apache"
CTL=$(command -v apache2ctl)
# Run as root, httpd's children serve as www-data: the tree must be readable.
chmod 755 "$WORK"
mkdir -p "$ROOT"/{run,lock,log,www,conf-common,sites-available,sites-enabled,mods-enabled}
chmod -R a+rX "$ROOT"
if [[ $(id -u) == 0 ]]; then run_user=www-data run_group=www-data; else run_user=$(id -un) run_group=$(id -gn); fi
cat >"$ROOT/envvars" <<EOF
export APACHE_RUN_USER=$run_user
export APACHE_RUN_GROUP=$run_group
export APACHE_PID_FILE=$ROOT/run/apache2.pid
export APACHE_RUN_DIR=$ROOT/run
export APACHE_LOCK_DIR=$ROOT/lock
export APACHE_LOG_DIR=$ROOT/log
EOF
cat >"$ROOT/apache2.conf" <<EOF
# A minimal Debian-style apache2.conf
DefaultRuntimeDir \${APACHE_RUN_DIR}
PidFile \${APACHE_PID_FILE}
Mutex file:\${APACHE_LOCK_DIR} default
User \${APACHE_RUN_USER}
Group \${APACHE_RUN_GROUP}
ErrorLog \${APACHE_LOG_DIR}/error.log
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %O" common
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory $ROOT/www>
	Require all granted
</Directory>
IncludeOptional sites-enabled/*.conf
EOF
echo "Listen 127.0.0.1:$HTTP_PORT" >"$ROOT/ports.conf"
cp -r /etc/apache2/mods-available "$ROOT/mods-available"
for m in mpm_event.load mpm_event.conf authz_core.load authz_host.load alias.load mime.load mime.conf dir.load \
  log_config.load; do
  [[ -e "$ROOT/mods-available/$m" ]] && ln -s "../mods-available/$m" "$ROOT/mods-enabled/$m"
done
mkdir -p "$ROOT/www/site" "$ROOT/www/other"
echo site >"$ROOT/www/site/index.html"
echo other >"$ROOT/www/other/index.html"
chmod -R a+rX "$ROOT/www"
# The first vhost of an address is its default: other.conf sorts first.
cat >"$ROOT/sites-available/other.conf" <<EOF
<VirtualHost 127.0.0.1:$HTTP_PORT>
	ServerName other.example
	# not ours
	DocumentRoot $ROOT/www/other
</VirtualHost>
EOF
cat >"$ROOT/sites-available/site.conf" <<EOF
# the site acmekit installs into
<VirtualHost 127.0.0.1:$HTTP_PORT>
    ServerName a.example
    ServerAlias b.example
    DocumentRoot "$ROOT/www/site"
    Include $ROOT/conf-common/common.conf
</VirtualHost>
EOF
echo "CustomLog $ROOT/log/access.log common" >"$ROOT/conf-common/common.conf"
ln -s ../sites-available/other.conf "$ROOT/sites-enabled/other.conf"
ln -s ../sites-available/site.conf "$ROOT/sites-enabled/site.conf"

apache_ctl() { APACHE_CONFDIR="$ROOT" "$CTL" "$@"; }
apache_ctl configtest >"$LOGS/configtest.log" 2>&1 || fail "the test's apache2 config is refused: $(cat "$LOGS/configtest.log")"
apache_ctl start >"$LOGS/apache-start.log" 2>&1 || fail "apache2ctl start failed: $(cat "$LOGS/apache-start.log")"
for ((i = 0; i < 100; i++)); do [[ -s "$ROOT/run/apache2.pid" ]] && break; sleep 0.05; done
APACHE_PID=$(cat "$ROOT/run/apache2.pid" 2>/dev/null) || fail "apache2 wrote no pid file: $(cat "$ROOT/log/error.log")"
track_pid "$APACHE_PID"
wait_listening "$HTTP_PORT" "$APACHE_PID" apache2
# lib.sh shows the logs under $LOGS when the test fails.
ln -s "$ROOT/log/error.log" "$LOGS/apache-error.log"

APACHE_FLAGS=(--apache-server-root "$ROOT" --apache-ctl "$CTL" --https-port "$HTTPS_PORT")
SITE_BEFORE=$(cat "$ROOT/sites-available/site.conf"; echo x)
OTHER_BEFORE=$(cat "$ROOT/sites-available/other.conf"; echo x)
COMMON_BEFORE=$(cat "$ROOT/conf-common/common.conf"; echo x)
# The HTTPS copy of site.conf acmekit adds, beside the name httpd reads it
# by (certbot's name).
TWIN="$ROOT/sites-enabled/site-le-ssl.conf"

# served NAME: the serial apache serves over TLS with SNI NAME, verified
# against Pebble's root and for NAME; fails when it does not verify.
served() {
  openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$1" -CAfile "$PEBBLE_ROOT" \
    -verify_hostname "$1" -verify_return_error </dev/null 2>"$LOGS/s_client.err" >"$LOGS/s_client.out" || return 1
  openssl x509 -in "$LOGS/s_client.out" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
# wait_served NAME SERIAL: a graceful restart takes effect a moment after
# apache2ctl returns (5 s at most).
wait_served() {
  local name=$1 want=$2 got="" i
  for ((i = 0; i < 50; i++)); do
    got=$(served "$name" || true)
    [[ "$got" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "apache serves serial '$got' for $name, expected $want
$(cat "$LOGS/s_client.err")"
}
# http_get NAME PATH: "CODE LOCATION BODY" of an HTTP request for NAME.
http_get() {
  curl -s -o "$LOGS/body" -w '%{http_code} %{redirect_url}' --resolve "$1:$HTTP_PORT:127.0.0.1" \
    "http://$1:$HTTP_PORT$2"
  printf ' %s' "$(cat "$LOGS/body")"
}
# one_error_line: acmekit's stderr is one line.
one_error_line() {
  [[ $(grep -c . "$ACME_ERR") -eq 1 ]] || fail "stderr is not one line: $(cat "$ACME_ERR")"
}

case_begin "install before any lineage: one error, nothing changed"
run_acmekit install --apache "${APACHE_FLAGS[@]}" --cert-name a.example --config-dir "$CFG"
assert_failure
assert_error_matches 'no lineage a.example'
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "site.conf changed"
case_pass

case_begin "run --dry-run: validated through apache2, the install diff printed, nothing saved or changed"
PORTS_BEFORE=$(cat "$ROOT/ports.conf"; echo x)
run_acmekit run --dry-run --apache -d a.example -d b.example "${APACHE_FLAGS[@]}" "${COMMON[@]}"
assert_success
grep -q 'The dry run was successful' "$ACME_OUT" || fail "no dry-run success: $(cat "$ACME_OUT")"
grep -q "^+++ $TWIN\$" "$ACME_OUT" || fail "no diff of the HTTPS twin: $(cat "$ACME_OUT")"
grep -q "^+ *SSLCertificateFile $CFG/live/a.example/fullchain.pem\$" "$ACME_OUT" \
  || fail "the diff lacks SSLCertificateFile: $(cat "$ACME_OUT")"
grep -q 'dry run: nothing was changed' "$ACME_OUT" || fail "no dry-run note: $(cat "$ACME_OUT")"
[[ ! -e "$CFG/live/a.example" && ! -e "$CFG/renewal/a.example.conf" ]] || fail "--dry-run saved a lineage"
[[ ! -e "$TWIN" ]] || fail "--dry-run created the twin"
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "--dry-run changed site.conf"
[[ "$(cat "$ROOT/ports.conf"; echo x)" == "$PORTS_BEFORE" ]] || fail "--dry-run changed ports.conf"
[[ "$(cat "$ROOT/sites-available/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "--dry-run changed other.conf"
case_pass

case_begin "acmekit --apache -d a.example -d b.example (no verb: run)"
run_acmekit --apache -d a.example -d b.example "${APACHE_FLAGS[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/a.example" "$PEBBLE_ROOT" a.example b.example
grep -q 'apache was reloaded' "$ACME_OUT" || fail "output does not say apache was reloaded: $(cat "$ACME_OUT")"
grep -q "Created:  $TWIN" "$ACME_OUT" || fail "output does not name the HTTPS twin: $(cat "$ACME_OUT")"
# Pebble fetched the challenges through apache2, and the snippet is gone again.
n=$(grep -c 'GET /.well-known/acme-challenge/[^ ]* HTTP/1.1" 200' "$ROOT/log/access.log" || true)
[[ $n -ge 2 ]] || fail "apache served $n challenge responses, expected at least 2"
if grep -rq acmekit-http01 "$ROOT"/sites-available "$ROOT/conf-common"; then fail "the challenge Include was left behind"; fi
[[ "$(cat "$ROOT/sites-available/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "other.conf is not byte-identical"
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "site.conf changed (no --redirect)"
[[ "$(cat "$ROOT/conf-common/common.conf"; echo x)" == "$COMMON_BEFORE" ]] || fail "the included file changed"
[[ -L "$ROOT/sites-enabled/site.conf" ]] || fail "sites-enabled/site.conf is no longer a symlink"
grep -q "SSLCertificateFile $CFG/live/a.example/fullchain.pem" "$TWIN" || fail "the twin lacks the certificate: $(cat "$TWIN")"
grep -q "^Listen 127.0.0.1:$HTTPS_PORT" "$ROOT/ports.conf" || fail "no HTTPS Listen in ports.conf: $(cat "$ROOT/ports.conf")"
SERIAL1=$(cert_serial "$CFG/live/a.example/cert.pem")
wait_served a.example "$SERIAL1"
wait_served b.example "$SERIAL1"
# The HTTP site still answers (no --redirect), and so does the other one.
[[ "$(http_get a.example /)" == "200  site" ]] || fail "HTTP a.example: $(http_get a.example /)"
[[ "$(http_get other.example /)" == "200  other" ]] || fail "HTTP other.example: $(http_get other.example /)"
conf="$CFG/renewal/a.example.conf"
grep -q '^installer = apache$' "$conf" || fail "renewal conf lacks installer = apache: $(cat "$conf")"
grep -q '^authenticator = apache$' "$conf" || fail "renewal conf lacks authenticator = apache"
grep -q "^apache_server_root = $ROOT\$" "$conf" || fail "renewal conf lacks apache_server_root"
grep -q "^apache_ctl = $CTL\$" "$conf" || fail "renewal conf lacks apache_ctl"
compgen -G "$CFG/backups/apache/*/${ROOT#/}/ports.conf" >/dev/null || fail "no backup of ports.conf under $CFG/backups/apache"
case_pass

INSTALLED_TWIN=$(cat "$TWIN"; echo x)
INSTALLED_PORTS=$(cat "$ROOT/ports.conf"; echo x)

case_begin "renew --force-renewal: apache reloaded once, the new serial served"
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$TLS_CA" --json
assert_success
[[ "$(json_get '.reloaded | join(",")')" == apache ]] || fail "renew --json does not report apache reloaded once"
SERIAL2=$(cert_serial "$CFG/live/a.example/cert.pem")
[[ "$SERIAL2" != "$SERIAL1" ]] || fail "renewal kept the serial"
wait_served a.example "$SERIAL2"
wait_served b.example "$SERIAL2"
[[ "$(cat "$TWIN"; echo x)" == "$INSTALLED_TWIN" ]] || fail "renew edited the twin"
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "renew edited site.conf"
case_pass

case_begin "certonly on the lineage run made keeps installer = apache (renew goes on reloading it)"
run_acmekit certonly --apache -d a.example -d b.example --force-renewal --apache-server-root "$ROOT" \
  --apache-ctl "$CTL" "${COMMON[@]}"
assert_success
conf="$CFG/renewal/a.example.conf"
grep -q '^installer = apache$' "$conf" || fail "certonly dropped installer = apache: $(cat "$conf")"
grep -q "^apache_server_root = $ROOT\$" "$conf" || fail "certonly dropped apache_server_root: $(cat "$conf")"
SERIAL3=$(cert_serial "$CFG/live/a.example/cert.pem")
[[ "$SERIAL3" != "$SERIAL2" ]] || fail "certonly --force-renewal kept the serial"
# certonly installs nothing: apache2 serves the certificate it loaded.
wait_served a.example "$SERIAL2"
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$TLS_CA" --json
assert_success
[[ "$(json_get '.reloaded | join(",")')" == apache ]] || fail "renew after certonly does not reload apache"
SERIAL2=$(cert_serial "$CFG/live/a.example/cert.pem")
wait_served a.example "$SERIAL2"
case_pass

case_begin "apache2ctl configtest fails after our change: files restored, old certificate served, one error"
# The site served over HTTP only again on disk (the HTTPS twin is still up
# in the running apache2: it has not reloaded since), with an included file
# that may be read once only, as a site's one-off settings are: the twin
# acmekit adds copies its Include, and configtest refuses the second read.
rm "$TWIN"
cat >"$ROOT/conf-common/common.conf" <<EOF
<IfDefine COMMON_CONF_READ>
    Error "common.conf is included twice"
</IfDefine>
Define COMMON_CONF_READ
CustomLog $ROOT/log/access.log common
EOF
apache_ctl configtest >"$LOGS/configtest.log" 2>&1 || fail "the HTTP-only config should pass configtest: $(cat "$LOGS/configtest.log")"
BROKEN_COMMON=$(cat "$ROOT/conf-common/common.conf"; echo x)
run_acmekit install --apache "${APACHE_FLAGS[@]}" --cert-name a.example --config-dir "$CFG"
assert_failure
assert_error_matches 'configtest failed'
assert_error_matches 'common.conf is included twice'
assert_error_matches "removed $TWIN"
one_error_line
[[ ! -e "$TWIN" ]] || fail "the twin acmekit created was left behind"
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "site.conf not restored byte for byte"
[[ "$(cat "$ROOT/conf-common/common.conf"; echo x)" == "$BROKEN_COMMON" ]] || fail "common.conf changed"
[[ "$(cat "$ROOT/sites-available/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "other.conf changed"
[[ "$(cat "$ROOT/ports.conf"; echo x)" == "$INSTALLED_PORTS" ]] || fail "ports.conf changed"
_pid_alive "$APACHE_PID" || fail "apache2 died"
# apache2 never loaded the refused configuration: it serves the renewed certificate still.
wait_served a.example "$SERIAL2"
case_pass

case_begin "install --dry-run prints the diff and changes no file"
echo "CustomLog $ROOT/log/access.log common" >"$ROOT/conf-common/common.conf"
run_acmekit install --apache "${APACHE_FLAGS[@]}" --cert-name a.example --dry-run --config-dir "$CFG"
assert_success
grep -q "^+++ $TWIN\$" "$ACME_OUT" || fail "no diff header for the twin: $(cat "$ACME_OUT")"
grep -q "^+ *SSLCertificateFile $CFG/live/a.example/fullchain.pem\$" "$ACME_OUT" \
  || fail "diff lacks SSLCertificateFile: $(cat "$ACME_OUT")"
grep -q 'dry run: nothing was changed' "$ACME_OUT" || fail "no dry-run note: $(cat "$ACME_OUT")"
[[ ! -e "$TWIN" ]] || fail "--dry-run created the twin"
[[ "$(cat "$ROOT/sites-available/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "--dry-run changed site.conf"
[[ "$(cat "$ROOT/ports.conf"; echo x)" == "$INSTALLED_PORTS" ]] || fail "--dry-run changed ports.conf"
case_pass

case_begin "install --redirect: HTTP answers 301 to https (on the HTTPS port), the certificate served again"
run_acmekit install --apache "${APACHE_FLAGS[@]}" --cert-name a.example --redirect --config-dir "$CFG"
assert_success
grep -q 'apache was reloaded' "$ACME_OUT" || fail "output does not say apache was reloaded: $(cat "$ACME_OUT")"
[[ "$(cat "$ROOT/sites-available/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "other.conf changed"
wait_served a.example "$SERIAL2"
got=$(http_get a.example /page)
[[ "$got" == "301 https://a.example:$HTTPS_PORT/page"* ]] || fail "HTTP a.example answers '$got', expected a redirect to https"
got=$(http_get b.example /x)
[[ "$got" == "301 https://b.example:$HTTPS_PORT/x"* ]] || fail "HTTP b.example answers '$got', expected a redirect to https"
[[ "$(http_get other.example /)" == "200  other" ]] || fail "the other site answers $(http_get other.example /)"
case_pass
