#!/usr/bin/env bash
# CAA (RFC 8659, RFC 8657) in acmekit-ca against a real BIND zone, in a
# network namespace of its own (lib_bind.sh): acmekit-ca resolves CAA
# through the primary on 127.0.0.2 (--dns-resolver) and reaches acmekit's
# http-01 standalone server through its hosts file. Cases: no record, issue
# for us, issue for another CA, issuewild (wildcard by dns-01 vs the name
# itself), a CNAME to a name with CAA, accounturi match and mismatch,
# validationmethods=dns-01 with http-01, an unknown critical property, a
# SERVFAIL, and the re-check at finalize of a reused authorization.
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
require_acmekit

ZONE=caa.test
US=ca.acmekit.test  # the CA's --caa-identity
BIND_ZONE_EXTRA="ours IN CAA 0 issue \"$US\"
theirs IN CAA 0 issue \"other-ca.example\"
alias IN CNAME theirs
wild IN CAA 0 issue \";\"
wild IN CAA 0 issuewild \"$US\"
wildonly IN CAA 0 issuewild \"$US\"
methods IN CAA 0 issue \"$US; validationmethods=dns-01\"
crit IN CAA 0 issue \"$US\"
crit IN CAA 128 tbs \"unknown\"
iodef IN CAA 0 issue \"$US\"
iodef IN CAA 0 iodef \"mailto:security@caa.test\"
Upper IN CAA 0 ISSUE \"CA.AcmeKit.Test\"" start_bind_primary "$ZONE" 127.0.0.2

# A zone named serves but cannot load: its names answer SERVFAIL.
BROKEN=broken.test
cat >>"${BIND_DIR[127.0.0.2]}/named.conf" <<EOF
zone "$BROKEN" { type primary; file "${BIND_DIR[127.0.0.2]}/no-such-file.zone"; };
EOF
rndc -c "${BIND_DIR[127.0.0.2]}/rndc.conf" reconfig >>"$LOGS/rndc.log" 2>&1 || true
for ((i = 0; i < 100; i++)); do
  dig +norec +time=1 +tries=1 @127.0.0.2 "www.$BROKEN" CAA 2>/dev/null | grep -q 'status: SERVFAIL' && break
  sleep 0.05
done
dig +norec +time=1 +tries=1 @127.0.0.2 "www.$BROKEN" CAA 2>&1 | grep -q 'status: SERVFAIL' \
  || fail "named does not answer SERVFAIL for www.$BROKEN: $(dig +norec @127.0.0.2 "www.$BROKEN" CAA 2>&1 | grep status)"

# bind_add_records LINE...: appends absolute-name records to the zone (a
# dynamic zone: frozen, edited, thawed) and waits until named serves the first.
bind_add_records() {
  local rndc=(rndc -c "${BIND_DIR[127.0.0.2]}/rndc.conf") first=${1%% *}
  "${rndc[@]}" freeze "$ZONE" >>"$LOGS/rndc.log" 2>&1 || fail "rndc freeze $ZONE failed; see $LOGS/rndc.log"
  # named reloads a thawed zone only when its file is newer than the dump
  # freeze just wrote (compared in whole seconds).
  sleep 1.1
  printf '%s\n' "$@" >>"${BIND_DIR[127.0.0.2]}/$ZONE.zone"
  "${rndc[@]}" thaw "$ZONE" >>"$LOGS/rndc.log" 2>&1 || fail "rndc thaw $ZONE failed; see $LOGS/rndc.log"
  for ((i = 0; i < 100; i++)); do
    [[ -n "$(dig +short +norec @127.0.0.2 "$first" CAA 2>/dev/null)" ]] && return 0
    sleep 0.05
  done
  fail "named does not serve the CAA record added at $first"
}

