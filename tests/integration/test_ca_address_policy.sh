#!/usr/bin/env bash
# acmekit-ca's validation address policy (issue 17). Started without
# --validation-allow-cidr, the CA refuses to validate at reserved addresses:
# names its hosts file maps to 10.0.0.1, 169.254.169.254, ::1 and 127.0.0.1
# (http-01, and tls-alpn-01 for one) end with an invalid authorization and a
# connection problem naming the address and its range, and the IP identifiers
# 127.0.0.1 and ::1 are rejectedIdentifier at newOrder. Allowing only
# 127.0.0.2/32, a first hop there (a python redirector) that redirects to
# 127.0.0.1 is refused at the redirect. With --validation-allow-cidr
# 127.0.0.0/8 and ::1/128 the loopback cases get certificates (the redirect
# too) while 10.0.0.1 stays refused. Bad CIDRs stop the CA at start (exit 2).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
require_cmd python3 sqlite3

# The CA's hosts file: each name at the address the case is about.
touch "$CA_HOSTS"
printf '%s\n' "10.0.0.1 priv.policy.test" "169.254.169.254 meta.policy.test" "::1 v6lo.policy.test" \
  "127.0.0.1 lo.policy.test alpn.policy.test" "127.0.0.2 redirect.policy.test" >>"$CA_HOSTS"

# authz_status NAME: the status of NAME's latest authorization in the CA's database.
authz_status() {
  ca_sql "SELECT status FROM authzs WHERE identifier_value = '$1' ORDER BY expires_ms DESC LIMIT 1"
}

# refused NAME ERE [ACMEKIT ARGS...]: certonly for NAME fails with a
# connection problem matching ERE, and its authorization is invalid.
refused() {
  local name=$1 want=$2
  shift 2
  run_acmekit certonly -d "$name" --cert-name "$name" "${COMMON[@]}" "$@"
  assert_failure
  assert_error_matches "validation of $name \(.*\) failed: .*$want.*; refusing to connect \[urn:ietf:params:acme:error:connection\]" \
    "be the CA's connection problem naming /$want/"
  [[ $(authz_status "$name") == invalid ]] || fail "the authorization for $name is '$(authz_status "$name")', not invalid"
  grep -qE "validation [^ ]* [^ ]* dns:$name: invalid" "$LOGS/acmekit-ca.log" \
    || fail "acmekit-ca did not log $name's validation as invalid: $(grep "$name" "$LOGS/acmekit-ca.log" | tail -n 3)"
}

# The first hop of redirect.policy.test: 127.0.0.2 on the http-01 port,
# redirecting every GET to the same path at http://127.0.0.1/ (port 80,
# which the CA maps to its http-01 port, where acmekit answers).
cat >"$WORK/redirector.py" <<'PY'
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1" + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, fmt, *args):
        sys.stderr.write("redirector: %s\n" % (fmt % args))

http.server.HTTPServer(("127.0.0.2", int(sys.argv[1])), Handler).serve_forever()
PY
REDIRECTOR_LOG="$LOGS/redirector.log"
start_redirector() {
  python3 "$WORK/redirector.py" "$CA_HTTP_PORT" >>"$REDIRECTOR_LOG" 2>&1 &
  REDIRECTOR_PID=$!; track_pid "$REDIRECTOR_PID"
  wait_listening "$CA_HTTP_PORT" "$REDIRECTOR_PID" "the redirector on 127.0.0.2"
}
redirects_served() { grep -c '"GET /.well-known/acme-challenge/[^ ]* HTTP/1.1" 302' "$REDIRECTOR_LOG" || true; }

# ---------------------------------------------------------------- the default policy

# IP identifiers need a profile that takes them: shortlived, made the default
# so the acmekit client (which names no profile) gets it.
CA_DATA=$WORK/acmekit-ca
printf 'data_dir = "%s"\ndefault_profile = "shortlived"\n' "$CA_DATA" >"$WORK/ca.toml"
export CA_CONFIG="$WORK/ca.toml"

