# shellcheck shell=bash
# BIND for the dns-01 end-to-end tests: real `named` servers (Debian bind9)
# on port 53 of 127.0.0.2 / 127.0.0.3, inside a network namespace of the
# test's own, so nothing on the host is touched and nothing of the host's
# (a resolver on 127.0.0.53, another test's named) is in the way.
#
# Use, at the very top of a test script:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib_bind.sh"
#   enter_netns "$@"        # re-runs this script inside a fresh namespace
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
#   start_bind_primary example.test 127.0.0.2       # TSIG_* and RFC2136_CREDENTIALS set
#   start_bind_secondary example.test 127.0.0.3 127.0.0.2 late
#   ... acmekit certonly --dns-rfc2136 --dns-rfc2136-credentials "$RFC2136_CREDENTIALS" ...
#   dig_txt 127.0.0.3 _acme-challenge.example.test  # values, sorted, unquoted
#   bind_retransfer 127.0.0.3 example.test
#
# (Sourcing it after lib.sh works too.) Every named runs in the foreground
# (-g, one worker), all its files under $WORK/bind-ADDR, stopped by PID
# through lib.sh's track_pid. Needs root (namespaces, port 53) and the Debian
# packages bind9 bind9-utils bind9-dnsutils iproute2 util-linux openssl.

# ---------------------------------------------------------------- network namespace

# enter_netns "$@": outside, re-runs "$0" with the same arguments under
# `unshare --net --mount --fork` and exits with its status; fails (exit 1,
# one clear line) when no namespace can be made, and when the host's
# loopback addresses changed meanwhile (the test must not touch the host).
# Inside (ACMEKIT_E2E_NETNS set to the host's namespace): checks that this is
# another network namespace, makes mounts private, brings lo up with
# 127.0.0.2/8 and 127.0.0.3/8, and bind-mounts a private /etc/resolv.conf
# naming 127.0.0.2 (the primary) as the one nameserver.
enter_netns() {
  local me
  me=$(basename "${0%.sh}")
  if [[ -z "${ACMEKIT_E2E_NETNS:-}" ]]; then
    local host_ns err before after rc=0
    host_ns=$(readlink /proc/self/ns/net) || { echo "[$me] FAIL: cannot read /proc/self/ns/net" >&2; exit 1; }
    command -v unshare >/dev/null 2>&1 || { echo "[$me] FAIL: unshare (util-linux) not found" >&2; exit 1; }
    if ! err=$(unshare --net --mount true 2>&1); then
      echo "[$me] FAIL: cannot create a network namespace (unshare --net --mount; needs root): $err" >&2
      exit 1
    fi
    before=$(ip -o addr show dev lo 2>&1)
    # lib.sh sourced first: its work dir and exit trap belong to the run inside.
    if [[ -n "${E2E_LIB_DIR:-}" ]]; then
      trap - EXIT INT TERM
      rm -rf "${WORK:?}"
    fi
    ACMEKIT_E2E_NETNS="$host_ns" unshare --net --mount --fork bash "$0" "$@" || rc=$?
    after=$(ip -o addr show dev lo 2>&1)
    if [[ "$before" != "$after" ]]; then
      printf '[%s] FAIL: the host loopback changed during the test:\nbefore: %s\nafter:  %s\n' "$me" "$before" "$after" >&2
      rc=1
    fi
    exit "$rc"
  fi
  local ns
  ns=$(readlink /proc/self/ns/net)
  if [[ "$ns" == "$ACMEKIT_E2E_NETNS" ]]; then
    echo "[$me] FAIL: still in the host's network namespace ($ns)" >&2
    exit 1
  fi
  # Mounts made here stay here (unshare's default, made explicit).
  mount --make-rprivate / || { echo "[$me] FAIL: mount --make-rprivate / failed" >&2; exit 1; }
  ip link set lo up && ip addr add 127.0.0.2/8 dev lo && ip addr add 127.0.0.3/8 dev lo \
    || { echo "[$me] FAIL: cannot set up lo in the namespace" >&2; exit 1; }
  local resolv
  resolv=$(mktemp "${TMPDIR:-/tmp}/acmekit-resolv.XXXXXX")
  printf 'nameserver 127.0.0.2\n' >"$resolv"
  chmod 644 "$resolv"
  mount --bind "$resolv" /etc/resolv.conf \
    || { rm -f "$resolv"; echo "[$me] FAIL: cannot bind-mount a private /etc/resolv.conf" >&2; exit 1; }
  rm -f "$resolv"  # the mount keeps the file alive until the namespace ends
}