NAMES=(none ours theirs alias wild wildonly methods crit iodef upper acct recheck)
for n in "${NAMES[@]}"; do ca_hosts_add "$n.$ZONE"; done
ca_hosts_add "www.$BROKEN"
# Re-checked at every finalize (0: any validation is old enough).
start_acmekit_ca --dns-resolver 127.0.0.2:53 --caa-identity "$US" --caa-recheck-after 0
grep -q "CAA: checked for $US" "$LOGS/acmekit-ca.log" || fail "the CA did not log that CAA is checked"
use_ca_client
DNS=(--dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS" --dns-propagation-seconds 1)

# http01 NAME...: certonly by http-01 for the names.
http01() {
  local args=() n
  for n in "$@"; do args+=(-d "$n"); done
  run_acmekit certonly "${STANDALONE[@]}" "${args[@]}" "${COMMON[@]}"
}
# expect_issued LINEAGE NAME...: issued, live/LINEAGE covers the names.
expect_issued() {
  local lineage=$1
  shift
  assert_success "$*"
  assert_cert_ok "$CFG/live/$lineage" "$CA_ROOT" "$@"
}
# expect_caa DETAIL: refused with the caa problem, its detail containing DETAIL.
expect_caa() {
  assert_failure 3
  assert_error_matches 'urn:ietf:params:acme:error:caa' "name the caa problem type"
  grep -qF -- "$1" <<<"$ACME_ERRLINE" || fail "the error line does not say '$1': $ACME_ERRLINE"
}

case_begin "no CAA record at the name or its parents: issued"
http01 "none.$ZONE"
expect_issued "none.$ZONE" "none.$ZONE"
case_pass

case_begin "issue for our identity: issued (also with iodef; tags and names in any case)"
http01 "ours.$ZONE"
expect_issued "ours.$ZONE" "ours.$ZONE"
http01 "iodef.$ZONE"
expect_issued "iodef.$ZONE" "iodef.$ZONE"
http01 "upper.$ZONE"
expect_issued "upper.$ZONE" "upper.$ZONE"
case_pass

case_begin "issue for another CA: caa problem naming the record"
http01 "theirs.$ZONE"
expect_caa "CAA record for theirs.$ZONE prevents issuance: 0 issue \"other-ca.example\""
case_pass

case_begin "a CNAME to a name with CAA: the target's record counts"
http01 "alias.$ZONE"
expect_caa "CAA record for alias.$ZONE (CNAME to theirs.$ZONE) prevents issuance: 0 issue \"other-ca.example\""
case_pass

case_begin "issuewild for us, issue \";\": the wildcard by dns-01 is issued, the name itself is not"
run_acmekit certonly "${DNS[@]}" -d "*.wild.$ZONE" --cert-name star-wild "${COMMON[@]}"
expect_issued star-wild "*.wild.$ZONE"
http01 "wild.$ZONE"
expect_caa "CAA record for wild.$ZONE prevents issuance: 0 issue \";\""
case_pass

case_begin "issuewild only: the wildcard follows it, the name itself is unrestricted"
run_acmekit certonly "${DNS[@]}" -d "*.wildonly.$ZONE" --cert-name star-wildonly "${COMMON[@]}"
expect_issued star-wildonly "*.wildonly.$ZONE"
http01 "wildonly.$ZONE"
expect_issued "wildonly.$ZONE" "wildonly.$ZONE"
case_pass

case_begin "validationmethods=dns-01 refuses an http-01 validation"
http01 "methods.$ZONE"
expect_caa "CAA record for methods.$ZONE prevents issuance: 0 issue \"$US; validationmethods=dns-01\" (validationmethods does not list http-01)"
case_pass

case_begin "an unknown property with the critical flag refuses"
http01 "crit.$ZONE"
expect_caa "CAA record for crit.$ZONE prevents issuance: 128 tbs \"unknown\" (unknown critical property)"
case_pass

case_begin "accounturi: the account it names is issued for, another account is refused"
run_acmekit show_account --server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$CFG" --json
assert_success
ACCOUNT_URL=$(json_get .url)
[[ "$ACCOUNT_URL" == "https://127.0.0.1:$CA_PORT/acme/acct/"* ]] || fail "unexpected account URL $ACCOUNT_URL"
bind_add_records "acct.$ZONE. 60 IN CAA 0 issue \"$US; accounturi=$ACCOUNT_URL\""
http01 "acct.$ZONE"
expect_issued "acct.$ZONE" "acct.$ZONE"
OTHER=(--server "$CA_DIR_URL" --ca-bundle "$CA_ROOT" --config-dir "$WORK/config-other"
  --register-unsafely-without-email --agree-tos --non-interactive)
run_acmekit certonly "${STANDALONE[@]}" -d "acct.$ZONE" "${OTHER[@]}"
expect_caa "CAA record for acct.$ZONE prevents issuance: 0 issue \"$US; accounturi=$ACCOUNT_URL\" (accounturi is not this account's"
case_pass

case_begin "a CAA lookup that fails (SERVFAIL) refuses, naming the server"
http01 "www.$BROKEN"
expect_caa "CAA lookup for www.$BROKEN failed"
assert_error_matches '127\.0\.0\.2:53' "name the DNS server"
assert_error_matches 'SERVFAIL' "say SERVFAIL"
case_pass

case_begin "re-checked at finalize: a reused authorization meets the CAA record added since"
http01 "recheck.$ZONE"
expect_issued "recheck.$ZONE" "recheck.$ZONE"
bind_add_records "recheck.$ZONE. 60 IN CAA 0 issue \"other-ca.example\""
run_acmekit certonly "${STANDALONE[@]}" -d "recheck.$ZONE" --force-renewal "${COMMON[@]}"
expect_caa "CAA record for recheck.$ZONE prevents issuance: 0 issue \"other-ca.example\""
# One validation: the second order reused the authorization, so the
# refusal came from the re-check at finalize.
n=$(grep -c "validation .* dns:recheck\.$ZONE: valid" "$LOGS/acmekit-ca.log" || true)
[[ $n == 1 ]] || fail "expected one validation of recheck.$ZONE (the authorization reused), found $n"
case_pass

stop_acmekit_ca