case_begin "default policy: the CA says it refuses reserved addresses"
CA_VALIDATION_ALLOW="" start_acmekit_ca --retry-after 0
use_ca_client
grep -q 'validation address policy: reserved addresses refused$' "$LOGS/acmekit-ca.log" \
  || fail "acmekit-ca did not log its address policy: $(grep 'address policy' "$LOGS/acmekit-ca.log")"
case_pass

case_begin "default policy: a name at 10.0.0.1 (RFC 1918)"
refused priv.policy.test '10\.0\.0\.1 is a reserved address \(10\.0\.0\.0/8: Private-Use, RFC 1918\)' "${STANDALONE[@]}"
case_pass

case_begin "default policy: a name at 169.254.169.254 (link-local, cloud metadata)"
refused meta.policy.test '169\.254\.169\.254 is a reserved address \(169\.254\.0\.0/16: Link Local' "${STANDALONE[@]}"
case_pass

case_begin "default policy: a name at ::1"
refused v6lo.policy.test '::1 is a reserved address \(::1/128: Loopback Address' \
  --standalone --http-01-port "$CA_HTTP_PORT" --http-01-address ::
case_pass

case_begin "default policy: a name at 127.0.0.1, http-01 and tls-alpn-01"
refused lo.policy.test '127\.0\.0\.1 is a reserved address \(127\.0\.0\.0/8: Loopback' "${STANDALONE[@]}"
refused alpn.policy.test '127\.0\.0\.1 is a reserved address \(127\.0\.0\.0/8: Loopback' --standalone \
  --preferred-challenges tls-alpn-01 --tls-alpn-01-port "$CA_TLS_PORT" --tls-alpn-01-address 127.0.0.1
case_pass

case_begin "default policy: IP identifiers 127.0.0.1 and ::1 are rejectedIdentifier at newOrder"
for ip in 127.0.0.1 ::1; do
  run_acmekit certonly -d "$ip" --cert-name "ip-${ip//[.:]/-}" --standalone --http-01-port "$CA_HTTP_PORT" \
    --http-01-address :: "${COMMON[@]}"
  assert_failure
  assert_error_matches "${ip//./\\.} is a reserved address \((127\.0\.0\.0/8|::1/128): Loopback.*\[urn:ietf:params:acme:error:rejectedIdentifier\]"
  [[ $(ca_sql "SELECT COUNT(*) FROM authzs WHERE identifier_value = '$ip'") == 0 ]] \
    || fail "the CA made an authorization for $ip although newOrder refused it"
done
case_pass

# ---------------------------------------------------------------- a redirect to loopback

case_begin "127.0.0.2/32 allowed: a redirect from it to 127.0.0.1 is refused"
stop_acmekit_ca
CA_VALIDATION_ALLOW="127.0.0.2/32" start_acmekit_ca --retry-after 0
start_redirector
refused redirect.policy.test \
  'redirect to http://127\.0\.0\.1/\.well-known/acme-challenge/[^ ]*: 127\.0\.0\.1 is a reserved address \(127\.0\.0\.0/8: Loopback' \
  "${STANDALONE[@]}"
[[ $(redirects_served) == 1 ]] || fail "the first hop (127.0.0.2) answered $(redirects_served) times, not once: $(cat "$REDIRECTOR_LOG")"
stop_pid "$REDIRECTOR_PID"
case_pass

# ---------------------------------------------------------------- loopback allowed

case_begin "127.0.0.0/8 and ::1/128 allowed: the CA says so"
stop_acmekit_ca
CA_VALIDATION_ALLOW="127.0.0.0/8 ::1/128" start_acmekit_ca --retry-after 0
grep -q 'validation address policy: reserved addresses refused except 127.0.0.0/8, ::1/128$' "$LOGS/acmekit-ca.log" \
  || fail "acmekit-ca did not log its allow list: $(grep 'address policy' "$LOGS/acmekit-ca.log")"
case_pass