# in_netns: true inside enter_netns's namespace.
in_netns() { [[ -n "${ACMEKIT_E2E_NETNS:-}" && "$(readlink /proc/self/ns/net)" != "$ACMEKIT_E2E_NETNS" ]]; }

# ---------------------------------------------------------------- named

# Per named, by address. Declared so that sourcing this file twice keeps them.
declare -gA BIND_PID BIND_DIR BIND_ZONE BIND_RNDC_PORT BIND_PRIMARY_ADDR
[[ -v BIND_NOTIFY_TO ]] || BIND_NOTIFY_TO=()                # secondaries the primary notifies (prompt mode)
[[ -v BIND_TRANSFER_TO ]] || BIND_TRANSFER_TO=(127.0.0.3)  # addresses allowed to transfer from the primary

require_bind() { require_cmd named rndc dig nsupdate ip unshare openssl; }

# A random base64 secret for a TSIG key (32 bytes, as tsig-keygen makes).
_bind_secret() { openssl rand -base64 32; }

# _bind_rndc_setup ADDR DIR: an rndc key, port and rndc.conf for the named
# at ADDR; prints the named.conf controls statement.
_bind_rndc_setup() {
  local addr=$1 dir=$2 port secret
  port=$(free_port)
  secret=$(_bind_secret)
  BIND_RNDC_PORT[$addr]=$port
  cat >"$dir/rndc.conf" <<EOF
key "rndc-key" { algorithm hmac-sha256; secret "$secret"; };
options { default-key "rndc-key"; default-server $addr; default-port $port; };
EOF
  cat >"$dir/rndc-key.conf" <<EOF
key "rndc-key" { algorithm hmac-sha256; secret "$secret"; };
EOF
  chmod 600 "$dir/rndc.conf" "$dir/rndc-key.conf"
}

# _bind_options ADDR DIR: the options block every named here shares.
_bind_options() {
  local addr=$1 dir=$2
  cat <<EOF
include "$dir/rndc-key.conf";
controls { inet $addr port ${BIND_RNDC_PORT[$addr]} allow { 127.0.0.0/8; } keys { "rndc-key"; }; };
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port 53 { $addr; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify-source $addr;
  transfer-source $addr;
  query-source address $addr;
};
EOF
}

# _bind_run ADDR WHAT: starts named on DIR/named.conf and waits until it
# answers ZONE's SOA authoritatively.
_bind_run() {
  local addr=$1 what=$2 dir=${BIND_DIR[$1]} zone=${BIND_ZONE[$1]} i out
  named -g -n 1 -c "$dir/named.conf" >>"$LOGS/named-$addr.log" 2>&1 &
  BIND_PID[$addr]=$!
  track_pid "${BIND_PID[$addr]}"
  for ((i = 0; i < 200; i++)); do
    if ! _pid_alive "${BIND_PID[$addr]}"; then
      fail "$what named on $addr exited at startup; see $LOGS/named-$addr.log:
$(tail -n 15 "$LOGS/named-$addr.log")"
    fi
    out=$(dig +norec +time=1 +tries=1 @"$addr" "$zone" SOA 2>/dev/null || true)
    if grep -q 'status: NOERROR' <<<"$out" && grep -q 'flags: qr aa' <<<"$out"; then
      log "$what named up: $zone on $addr:53 (pid ${BIND_PID[$addr]})"
      return 0
    fi
    sleep 0.05
  done
  fail "$what named on $addr did not answer for $zone within 10 s; see $LOGS/named-$addr.log"
}

# _bind_write_primary_conf ADDR: named.conf of the primary at ADDR, with the
# current notify and transfer lists.
_bind_write_primary_conf() {
  local addr=$1 dir=${BIND_DIR[$1]} zone=${BIND_ZONE[$1]} notify="" transfer="" a
  for a in "${BIND_NOTIFY_TO[@]}"; do notify+="$a; "; done
  for a in "${BIND_TRANSFER_TO[@]}"; do transfer+="$a; "; done
  {
    _bind_options "$addr" "$dir"
    cat <<EOF
key "$TSIG_NAME" { algorithm $TSIG_ALG; secret "$TSIG_SECRET"; };
zone "$zone" {
  type primary;
  file "$dir/$zone.zone";
  update-policy { grant $TSIG_NAME zonesub TXT; };
  allow-transfer { $transfer};
  notify explicit;
  also-notify { $notify};
};
EOF
  } >"$dir/named.conf"
}

