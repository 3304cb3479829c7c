#!/usr/bin/env bash
# The BIND harness itself (lib_bind.sh), before any dns-01 test leans on it:
# its own network namespace (the host untouched), a primary with TSIG
# updates, secondaries that get changes at once (prompt), only when forced
# (late), or never; dig_txt; the credentials file.
# shellcheck source=lib_bind.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
enter_netns "$@"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_bind

Z=example.test
N=_acme-challenge.$Z

# nsupdate_txt ADD|DELETE VALUE: a TSIG-signed update of $N at the primary.
nsupdate_txt() {
  nsupdate -y "$TSIG_ALG:$TSIG_NAME:$TSIG_SECRET" >>"$LOGS/nsupdate.log" 2>&1 <<EOF || fail "nsupdate $1 $2 failed; see $LOGS/nsupdate.log"
server 127.0.0.2
zone $Z
update ${1,,} $N 60 IN TXT "$2"
send
EOF
}

case_begin "a network namespace of its own"
in_netns || fail "not inside a new network namespace"
[[ "$(readlink /proc/self/ns/net)" != "$ACMEKIT_E2E_NETNS" ]] || fail "same namespace as the host"
lo_addresses=$(ip -o addr show dev lo)
for a in 127.0.0.1 127.0.0.2 127.0.0.3; do
  grep -q "inet $a/8" <<<"$lo_addresses" || fail "lo has no $a/8: $lo_addresses"
done
[[ "$(grep '^nameserver' /etc/resolv.conf)" == "nameserver 127.0.0.2" ]] \
  || fail "/etc/resolv.conf in the namespace: $(cat /etc/resolv.conf)"
case_pass

case_begin "primary: zone, TSIG updates, credentials file"
start_bind_primary "$Z" 127.0.0.2
[[ "$(dig +short +norec @127.0.0.2 "$Z" A)" == 127.0.0.1 ]] || fail "$Z A is not 127.0.0.1"
[[ "$(dig +short +norec @127.0.0.2 "www.$Z" A)" == 127.0.0.1 ]] || fail "*.$Z A is not 127.0.0.1"
[[ "$(dig +short +norec @127.0.0.2 "$Z" NS | sort | tr '\n' ' ')" == "ns1.$Z. ns2.$Z. " ]] || fail "NS records"
# Through /etc/resolv.conf (no @server): the namespace's resolver is the primary.
[[ "$(dig +short "ns2.$Z" A)" == 127.0.0.3 ]] || fail "resolv.conf does not lead to the primary"
[[ "$(stat -c %a "$RFC2136_CREDENTIALS")" == 600 ]] || fail "$RFC2136_CREDENTIALS is not mode 0600"
grep -qx "dns_rfc2136_server = 127.0.0.2" "$RFC2136_CREDENTIALS" || fail "credentials: server"
grep -qx "dns_rfc2136_name = $TSIG_NAME" "$RFC2136_CREDENTIALS" || fail "credentials: key name"
# An update signed with a wrong secret is refused.
if nsupdate -y "$TSIG_ALG:$TSIG_NAME:$(_bind_secret)" >"$LOGS/nsupdate-bad.log" 2>&1 <<EOF; then
server 127.0.0.2
zone $Z
update add $N 60 IN TXT "forged"
send
EOF
  fail "an update with a wrong TSIG secret was accepted"
fi
[[ -z "$(dig_txt 127.0.0.2 "$N")" ]] || fail "the forged value is served"
case_pass

case_begin "late secondary: the record arrives only with bind_retransfer"
start_bind_secondary "$Z" 127.0.0.3 127.0.0.2 late
nsupdate_txt add first-value
[[ "$(dig_txt 127.0.0.2 "$N")" == first-value ]] || fail "primary does not serve the new TXT: '$(dig_txt 127.0.0.2 "$N")'"
sleep 1  # time a NOTIFY would have taken
[[ -z "$(dig_txt 127.0.0.3 "$N")" ]] || fail "the late secondary already serves '$(dig_txt 127.0.0.3 "$N")'"
bind_retransfer 127.0.0.3 "$Z"
[[ "$(dig_txt 127.0.0.3 "$N")" == first-value ]] || fail "after retransfer the secondary serves '$(dig_txt 127.0.0.3 "$N")'"
stop_bind 127.0.0.3
case_pass

case_begin "prompt secondary: NOTIFY brings changes at once"
start_bind_secondary "$Z" 127.0.0.3 127.0.0.2 prompt
[[ "$(dig_txt 127.0.0.3 "$N")" == first-value ]] || fail "initial transfer missing first-value"
nsupdate_txt add second-value
for ((i = 0; i < 100; i++)); do
  [[ "$(dig_txt 127.0.0.3 "$N" | tr '\n' ' ')" == "first-value second-value " ]] && break
  sleep 0.1
done
[[ "$(dig_txt 127.0.0.3 "$N" | tr '\n' ' ')" == "first-value second-value " ]] \
  || fail "the prompt secondary serves '$(dig_txt 127.0.0.3 "$N" | tr '\n' ' ')' after 10 s"
nsupdate_txt delete first-value
for ((i = 0; i < 100; i++)); do
  [[ "$(dig_txt 127.0.0.3 "$N")" == second-value ]] && break
  sleep 0.1
done
[[ "$(dig_txt 127.0.0.3 "$N")" == second-value ]] || fail "the deletion did not reach the prompt secondary"
stop_bind_secondary
case_pass

case_begin "late again after prompt: the primary no longer notifies 127.0.0.3"
start_bind_secondary "$Z" 127.0.0.3 127.0.0.2 late
nsupdate_txt add late-again
sleep 1
[[ "$(dig_txt 127.0.0.3 "$N")" == second-value ]] || fail "the late secondary got a NOTIFY: '$(dig_txt 127.0.0.3 "$N")'"
bind_retransfer 127.0.0.3 "$Z"
[[ "$(dig_txt 127.0.0.3 "$N" | tr '\n' ' ')" == "late-again second-value " ]] || fail "retransfer after prompt"
nsupdate_txt delete late-again
stop_bind_secondary 127.0.0.3
case_pass

case_begin "never: a server that keeps the zone as it was"
start_bind_secondary "$Z" 127.0.0.3 127.0.0.2 never
[[ "$(dig_txt 127.0.0.3 "$N")" == second-value ]] || fail "the copy does not start from the primary's data"
nsupdate_txt add third-value
sleep 1
[[ "$(dig_txt 127.0.0.3 "$N")" == second-value ]] || fail "the 'never' server changed: '$(dig_txt 127.0.0.3 "$N")'"
[[ "$(dig_txt 127.0.0.2 "$N" | tr '\n' ' ')" == "second-value third-value " ]] || fail "primary lost a value"
case_pass