case_begin "allowed: names at 127.0.0.1 (http-01, tls-alpn-01) and ::1 get certificates"
run_acmekit certonly -d lo.policy.test --cert-name lo.policy.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/lo.policy.test" "$CA_ROOT" lo.policy.test
run_acmekit certonly -d alpn.policy.test --cert-name alpn.policy.test --standalone --preferred-challenges tls-alpn-01 \
  --tls-alpn-01-port "$CA_TLS_PORT" --tls-alpn-01-address 127.0.0.1 "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/alpn.policy.test" "$CA_ROOT" alpn.policy.test
run_acmekit certonly -d v6lo.policy.test --cert-name v6lo.policy.test --standalone --http-01-port "$CA_HTTP_PORT" \
  --http-01-address :: "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/v6lo.policy.test" "$CA_ROOT" v6lo.policy.test
case_pass

case_begin "allowed: IP identifiers 127.0.0.1 and ::1 get a certificate"
run_acmekit certonly -d 127.0.0.1 -d ::1 --cert-name ip46 --standalone --http-01-port "$CA_HTTP_PORT" \
  --http-01-address :: "${COMMON[@]}"
assert_success
san=$(openssl x509 -in "$CFG/live/ip46/cert.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
[[ "$san" == "IPAddress:127.0.0.1,IPAddress:0:0:0:0:0:0:0:1" ]] || fail "SANs are '$san'"
case_pass

case_begin "allowed: the redirect from 127.0.0.2 to 127.0.0.1 is followed"
start_redirector
run_acmekit certonly -d redirect.policy.test --cert-name redirect.policy.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
assert_cert_ok "$CFG/live/redirect.policy.test" "$CA_ROOT" redirect.policy.test
[[ $(redirects_served) == 2 ]] || fail "the first hop answered $(redirects_served) times in all, not twice: $(cat "$REDIRECTOR_LOG")"
stop_pid "$REDIRECTOR_PID"
case_pass

case_begin "allowed: only the listed blocks: 10.0.0.1 is still refused"
refused priv.policy.test '10\.0\.0\.1 is a reserved address \(10\.0\.0\.0/8: Private-Use, RFC 1918\)' "${STANDALONE[@]}"
case_pass

# ---------------------------------------------------------------- configuration errors

case_begin "a bad --validation-allow-cidr or validation_allow_cidr stops the CA at start (exit 2)"
stop_acmekit_ca
serve_fails() {  # serve_fails ERE ARGS...: acmekit-ca serve exits 2 saying ERE
  local want=$1 rc=0
  shift
  timeout 20 "$ACMEKIT_CA_BIN" serve --data-dir "$WORK/ca-bad" --listen "127.0.0.1:0" "$@" \
    >"$LOGS/serve-bad.out" 2>&1 || rc=$?
  [[ $rc == 2 ]] || fail "acmekit-ca serve $* exited $rc, expected 2: $(cat "$LOGS/serve-bad.out")"
  grep -qE -- "$want" "$LOGS/serve-bad.out" || fail "acmekit-ca serve $* did not say /$want/: $(cat "$LOGS/serve-bad.out")"
}
serve_fails '--validation-allow-cidr: "10\.0\.0\.1/8" is not a CIDR block: bits are set after the prefix length' \
  --validation-allow-cidr 127.0.0.0/8 --validation-allow-cidr 10.0.0.1/8
serve_fails '--validation-allow-cidr: "127\.0\.0\.1" is not a CIDR block: no /PREFIX' --validation-allow-cidr 127.0.0.1
serve_fails '--validation-allow-cidr: "fd00::/129" is not a CIDR block: the prefix length must be 0\.\.128' \
  --validation-allow-cidr fd00::/129
printf 'data_dir = "%s"\nvalidation_allow_cidr = ["10.0.0.0/8", "intranet/8"]\n' "$WORK/ca-bad" >"$WORK/bad.toml"
serve_fails 'config: validation_allow_cidr: "intranet/8" is not a CIDR block' --config "$WORK/bad.toml"
printf 'data_dir = "%s"\nvalidation_allow_cidr = "10.0.0.0/8"\n' "$WORK/ca-bad" >"$WORK/string.toml"
serve_fails 'validation_allow_cidr must be an array of strings' --config "$WORK/string.toml"
case_pass
