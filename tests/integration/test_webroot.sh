#!/usr/bin/env bash
# Webroot http-01: nginx serves ROOT on Pebble's http-01 port; acmekit only
# writes token files into ROOT/.well-known/acme-challenge/ and removes them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
start_pebble

ROOT="$WORK/webroot"
mkdir -p "$ROOT"
echo '<html><body>hello</body></html>' >"$ROOT/index.html"
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT"

CFG="$WORK/config"
mapfile -t COMMON < <(common_args "$CFG")

case_begin "webroot, two names"
run_acmekit certonly -d web.test -d www.web.test --webroot -w "$ROOT" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/web.test" "$PEBBLE_ROOT" web.test www.web.test
assert_live_layout "$CFG" web.test
# Pebble really fetched the tokens through nginx (3 validations per name).
n=$(grep -c 'GET /.well-known/acme-challenge/[^ ]* HTTP/1.1" 200' "$NGINX_ACCESS_LOG" || true)
[[ $n -ge 2 ]] || fail "nginx served $n challenge responses, expected at least 2 (one per name)"
# No token files left behind; the site's own content is untouched.
if [[ -d "$ROOT/.well-known/acme-challenge" ]]; then
  left=$(find "$ROOT/.well-known/acme-challenge" -mindepth 1 -print)
  [[ -z "$left" ]] || fail "token files left in the webroot:
$left"
fi
[[ "$(cat "$ROOT/index.html")" == '<html><body>hello</body></html>' ]] || fail "webroot index.html was modified"
case_pass

case_begin "trust from env ACMEKIT_CA_BUNDLE instead of --ca-bundle"
ARGS=()
for a in "${COMMON[@]}"; do ARGS+=("$a"); done
# drop "--ca-bundle FILE" from the common flags
for i in "${!ARGS[@]}"; do
  if [[ "${ARGS[$i]}" == --ca-bundle ]]; then unset 'ARGS[i]' "ARGS[$((i + 1))]"; break; fi
done
ACMEKIT_CA_BUNDLE="$TLS_CA" run_acmekit certonly -d env.web.test --webroot -w "$ROOT" "${ARGS[@]}"
assert_success "with ACMEKIT_CA_BUNDLE=$TLS_CA and no --ca-bundle"
assert_cert_ok "$CFG/live/env.web.test" "$PEBBLE_ROOT" env.web.test
case_pass