# start_bind_primary ZONE ADDR
#   named on ADDR:53, authoritative for ZONE: SOA; NS ns1.ZONE (127.0.0.2)
#   and ns2.ZONE (127.0.0.3); ZONE and *.ZONE A 127.0.0.1. Dynamic TXT updates
#   with a fresh TSIG key; transfers to 127.0.0.3; NOTIFY only to `prompt`
#   secondaries; an rndc channel. BIND_ZONE_EXTRA: more zone file lines
#   (e.g. "_acme-challenge.alias IN CNAME delegated").
# Sets TSIG_NAME TSIG_SECRET TSIG_ALG (hmac-sha256), BIND_PRIMARY (ADDR) and
#   RFC2136_CREDENTIALS: certbot's dns-rfc2136 INI for this server, mode 0600.
start_bind_primary() {
  local zone=$1 addr=$2 dir
  require_bind
  in_netns || fail "start_bind_primary: call enter_netns first (named needs port 53 of $addr)"
  dir="$WORK/bind-$addr"
  mkdir -p "$dir"
  BIND_DIR[$addr]=$dir BIND_ZONE[$addr]=$zone BIND_PRIMARY=$addr
  TSIG_NAME="acme-update.$zone" TSIG_SECRET=$(_bind_secret) TSIG_ALG=hmac-sha256
  export TSIG_NAME TSIG_SECRET TSIG_ALG BIND_PRIMARY
  # Refresh a day: a secondary gets news only by NOTIFY or a forced transfer.
  cat >"$dir/$zone.zone" <<EOF
\$TTL 60
@ IN SOA ns1.$zone. hostmaster.$zone. 1 86400 3600 604800 60
@ IN NS ns1.$zone.
@ IN NS ns2.$zone.
ns1 IN A 127.0.0.2
ns2 IN A 127.0.0.3
@ IN A 127.0.0.1
* IN A 127.0.0.1
${BIND_ZONE_EXTRA:-}
EOF
  _bind_rndc_setup "$addr" "$dir"
  _bind_write_primary_conf "$addr"
  _bind_run "$addr" "primary"
  RFC2136_CREDENTIALS="$WORK/rfc2136.ini"
  (umask 077 && cat >"$RFC2136_CREDENTIALS" <<EOF
# certbot dns-rfc2136 credentials for the test primary
dns_rfc2136_server = $addr
dns_rfc2136_port = 53
dns_rfc2136_name = $TSIG_NAME
dns_rfc2136_secret = $TSIG_SECRET
dns_rfc2136_algorithm = HMAC-SHA256
EOF
  )
  chmod 600 "$RFC2136_CREDENTIALS"
  export RFC2136_CREDENTIALS
}

