#!/usr/bin/env bash
# NOT A TEST. Harness self-check: certbot dressed up as acmekit's CLI (the
# subset the e2e tests use), so the harness and the tests can be validated
# against a known-good client:
#   ACMEKIT_BIN=$PWD/tests/integration/dev/certbot-as-acmekit.sh bash tests/integration/test_standalone.sh
# Maps --ca-bundle/ACMEKIT_CA_BUNDLE to REQUESTS_CA_BUNDLE, synthesizes the
# --json output from the files certbot wrote, and turns certbot's failures
# into one "acmekit: error: " line with acmekit's exit codes.
set -uo pipefail

die() { echo "acmekit: error: $2" >&2; exit "$1"; }
[[ $# -ge 1 ]] || die 2 "no command"
verb=$1; shift

iso() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ; }
sans_json() {
  openssl x509 -in "$1" -noout -ext subjectAltName | tail -n +2 | tr ',' '\n' \
    | sed 's/^[[:space:]]*DNS://; s/[[:space:]]*$//' | grep -v '^$' | jq -R . | jq -sc .
}
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'; }
issuer_cn() { openssl x509 -in "$1" -noout -issuer -nameopt multiline | sed -n 's/^ *commonName *= *//p'; }
key_type() { openssl x509 -in "$1" -noout -text | grep -q 'id-ecPublicKey' && echo ecdsa || echo rsa; }

if [[ $verb == certificates ]]; then
  cfg=/etc/letsencrypt json=0
  while [[ $# -gt 0 ]]; do
    case $1 in --config-dir) cfg=$2; shift 2 ;; --json) json=1; shift ;; *) die 2 "unrecognized argument: $1" ;; esac
  done
  items=()
  for d in "$cfg"/live/*/; do
    [[ -f "$d/cert.pem" ]] || continue
    n=$(basename "$d") c="$d/cert.pem"
    end=$(date -d "$(openssl x509 -in "$c" -noout -enddate | cut -d= -f2)" +%s)
    items+=("$(jq -nc --arg n "$n" --argjson names "$(sans_json "$c")" --arg kt "$(key_type "$c")" \
      --arg s "$(serial "$c")" --arg i "$(issuer_cn "$c")" --arg na "$(iso "$c")" \
      --argjson dl $(((end - $(date +%s)) / 86400)) --arg d "${d%/}" \
      '{cert_name:$n,names:$names,key_type:$kt,serial:$s,issuer:$i,not_after:$na,days_left:$dl,
        paths:{cert:($d+"/cert.pem"),chain:($d+"/chain.pem"),fullchain:($d+"/fullchain.pem"),privkey:($d+"/privkey.pem")}}')")
  done
  if [[ $json == 1 ]]; then
    printf '%s\n' "${items[@]}" | jq -s '{certificates: map(select(. != null))}'
  else
    printf '%s\n' "${items[@]}" | jq -r '"\(.cert_name): \(.names|join(" "))"'
  fi
  exit 0
fi
[[ $verb == certonly ]] || die 2 "unknown command $verb"

args=() json=0 csr="" certp=./cert.pem chainp=./chain.pem fullp=./fullchain.pem name="" first="" cfg=/etc/letsencrypt
bundle=${ACMEKIT_CA_BUNDLE:-}
while [[ $# -gt 0 ]]; do
  case $1 in
    --json) json=1; shift ;;
    --ca-bundle) bundle=$2; shift 2 ;;
    --csr) csr=$2; shift 2 ;;
    --cert-path) certp=$2; shift 2 ;;
    --chain-path) chainp=$2; shift 2 ;;
    --fullchain-path) fullp=$2; shift 2 ;;
    --cert-name) name=$2; args+=("$1" "$2"); shift 2 ;;
    --config-dir) cfg=$2; args+=("$1" "$2"); shift 2 ;;
    -d) [[ -n $first ]] || first=$2; args+=("$1" "$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ -n $first || -n $csr ]] || die 2 "no names given: use -d NAME or --csr FILE"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset REQUESTS_CA_BUNDLE
[[ -n $bundle ]] && export REQUESTS_CA_BUNDLE=$bundle
if [[ -n $csr ]]; then
  # certbot refuses to overwrite; acmekit writes the given paths.
  args+=(--csr "$csr" --cert-path "$tmp/c.pem" --chain-path "$tmp/ch.pem" --fullchain-path "$tmp/fc.pem")
fi
certbot certonly "${args[@]}" --work-dir "$tmp/work" --logs-dir "$tmp/logs" >"$tmp/out" 2>&1
rc=$?
if [[ $rc -ne 0 ]]; then
  all=$(cat "$tmp/out" "$tmp"/logs/*.log 2>/dev/null)
  urn=$(grep -o 'urn:ietf:params:acme:error:[A-Za-z]*' <<<"$all" | grep -v badNonce | tail -1)
  if grep -q 'unrecognized arguments\|Missing command line flag\|requires a domain\|No names' <<<"$all"; then
    die 2 "$(grep -m1 'unrecognized arguments\|Missing command line flag\|requires\|No names' <<<"$all")"
  elif [[ -n $urn ]]; then
    die 3 "the CA refused: $urn: $(grep -m1 -o "${urn}[^\"]*" <<<"$all" | head -c 200)"
  elif grep -q 'CERTIFICATE_VERIFY_FAILED' <<<"$all"; then
    die 4 "TLS certificate of the ACME server is not trusted (certificate verify failed: unable to get local issuer certificate)"
  elif grep -q 'Could not bind' <<<"$all"; then
    die 1 "$(grep -m1 -o 'Could not bind.*' "$tmp/out")"
  elif grep -qE 'ClientError: <Response \[404\]>' <<<"$all"; then
    die 1 "ACME directory not found (HTTP 404)"
  elif grep -qi 'Connection refused\|Max retries\|ConnectionError' <<<"$all"; then
    die 4 "network error talking to the CA: $(grep -m1 -io '[^:]*Connection refused[^)]*' <<<"$all" | head -c 200)"
  else
    die 1 "certbot failed: $(grep -v '^[[:space:]]*$' "$tmp/out" | tail -1)"
  fi
fi
if [[ -n $csr ]]; then
  cp "$tmp/c.pem" "$certp" && cp "$tmp/ch.pem" "$chainp" && cp "$tmp/fc.pem" "$fullp"
  c=$certp
else
  [[ -n $name ]] || name=$first
  d="$cfg/live/$name" c="$cfg/live/$name/cert.pem"
fi
acct=$(jq -r '.uri // empty' "$cfg"/accounts/*/*/*/regr.json 2>/dev/null | head -1)
if [[ $json == 1 ]]; then
  if [[ -n $csr ]]; then
    paths=$(jq -nc --arg c "$(readlink -f "$certp")" --arg ch "$(readlink -f "$chainp")" --arg f "$(readlink -f "$fullp")" \
      '{cert:$c,chain:$ch,fullchain:$f,privkey:null}')
    cn=null
  else
    paths=$(jq -nc --arg d "$d" '{cert:($d+"/cert.pem"),chain:($d+"/chain.pem"),fullchain:($d+"/fullchain.pem"),privkey:($d+"/privkey.pem")}')
    cn=$(jq -n --arg n "$name" '$n')
  fi
  jq -n --argjson cn "$cn" --argjson names "$(sans_json "$c")" --argjson p "$paths" --arg s "$(serial "$c")" \
    --arg i "$(issuer_cn "$c")" --arg na "$(iso "$c")" --arg a "$acct" \
    '{status:"issued",cert_name:$cn,names:$names,paths:$p,serial:$s,issuer:$i,not_after:$na,account_url:$a}'
else
  echo "Successfully received certificate."
  echo "Certificate is saved at: ${d:-$(dirname "$certp")}/fullchain.pem"
fi
