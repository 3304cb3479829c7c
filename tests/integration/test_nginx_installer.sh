#!/usr/bin/env bash
# acmekit --nginx (certbot's nginx plugin) against a real nginx and Pebble:
# http-01 answered through the running nginx (Pebble's http-01 port is
# nginx's HTTP port), the certificate installed into the matching server
# block only, served over TLS with SNI and verified against Pebble's root;
# renew reloads nginx; a configuration nginx -t refuses is restored byte for
# byte while the old certificate goes on being served; --dry-run diffs only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd nginx openssl curl
start_pebble
use_pebble_client

HTTP_PORT=$PEBBLE_HTTP_PORT
HTTPS_PORT=$(free_port)
ROOT="$WORK/nginx"
mkdir -p "$ROOT/sites" "$ROOT/tmp" "$ROOT/snippets"
# --nginx-ctl: this test's nginx has a prefix of its own.
NGINX_BIN=$(command -v nginx)
printf '#!/bin/sh\nexec %s -p %s/ -e %s "$@"\n' "$NGINX_BIN" "$ROOT" "$LOGS/nginx-error.log" >"$ROOT/nginx-ctl"
chmod 755 "$ROOT/nginx-ctl"
cat >"$ROOT/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $ROOT/nginx.pid;
error_log $LOGS/nginx-error.log info;
events { worker_connections 64; }
http {
  access_log $LOGS/nginx-access.log;
  client_body_temp_path $ROOT/tmp/body;
  proxy_temp_path $ROOT/tmp/proxy;
  fastcgi_temp_path $ROOT/tmp/fastcgi;
  uwsgi_temp_path $ROOT/tmp/uwsgi;
  scgi_temp_path $ROOT/tmp/scgi;
  include sites/*.conf;
}
CONF
cat >"$ROOT/sites/site.conf" <<CONF
# the site acmekit installs into
server {
    listen 127.0.0.1:$HTTP_PORT;
    server_name a.example b.example;
    include $ROOT/snippets/common.conf;
    location / {
        return 200 "site\n";
    }
}
CONF
cat >"$ROOT/sites/other.conf" <<CONF
server {
	listen 127.0.0.1:$HTTP_PORT default_server;
	server_name other.example;   # not ours
	return 200 "other\n";
}
CONF
echo 'add_header X-Site site;' >"$ROOT/snippets/common.conf"
"$ROOT/nginx-ctl" -c "$ROOT/nginx.conf" >"$LOGS/nginx.log" 2>&1 &
NGINX_PID=$!; track_pid "$NGINX_PID" QUIT
wait_listening "$HTTP_PORT" "$NGINX_PID" nginx

NGINX_FLAGS=(--nginx-server-root "$ROOT" --nginx-ctl "$ROOT/nginx-ctl" --https-port "$HTTPS_PORT")
SITE_BEFORE=$(cat "$ROOT/sites/site.conf"; echo x)
OTHER_BEFORE=$(cat "$ROOT/sites/other.conf"; echo x)

# served NAME: the serial nginx serves over TLS with SNI NAME, verified
# against Pebble's root and for NAME; fails when it does not verify.
served() {
  openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$1" -CAfile "$PEBBLE_ROOT" \
    -verify_hostname "$1" -verify_return_error </dev/null 2>"$LOGS/s_client.err" >"$LOGS/s_client.out" || return 1
  openssl x509 -in "$LOGS/s_client.out" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}
# wait_served NAME SERIAL: after a reload the new workers take a moment (5 s at most).
wait_served() {
  local name=$1 want=$2 got="" i
  for ((i = 0; i < 50; i++)); do
    got=$(served "$name" || true)
    [[ "$got" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "nginx serves serial '$got' for $name, expected $want
$(cat "$LOGS/s_client.err")"
}

case_begin "install before any lineage: one error, nothing changed"
run_acmekit install --nginx "${NGINX_FLAGS[@]}" --cert-name a.example --config-dir "$CFG"
assert_failure
assert_error_matches 'no lineage a.example'
[[ "$(cat "$ROOT/sites/site.conf"; echo x)" == "$SITE_BEFORE" ]] || fail "site.conf changed"
case_pass

case_begin "acmekit --nginx -d a.example -d b.example --redirect (no verb: run)"
run_acmekit --nginx -d a.example -d b.example --redirect "${NGINX_FLAGS[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/a.example" "$PEBBLE_ROOT" a.example b.example
grep -q 'nginx was reloaded' "$ACME_OUT" || fail "output does not say nginx was reloaded: $(cat "$ACME_OUT")"
grep -q "Changed:  $ROOT/sites/site.conf" "$ACME_OUT" || fail "output does not name site.conf: $(cat "$ACME_OUT")"
# Pebble fetched the challenges through nginx, and the snippet is gone again.
n=$(grep -c 'GET /.well-known/acme-challenge/[^ ]* HTTP/1.1" 200' "$LOGS/nginx-access.log" || true)
[[ $n -ge 2 ]] || fail "nginx served $n challenge responses, expected at least 2"
[[ ! -e "$ROOT/acmekit-http01.conf" ]] || fail "the challenge snippet was left behind"
if grep -q acmekit-http01 "$ROOT/sites/site.conf"; then fail "the challenge include was left in site.conf"; fi
[[ "$(cat "$ROOT/sites/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "other.conf is not byte-identical"
SERIAL1=$(cert_serial "$CFG/live/a.example/cert.pem")
wait_served a.example "$SERIAL1"
wait_served b.example "$SERIAL1"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --resolve "a.example:$HTTP_PORT:127.0.0.1" \
  "http://a.example:$HTTP_PORT/page")
[[ "$code" == "301 https://a.example/page" ]] || fail "HTTP answer: $code, expected a redirect to https"
other=$(curl -s --resolve "other.example:$HTTP_PORT:127.0.0.1" "http://other.example:$HTTP_PORT/")
[[ "$other" == other ]] || fail "the other site answers '$other'"
conf="$CFG/renewal/a.example.conf"
grep -q '^installer = nginx$' "$conf" || fail "renewal conf lacks installer = nginx: $(cat "$conf")"
grep -q '^authenticator = nginx$' "$conf" || fail "renewal conf lacks authenticator = nginx"
grep -q "^nginx_server_root = $ROOT\$" "$conf" || fail "renewal conf lacks nginx_server_root"
grep -q "^nginx_ctl = $ROOT/nginx-ctl\$" "$conf" || fail "renewal conf lacks nginx_ctl"
compgen -G "$CFG/backups/nginx/*/${ROOT#/}/sites/site.conf" >/dev/null || fail "no backup of site.conf under $CFG/backups/nginx"
case_pass

INSTALLED=$(cat "$ROOT/sites/site.conf"; echo x)

case_begin "renew --force-renewal: nginx reloaded once, the new serial served"
run_acmekit renew --force-renewal --config-dir "$CFG" --ca-bundle "$TLS_CA" --json
assert_success
[[ "$(json_get '.reloaded | join(",")')" == nginx ]] || fail "renew --json does not report nginx reloaded once"
SERIAL2=$(cert_serial "$CFG/live/a.example/cert.pem")
[[ "$SERIAL2" != "$SERIAL1" ]] || fail "renewal kept the serial"
wait_served a.example "$SERIAL2"
[[ "$(cat "$ROOT/sites/site.conf"; echo x)" == "$INSTALLED" ]] || fail "renew edited site.conf"
case_pass

case_begin "install --dry-run prints the diff and changes no file"
cp "$ROOT/sites/site.conf" "$WORK/site.installed"
printf 'server {\n    listen 127.0.0.1:%s;\n    server_name a.example b.example;\n    return 200 "plain\\n";\n}\n' "$HTTP_PORT" \
  >"$ROOT/sites/site.conf"
PLAIN=$(cat "$ROOT/sites/site.conf"; echo x)
run_acmekit install --nginx "${NGINX_FLAGS[@]}" --cert-name a.example --dry-run --config-dir "$CFG"
assert_success
grep -q "^--- $ROOT/sites/site.conf\$" "$ACME_OUT" || fail "no diff header: $(cat "$ACME_OUT")"
grep -q "^+    ssl_certificate $CFG/live/a.example/fullchain.pem;\$" "$ACME_OUT" \
  || fail "diff lacks ssl_certificate: $(cat "$ACME_OUT")"
[[ "$(cat "$ROOT/sites/site.conf"; echo x)" == "$PLAIN" ]] || fail "--dry-run changed site.conf"
cp "$WORK/site.installed" "$ROOT/sites/site.conf"
case_pass

case_begin "nginx -t fails after our change: files restored, old certificate served, one error"
# The site served over HTTP only again (the HTTPS copy is still up from
# before: nginx has not reloaded since), with an include nginx accepts over
# plain HTTP but refuses in the HTTPS copy acmekit adds: OCSP stapling from
# a file that does not exist.
printf 'server {\n    listen 127.0.0.1:%s;\n    server_name a.example b.example;\n    include %s/snippets/common.conf;\n}\n' \
  "$HTTP_PORT" "$ROOT" >"$ROOT/sites/site.conf"
echo 'ssl_stapling on; ssl_stapling_file /nonexistent/ocsp.der;' >>"$ROOT/snippets/common.conf"
"$ROOT/nginx-ctl" -c "$ROOT/nginx.conf" -t >"$LOGS/t.log" 2>&1 || fail "the HTTP-only config should pass nginx -t: $(cat "$LOGS/t.log")"
BROKEN_SITE=$(cat "$ROOT/sites/site.conf"; echo x)
BROKEN_SNIPPET=$(cat "$ROOT/snippets/common.conf"; echo x)
run_acmekit install --nginx "${NGINX_FLAGS[@]}" --cert-name a.example --config-dir "$CFG"
assert_failure
assert_error_matches 'nginx configuration test failed'
assert_error_matches 'restored'
[[ "$(cat "$ROOT/sites/site.conf"; echo x)" == "$BROKEN_SITE" ]] || fail "site.conf not restored byte for byte"
[[ "$(cat "$ROOT/snippets/common.conf"; echo x)" == "$BROKEN_SNIPPET" ]] || fail "the snippet changed"
[[ "$(cat "$ROOT/sites/other.conf"; echo x)" == "$OTHER_BEFORE" ]] || fail "other.conf changed"
_pid_alive "$NGINX_PID" || fail "nginx died"
# nginx never loaded the refused configuration: it serves the renewed certificate still.
wait_served a.example "$SERIAL2"
case_pass