# start_bind_secondary ZONE ADDR PRIMARY_ADDR [MODE]
#   A second authoritative server for ZONE on ADDR:53. MODE:
#     prompt (default)  a secondary the primary NOTIFYs: it transfers changes at once;
#     late              a secondary the primary does not notify (refresh a day):
#                       changes arrive only with bind_retransfer;
#     never             the zone as it was at this moment, from its own file (a
#                       primary of its own that takes no updates): never gets them.
start_bind_secondary() {
  local zone=$1 addr=$2 primary=$3 mode=${4:-prompt} dir
  require_bind
  in_netns || fail "start_bind_secondary: call enter_netns first"
  [[ -n "${BIND_DIR[$primary]:-}" ]] || fail "start_bind_secondary: no primary started on $primary"
  dir="$WORK/bind-$addr"
  mkdir -p "$dir"
  BIND_DIR[$addr]=$dir BIND_ZONE[$addr]=$zone BIND_PRIMARY_ADDR[$addr]=$primary
  _bind_rndc_setup "$addr" "$dir"
  # The primary notifies ADDR only while a prompt secondary is there.
  local a notify=()
  for a in "${BIND_NOTIFY_TO[@]}"; do [[ "$a" == "$addr" ]] || notify+=("$a"); done
  [[ $mode == prompt ]] && notify+=("$addr")
  BIND_NOTIFY_TO=("${notify[@]}")
  if [[ $mode != never && " ${BIND_TRANSFER_TO[*]} " != *" $addr "* ]]; then BIND_TRANSFER_TO+=("$addr"); fi
  _bind_write_primary_conf "$primary"
  rndc -c "${BIND_DIR[$primary]}/rndc.conf" reconfig >>"$LOGS/rndc.log" 2>&1 \
    || fail "rndc reconfig of the primary on $primary failed; see $LOGS/rndc.log"
  case "$mode" in
    prompt | late)
      {
        _bind_options "$addr" "$dir"
        cat <<EOF
zone "$zone" {
  type secondary;
  file "$dir/$zone.secondary";
  masterfile-format text;
  primaries { $primary; };
};
EOF
      } >"$dir/named.conf"
      ;;
    never)
      # The zone as the primary serves it now (an AXFR from an address it
      # allows), duplicate lines (the closing SOA) dropped.
      dig -b 127.0.0.3 +noall +answer +time=5 @"$primary" "$zone" AXFR 2>>"$LOGS/dig-axfr.log" \
        | awk '!seen[$0]++' >"$dir/$zone.zone"
      grep -q 'SOA' "$dir/$zone.zone" || fail "AXFR of $zone from $primary failed; see $LOGS/dig-axfr.log"
      {
        _bind_options "$addr" "$dir"
        cat <<EOF
zone "$zone" { type primary; file "$dir/$zone.zone"; };
EOF
      } >"$dir/named.conf"
      ;;
    *) fail "start_bind_secondary: unknown mode '$mode' (prompt, late or never)" ;;
  esac
  _bind_run "$addr" "$mode secondary"
}

# stop_bind_secondary [ADDR]: stop_bind ADDR (default 127.0.0.3), e.g. to
# start another kind of secondary there.
stop_bind_secondary() { stop_bind "${1:-127.0.0.3}"; }

# stop_bind ADDR: stops the named on ADDR (its files stay).
stop_bind() {
  local addr=$1
  stop_pid "${BIND_PID[$addr]:-}"
  BIND_PID[$addr]=""
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -z "$(ss -Hlun "src = $addr and sport = :53" 2>/dev/null)" ]] && return 0
    sleep 0.05
  done
}

# bind_serial ADDR ZONE: the SOA serial ADDR serves.
bind_serial() { dig +short +norec +time=2 +tries=1 @"$1" "$2" SOA 2>/dev/null | awk '{print $3}'; }

# bind_retransfer ADDR ZONE: makes the secondary on ADDR transfer ZONE now
# (rndc retransfer) and waits until it serves its primary's serial.
bind_retransfer() {
  local addr=$1 zone=$2 primary=${BIND_PRIMARY_ADDR[$1]:-} want i
  [[ -n "$primary" ]] || fail "bind_retransfer: no secondary on $addr"
  want=$(bind_serial "$primary" "$zone")
  rndc -c "${BIND_DIR[$addr]}/rndc.conf" retransfer "$zone" >>"$LOGS/rndc.log" 2>&1 \
    || fail "rndc retransfer $zone on $addr failed; see $LOGS/rndc.log"
  for ((i = 0; i < 200; i++)); do
    [[ "$(bind_serial "$addr" "$zone")" == "$want" ]] && return 0
    sleep 0.05
  done
  fail "the secondary on $addr did not reach serial $want of $zone within 10 s after rndc retransfer"
}

# dig_txt ADDR NAME: the TXT values ADDR serves at NAME (RD=0), one a line,
# sorted, quotes removed and character-strings joined. Fails the test when
# ADDR does not answer.
dig_txt() {
  local out
  out=$(dig +short +norec +time=2 +tries=2 @"$1" "$2" TXT 2>&1) || fail "dig @$1 $2 TXT failed: $out"
  grep -q '^;;' <<<"$out" && fail "dig @$1 $2 TXT: $out"
  [[ -z "$out" ]] && return 0
  sed -e 's/" "//g' -e 's/^"//' -e 's/"$//' <<<"$out" | sort
}
