#!/usr/bin/env bash
# --manual with auth and cleanup hooks, as certbot runs them: the hook
# scripts publish http-01 responses into a directory nginx serves on
# Pebble's validation port, and record the environment they were given.
# (dns-01 through manual hooks runs against BIND in test_dns_rfc2136.sh.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
# Fresh authorizations for (nearly) every order: Pebble still reuses a valid
# one 1 time in 100 per name with PEBBLE_AUTHZREUSE=0 (it creates a new one
# when rand.Intn(100) > 0), so the renew case counts what acmekit reports as
# already authorized.
PEBBLE_AUTHZREUSE=0 start_pebble
use_pebble_client

ROOT="$WORK/site"
mkdir -p "$ROOT/.well-known/acme-challenge"
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT"

HOOKLOG="$WORK/hooklog"
mkdir -p "$HOOKLOG"
# The hooks get every value through the environment only. Each run writes
# its CERTBOT_* variables to a numbered file.
cat >"$WORK/auth-hook.sh" <<HOOK
#!/bin/sh
set -e
n=\$(ls "$HOOKLOG" | wc -l)
env | grep '^CERTBOT_' | sort >"$HOOKLOG/\$n-auth.env"
printf '%s' "\$CERTBOT_VALIDATION" >"$ROOT/.well-known/acme-challenge/\$CERTBOT_TOKEN"
echo "published \$CERTBOT_TOKEN"
HOOK
cat >"$WORK/cleanup-hook.sh" <<HOOK
#!/bin/sh
set -e
n=\$(ls "$HOOKLOG" | wc -l)
env | grep '^CERTBOT_' | sort >"$HOOKLOG/\$n-cleanup.env"
rm -f "$ROOT/.well-known/acme-challenge/\$CERTBOT_TOKEN"
echo "cleaned \$CERTBOT_TOKEN"
HOOK
chmod +x "$WORK/auth-hook.sh" "$WORK/cleanup-hook.sh"

# env_of FILE VAR: the value of VAR in a recorded environment.
env_of() { sed -n "s/^$2=//p" "$1"; }

case_begin "manual http-01, two names: certbot's variables reach the hooks"
run_acmekit certonly --manual --preferred-challenges http-01 \
  --manual-auth-hook "$WORK/auth-hook.sh" --manual-cleanup-hook "$WORK/cleanup-hook.sh" \
  -d manual.test -d www.manual.test "${COMMON[@]}" --json
