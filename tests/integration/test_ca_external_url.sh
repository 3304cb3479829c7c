#!/usr/bin/env bash
# acmekit-ca serve --external-url (issue 14: instances behind a load
# balancer): the CA listens on 127.0.0.1:PORT and is told clients reach it as
# https://localhost:PORT. The directory fetched at 127.0.0.1, or with any
# other Host header, lists only URLs under the external URL; acmekit issues
# a certificate through https://localhost:PORT/directory. A name that is not
# one of the listener's defaults joins its certificate. Values that are not
# https://HOST[:PORT] (http://, a path) are refused at start (exit 2).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd curl jq openssl
NAME=external-url.acmekit.test
ca_hosts_add "$NAME"

# dir_urls URL [curl args...]: every URL the directory lists, a line each.
dir_urls() {
  local url=$1
  shift
  curl -fsS --max-time 5 --cacert "$CA_ROOT" "$@" "$url" | jq -r '[.. | strings | select(startswith("http"))] | .[]'
}

# expect_all_under BASE URLS: each line of URLS starts with BASE + "/".
expect_all_under() {
  local base=$1 urls=$2 u
  [[ -n $urls ]] || fail "the directory lists no URLs"
  while read -r u; do
    [[ $u == "$base/"* ]] || fail "$u is not under $base"
  done <<<"$urls"
}

# The external URL names the listen port, so the ports are chosen here
# (start_acmekit_ca binds CA_PORT when it is set).
CA_PORT=$(free_port) CA_MGMT_PORT=$(free_port) CA_HTTP_PORT=$(free_port) CA_TLS_PORT=$(free_port)
EXTERNAL="https://localhost:$CA_PORT"

case_begin "the directory at 127.0.0.1, whatever the Host, lists URLs under the external URL"
start_acmekit_ca --external-url "$EXTERNAL/" --retry-after 0
grep -q "external URL $EXTERNAL:" "$LOGS/acmekit-ca.log" || fail "acmekit-ca did not log its external URL"
urls=$(dir_urls "https://127.0.0.1:$CA_PORT/directory")
expect_all_under "$EXTERNAL" "$urls"
grep -qx "$EXTERNAL/acme/new-account" <<<"$urls" || fail "newAccount is not $EXTERNAL/acme/new-account: $urls"
# A load balancer may forward its own Host: the URLs stay the external ones.
expect_all_under "$EXTERNAL" "$(dir_urls "https://127.0.0.1:$CA_PORT/directory" -H 'Host: backend-1.internal:14000')"
link=$(curl -fsS --max-time 5 --cacert "$CA_ROOT" -I "https://127.0.0.1:$CA_PORT/acme/new-nonce" | tr -d '\r' |
  sed -n 's/^link: //Ip')
[[ $link == "<$EXTERNAL/directory>;rel=\"index\"" ]] || fail "newNonce Link: $link"
case_pass

case_begin "acmekit issues a certificate through the external URL"
use_ca_client
COMMON=(--server "$EXTERNAL/directory" --ca-bundle "$CA_ROOT" --config-dir "$CFG"
  --register-unsafely-without-email --agree-tos --non-interactive)
run_acmekit certonly -d "$NAME" "${STANDALONE[@]}" "${COMMON[@]}"
assert_success "certonly through $EXTERNAL"
assert_cert_ok "$CFG/live/$NAME" "$CA_ROOT" "$NAME"
[[ $(ca_cert_status "$CFG/live/$NAME/cert.pem") == valid ]] || fail "acmekit-ca does not know the certificate"
# The account URL acmekit keeps is the external one, as the CA wrote it.
grep -rqF "$EXTERNAL/acme/acct/" "$CFG/accounts" || fail "the stored account URL is not under $EXTERNAL"
case_pass

case_begin "the external URL's host joins the listener certificate"
stop_acmekit_ca
LB=ca-lb.acmekit.test
start_acmekit_ca --external-url "https://$LB:$CA_PORT"
expect_all_under "https://$LB:$CA_PORT" \
  "$(dir_urls "https://$LB:$CA_PORT/directory" --resolve "$LB:$CA_PORT:127.0.0.1")"
openssl s_client -connect "127.0.0.1:$CA_PORT" -servername "$LB" </dev/null 2>/dev/null |
  openssl x509 -noout -ext subjectAltName | grep -q "DNS:$LB" || fail "the listener certificate does not name $LB"
case_pass

case_begin "--external-url must be https://HOST[:PORT]"
stop_acmekit_ca
for bad in "http://localhost:$CA_PORT" "https://localhost:$CA_PORT/acme" "localhost:$CA_PORT"; do
  rc=0
  "$ACMEKIT_CA_BIN" serve --data-dir "$CA_DATA" --listen 127.0.0.1:0 --external-url "$bad" \
    >"$LOGS/bad.log" 2>&1 || rc=$?
  [[ $rc == 2 ]] || fail "--external-url $bad: exit $rc, not 2: $(cat "$LOGS/bad.log")"
  grep -q -- '--external-url' "$LOGS/bad.log" || fail "the error does not name --external-url: $(cat "$LOGS/bad.log")"
done
case_pass
