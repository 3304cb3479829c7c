#!/usr/bin/env bash
# Certificate profiles (draft-ietf-acme-profiles) end to end against
# acmekit-ca with its built-in profiles: meta.profiles in the directory
# (§3); a hand-made client (acme_order.py: the clients we test with send no
# "profile" yet) orders classic and shortlived certificates whose lifetimes
# (openssl x509 -dates) and extendedKeyUsage are the profiles'; an IP address
# is taken by shortlived only (classic: invalidProfile with a
# rejectedIdentifier subproblem); a profile the CA does not offer is
# invalidProfile; the acmekit client, which sends no profile, gets the
# default (classic: 90 days, serverAuth + clientAuth).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit
python3 -c 'import cryptography' 2>/dev/null || fail "python3-cryptography is needed by acme_order.py"

ca_hosts_add classic.profiles.test short.profiles.test plain.profiles.test refused.profiles.test
start_acmekit_ca
use_ca_client

# raw_order [--profile NAME] [--out FILE] ID...: one hand-made order; sets
# RAW_STATUS, RAW_TYPE, RAW_DETAIL, RAW_PROFILE and RAW_JSON.
raw_order() {
  RAW_JSON=$(python3 "$E2E_LIB_DIR/acme_order.py" --directory "$CA_DIR_URL" --ca-bundle "$CA_ROOT" \
    --http-port "$CA_HTTP_PORT" "$@" 2>"$WORK/acme_order.err") \
    || fail "acme_order.py failed: $(cat "$WORK/acme_order.err") $RAW_JSON"
  RAW_STATUS=$(jq -r .status <<<"$RAW_JSON") RAW_TYPE=$(jq -r .type <<<"$RAW_JSON")
  RAW_DETAIL=$(jq -r .detail <<<"$RAW_JSON") RAW_PROFILE=$(jq -r .profile <<<"$RAW_JSON")
}
# lifetime CERT: notAfter - notBefore in seconds.
lifetime() {
  local nb na
  nb=$(date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
  na=$(date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
  echo $((na - nb))
}
# eku CERT: the extendedKeyUsage line as openssl prints it.
eku() { openssl x509 -in "$1" -noout -ext extendedKeyUsage | tail -n +2 | sed 's/^ *//'; }

case_begin "the directory advertises the profiles"
DIR=$(curl -fsS --cacert "$CA_ROOT" "$CA_DIR_URL") || fail "no directory"
[[ $(jq -r '.meta.profiles | keys | join(",")' <<<"$DIR") == "classic,shortlived,tlsserver" ]] \
  || fail "meta.profiles: $(jq -c .meta <<<"$DIR")"
[[ -n $(jq -r '.meta.profiles.shortlived' <<<"$DIR") ]] || fail "shortlived has no description"
case_pass

case_begin "classic: 90 days, serverAuth + clientAuth"
raw_order --profile classic --out "$WORK/classic.pem" dns:classic.profiles.test
[[ $RAW_STATUS == 201 && $RAW_PROFILE == classic ]] || fail "newOrder classic: $RAW_JSON"
[[ $(lifetime "$WORK/classic.pem") == $((90 * 86400)) ]] || fail "classic lifetime $(lifetime "$WORK/classic.pem") s"
[[ $(eku "$WORK/classic.pem") == "TLS Web Server Authentication, TLS Web Client Authentication" ]] \
  || fail "classic EKU: $(eku "$WORK/classic.pem")"
case_pass

case_begin "shortlived: 160 hours, an IP address allowed, serverAuth only"
raw_order --profile shortlived --out "$WORK/short.pem" dns:short.profiles.test ip:127.0.0.1
[[ $RAW_STATUS == 201 && $RAW_PROFILE == shortlived ]] || fail "newOrder shortlived: $RAW_JSON"
[[ $(lifetime "$WORK/short.pem") == $((160 * 3600)) ]] || fail "shortlived lifetime $(lifetime "$WORK/short.pem") s"
[[ $(eku "$WORK/short.pem") == "TLS Web Server Authentication" ]] || fail "shortlived EKU: $(eku "$WORK/short.pem")"
openssl x509 -in "$WORK/short.pem" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" \
  || fail "no IP SAN: $(openssl x509 -in "$WORK/short.pem" -noout -ext subjectAltName)"
openssl verify -CAfile "$CA_ROOT" -untrusted <(sed -n '/END CERTIFICATE/,$p' "$WORK/short.pem" | tail -n +2) \
  <(sed -n '1,/END CERTIFICATE/p' "$WORK/short.pem") >/dev/null || fail "the shortlived chain does not verify"
case_pass

case_begin "an IP address under classic (named or the default) is refused"
raw_order --profile classic ip:127.0.0.1
[[ $RAW_STATUS == 400 && $RAW_TYPE == urn:ietf:params:acme:error:invalidProfile ]] || fail "classic + ip: $RAW_JSON"
[[ $(jq -r '.subproblems[0].type' <<<"$RAW_JSON") == urn:ietf:params:acme:error:rejectedIdentifier ]] \
  || fail "no rejectedIdentifier subproblem: $RAW_JSON"
[[ $RAW_DETAIL == *shortlived* ]] || fail "the refusal does not say which profile takes IPs: $RAW_DETAIL"
raw_order ip:127.0.0.1
[[ $RAW_STATUS == 400 && $RAW_TYPE == urn:ietf:params:acme:error:rejectedIdentifier ]] || fail "default + ip: $RAW_JSON"
case_pass

case_begin "a profile the CA does not offer is invalidProfile"
raw_order --profile premium dns:refused.profiles.test
[[ $RAW_STATUS == 400 && $RAW_TYPE == urn:ietf:params:acme:error:invalidProfile ]] || fail "premium: $RAW_JSON"
[[ $RAW_DETAIL == *premium* ]] || fail "the refusal does not name the profile: $RAW_DETAIL"
case_pass

case_begin "no profile: the default (raw order and the acmekit client)"
raw_order dns:refused.profiles.test
[[ $RAW_STATUS == 201 && $RAW_PROFILE == classic ]] || fail "newOrder without profile: $RAW_JSON"
run_acmekit certonly -d plain.profiles.test "${STANDALONE[@]}" "${COMMON[@]}"
assert_success
CERT="$CFG/live/plain.profiles.test/cert.pem"
assert_cert_ok "$CFG/live/plain.profiles.test" "$CA_ROOT" plain.profiles.test
[[ $(lifetime "$CERT") == $((90 * 86400)) ]] || fail "the acmekit client's lifetime $(lifetime "$CERT") s"
[[ $(eku "$CERT") == "TLS Web Server Authentication, TLS Web Client Authentication" ]] || fail "EKU: $(eku "$CERT")"
# The CA stored the profile with the order.
PROFILE=$(ca_sql "SELECT o.profile FROM orders o JOIN certificates c ON c.order_id = o.id
  WHERE c.identifiers LIKE '%plain.profiles.test%'")
[[ $PROFILE == classic ]] || fail "the acmekit client's order has profile '$PROFILE' in the CA's database"
case_pass