assert_success
assert_cert_ok "$CFG/live/manual.test" "$PEBBLE_ROOT" manual.test www.manual.test
# The hooks printed to stdout; acmekit's own stdout is still one JSON document.
[[ "$(json_get .status)" == issued ]] || fail "--json status: $(cat "$ACME_OUT")"
grep -q '^cleaned ' "$ACME_ERR" || fail "the cleanup hook's output should reach stderr"
auths=("$HOOKLOG"/*-auth.env)
cleanups=("$HOOKLOG"/*-cleanup.env)
[[ ${#auths[@]} -eq 2 ]] || fail "auth hook ran ${#auths[@]} times, expected 2"
[[ ${#cleanups[@]} -eq 2 ]] || fail "cleanup hook ran ${#cleanups[@]} times, expected 2"
domains="" remaining=""
for f in "${auths[@]}"; do
  d=$(env_of "$f" CERTBOT_DOMAIN); t=$(env_of "$f" CERTBOT_TOKEN); v=$(env_of "$f" CERTBOT_VALIDATION)
  domains+="$d "; remaining+="$(env_of "$f" CERTBOT_REMAINING_CHALLENGES) "
  [[ "$t" =~ ^[A-Za-z0-9_-]{22,}$ ]] || fail "CERTBOT_TOKEN '$t' is not a token ($f)"
  # http-01: the validation is the key authorization, token "." thumbprint (RFC 8555 §8.3).
  [[ "$v" == "$t".* ]] || fail "CERTBOT_VALIDATION '$v' is not the key authorization of token $t"
  all=$(env_of "$f" CERTBOT_ALL_DOMAINS | tr ',' '\n' | sort | tr '\n' ' ')
  [[ "$all" == "manual.test www.manual.test " ]] || fail "CERTBOT_ALL_DOMAINS is '$all'"
done
[[ "$(tr ' ' '\n' <<<"$domains" | sort | tr '\n' ' ')" == " manual.test www.manual.test " ]] \
  || fail "CERTBOT_DOMAIN values: '$domains'"
[[ "$remaining" == "1 0 " ]] || fail "CERTBOT_REMAINING_CHALLENGES went '$remaining', expected '1 0 '"
for f in "${cleanups[@]}"; do
  out=$(env_of "$f" CERTBOT_AUTH_OUTPUT)
  tok=$(env_of "$f" CERTBOT_TOKEN)
  [[ "$out" == "published $tok" ]] || fail "CERTBOT_AUTH_OUTPUT in cleanup is '$out', expected 'published $tok'"
done
left=$(find "$ROOT/.well-known/acme-challenge" -mindepth 1 -print)
[[ -z "$left" ]] || fail "the cleanup hook left files: $left"
grep -q '^authenticator = manual$' "$CFG/renewal/manual.test.conf" || fail "renewal conf does not say manual"
grep -q "^manual_auth_hook = $WORK/auth-hook.sh\$" "$CFG/renewal/manual.test.conf" \
  || fail "renewal conf lacks the auth hook"
case_pass

case_begin "renew reuses the saved hooks"
rm -f "$HOOKLOG"/*
before=$(cert_serial "$CFG/live/manual.test/cert.pem")
run_acmekit renew --cert-name manual.test --force-renewal "${COMMON[@]}"
assert_success
after=$(cert_serial "$CFG/live/manual.test/cert.pem")
[[ "$before" != "$after" ]] || fail "renew did not replace the certificate"
assert_cert_ok "$CFG/live/manual.test" "$PEBBLE_ROOT" manual.test www.manual.test
n=$(find "$HOOKLOG" -name '*-auth.env' | wc -l)
reused=$(grep -c ': already authorized' "$ACME_ERR" || true)
[[ $n -eq $((2 - reused)) ]] \
  || fail "the saved auth hook ran $n times during renew, expected $((2 - reused)) ($reused of 2 authorizations reused)"
case_pass

case_begin "an auth hook that fails: clear error, cleanup still runs, nothing installed"
rm -f "$HOOKLOG"/*
cat >"$WORK/failing-hook.sh" <<HOOK
#!/bin/sh
env | grep '^CERTBOT_' | sort >"$HOOKLOG/0-auth.env"
echo "provider said no" >&2
exit 7
HOOK
chmod +x "$WORK/failing-hook.sh"
run_acmekit certonly --manual --manual-auth-hook "$WORK/failing-hook.sh" \
  --manual-cleanup-hook "$WORK/cleanup-hook.sh" -d fails.manual.test "${COMMON[@]}"
assert_failure
assert_error_matches 'auth hook.*fails\.manual\.test.*status 7'
[[ -n "$(find "$HOOKLOG" -name '*-cleanup.env')" ]] || fail "the cleanup hook did not run after the failure"
assert_no_live "$CFG" fails.manual.test
case_pass

case_begin "a domain nobody serves: the CA's problem names it, cleanup runs"
rm -f "$HOOKLOG"/*
cat >"$WORK/wrong-hook.sh" <<HOOK
#!/bin/sh
printf 'wrong' >"$ROOT/.well-known/acme-challenge/\$CERTBOT_TOKEN"
HOOK
chmod +x "$WORK/wrong-hook.sh"
run_acmekit certonly --manual --manual-auth-hook "$WORK/wrong-hook.sh" \
  --manual-cleanup-hook "$WORK/cleanup-hook.sh" -d bad1.manual.test -d bad2.manual.test "${COMMON[@]}"
assert_failure 3
assert_error_matches 'bad1\.manual\.test' "name bad1.manual.test"
assert_error_matches 'bad2\.manual\.test' "name bad2.manual.test"
assert_error_matches 'urn:ietf:params:acme:error:unauthorized'
[[ $(find "$HOOKLOG" -name '*-cleanup.env' | wc -l) -eq 2 ]] || fail "cleanup hook should run for both names"
assert_no_live "$CFG" bad1.manual.test
case_pass

case_begin "usage: --manual without an auth hook, wildcard without dns-01"
run_acmekit certonly --manual -d x.manual.test "${COMMON[@]}"
assert_failure 2
assert_error_matches 'manual-auth-hook'
# (nginx holds Pebble's http-01 port: the standalone server gets another one)
run_acmekit certonly --standalone --http-01-port "$(free_port)" -d '*.wild.manual.test' "${COMMON[@]}"
assert_failure 2
assert_error_matches 'wildcard.*dns-01'
assert_no_live "$CFG" wild.manual.test
case_pass
