#!/usr/bin/env bash
# The Debian packages as a user gets them: installs build/debs'
# acmekit and acmekit-ca on this machine with apt-get, then checks what a
# sysadmin would: the installed binaries and their --version, man pages,
# bash completion, every shipped systemd unit (systemd-analyze verify), the
# enabled renew timer, the acmekit-ca system user and its data dir, the
# stripped binaries and their split debug symbols. Then end to end: the
# installed acmekit-ca runs as its packaged user with the packaged
# /etc/acmekit-ca/config.toml (loopback ports given as flags) and the
# installed acmekit gets a certificate from it into /etc/acmekit, and renews
# it inside the sandbox acmekit-renew.service declares. Finally both
# packages are purged and nothing of theirs may be left but the config and
# data dirs purge keeps (/etc/acmekit with the certificates,
# /var/lib/acmekit-ca with the CA's keys), which the test then removes.
#
# Needs root. Refuses to touch an acmekit installation it did not make.
#   tests/packaging/test_debs.sh build/debs
set -euo pipefail
DEBS=$(cd "${1:-build/debs}" && pwd)
ACMEKIT_BIN=/usr/bin/acmekit ACMEKIT_CA_BIN=/usr/bin/acmekit-ca
source "$(dirname "$0")/../integration/lib.sh"
PKG_DIR="$(cd "$(dirname "$0")" && pwd)"

[[ $(id -u) == 0 ]] || fail "must run as root: it installs and purges packages"
version=$(sed -n 's/^project(acmekit VERSION \([0-9.]*\) .*/\1/p' "$ACMEKIT_SOURCE_DIR/CMakeLists.txt")
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB_CLIENT="$DEBS/acmekit_${version}_${arch}.deb"
DEB_CA="$DEBS/acmekit-ca_${version}_${arch}.deb"
[[ -f $DEB_CLIENT && -f $DEB_CA ]] || fail "no packages of version $version in $DEBS (run scripts/package)"

# What this test installs it marks, so that an interrupted run is cleaned up
# by the next one, and a real installation (or the keys and certificates a
# purge kept) is never touched.
MARK_NAME=.made-by-acmekit-package-test
ours() { [[ ! -e $1 || -e $1/$MARK_NAME ]]; }  # absent, or made by this test
installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }
for d in /var/lib/acmekit-ca /etc/acmekit; do
  ours "$d" || fail "$d exists and this test did not make it; not touching it"
done
if installed acmekit || installed acmekit-ca; then
  [[ -e /var/lib/acmekit-ca/$MARK_NAME ]] || fail "acmekit or acmekit-ca is installed and not by this test; not touching it"
  log "purging what an earlier run of this test left installed"
  apt-get purge -y -qq acmekit acmekit-ca >/dev/null
fi
user_existed=0
getent passwd acmekit-ca >/dev/null && [[ ! -e /var/lib/acmekit-ca/$MARK_NAME ]] && user_existed=1
# The CA's root for the client, outside /tmp: the renew unit has PrivateTmp.
TRUST_DIR=/var/lib/acmekit-package-test
cleanup_system() {
  set +e
  apt-get purge -y -qq acmekit acmekit-ca >/dev/null 2>&1
  rm -rf /var/lib/acmekit-ca /etc/acmekit /etc/acmekit-ca "$TRUST_DIR"
  [[ $user_existed == 1 ]] || deluser --system --quiet acmekit-ca >/dev/null 2>&1
}
rm -rf /var/lib/acmekit-ca /etc/acmekit "$TRUST_DIR"

case_begin "apt-get install ./acmekit_${version}_${arch}.deb ./acmekit-ca_${version}_${arch}.deb"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$DEB_CLIENT" "$DEB_CA" >"$LOGS/apt-install.log" 2>&1 \
  || { cat "$LOGS/apt-install.log" >&2; fail "apt-get install failed"; }
touch "/var/lib/acmekit-ca/$MARK_NAME" "/etc/acmekit/$MARK_NAME"
# From here on the machine is put back however the test ends: our
# processes stopped first, then the packages purged, then the harness's own
# cleanup (work dir, verdict).
_pkg_cleanup() {
  local rc=$? i
  for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${E2E_PIDS[$i]}" 3; done
  cleanup_system
  (exit "$rc")
  _e2e_cleanup
}
trap _pkg_cleanup EXIT
case_pass

case_begin "the installed binaries, --version, stripped with split debug symbols"
[[ $(command -v acmekit) == /usr/bin/acmekit && $(command -v acmekit-ca) == /usr/bin/acmekit-ca ]] \
  || fail "acmekit/acmekit-ca are not the installed /usr/bin ones: $(command -v acmekit) $(command -v acmekit-ca)"
[[ $(acmekit --version) == "acmekit $version" ]] || fail "acmekit --version says '$(acmekit --version)'"
[[ $(acmekit-ca --version) == "acmekit-ca $version" ]] || fail "acmekit-ca --version says '$(acmekit-ca --version)'"
for b in acmekit acmekit-ca; do
  # No symbol table left, and the -dbgsym package has the debug info under
  # the binary's build id.
  if grep -q '\.symtab\|\.debug_info' <<<"$(readelf -S "/usr/bin/$b")"; then fail "/usr/bin/$b is not stripped"; fi
  id=$(readelf -n "/usr/bin/$b" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  [[ -n $id ]] || fail "/usr/bin/$b has no build id"
  listing=$(dpkg-deb -c "$DEBS/${b}-dbgsym_${version}_${arch}.deb")
  grep -q "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" <<<"$listing" \
    || fail "${b}-dbgsym has no debug file for build id $id"
done
case_pass

case_begin "man acmekit, man 8 acmekit-ca: every command documented, no groff warnings"
[[ $(man -w acmekit) == /usr/share/man/man1/acmekit.1.gz ]] || fail "man -w acmekit: $(man -w acmekit 2>&1)"
[[ $(man -w 8 acmekit-ca) == /usr/share/man/man8/acmekit-ca.8.gz ]] || fail "man -w 8 acmekit-ca: $(man -w 8 acmekit-ca 2>&1)"
for page in acmekit acmekit-ca; do
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "man $page warns: $warnings"
  text=$(MANWIDTH=200 man "$page" 2>/dev/null | col -b)
  for verb in $("$page" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z_-]*\) .*/\1/p'); do
    grep -q "^ *$page $verb" <<<"$text" || [[ $verb == eab ]] || fail "man $page does not document '$page $verb'"
  done
done
grep -q '^ *acmekit-ca eab add' <<<"$(MANWIDTH=200 man acmekit-ca | col -b)" || fail "man acmekit-ca lacks eab add"
case_pass

case_begin "bash completion loads and completes"
complete_words() {  # complete_words WORD...: what bash-completion offers after them
  bash -c 'source /usr/share/bash-completion/bash_completion
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _completion_loader "$1"
    fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    [[ -n $fn ]] || { echo "no completion for $1" >&2; exit 1; }
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
got=$(complete_words acmekit cert) || fail "completion for acmekit did not load"
[[ $(sort <<<"$got" | tr '\n' ' ') == "certificates certonly " ]] || fail "acmekit cert<TAB> gave: $got"
got=$(complete_words acmekit certonly --key-type '')
[[ $(sort <<<"$got" | tr '\n' ' ') == "ecdsa rsa " ]] || fail "acmekit certonly --key-type <TAB> gave: $got"
got=$(complete_words acmekit-ca eab '')
[[ $got == add ]] || fail "acmekit-ca eab <TAB> gave: $got"
case_pass

case_begin "the shipped systemd units verify; the renew timer is enabled, the daemon and the CA are not"
units=(/lib/systemd/system/acmekit-renew.service /lib/systemd/system/acmekit-renew.timer
  /lib/systemd/system/acmekit.service /lib/systemd/system/acmekit-ca.service)
for u in "${units[@]}"; do
  [[ -f $u ]] || fail "$u not installed"
  out=$(systemd-analyze verify "$u" 2>&1) || fail "systemd-analyze verify $u: $out"
  [[ -z $out ]] || fail "systemd-analyze verify $u: $out"
done
[[ $(systemctl is-enabled acmekit-renew.timer 2>&1) == enabled ]] \
  || fail "acmekit-renew.timer is not enabled: $(systemctl is-enabled acmekit-renew.timer 2>&1)"
[[ -L /etc/systemd/system/timers.target.wants/acmekit-renew.timer ]] || fail "no timers.target.wants link"
for u in acmekit.service acmekit-ca.service; do
  [[ $(systemctl is-enabled "$u" 2>&1) == disabled ]] || fail "$u is $(systemctl is-enabled "$u" 2>&1), not disabled"
done
grep -qx 'ExecStart=/usr/bin/acmekit renew --quiet' /lib/systemd/system/acmekit-renew.service \
  || fail "acmekit-renew.service does not run /usr/bin/acmekit"
grep -qx 'User=acmekit-ca' /lib/systemd/system/acmekit-ca.service || fail "acmekit-ca.service does not run as acmekit-ca"
grep -qx 'ExecStart=/usr/bin/acmekit-ca serve --config /etc/acmekit-ca/config.toml' /lib/systemd/system/acmekit-ca.service \
  || fail "acmekit-ca.service does not serve the packaged config"
# systemd's own rating of the CA's sandbox (0 = locked down, 10 = none).
exposure=$(systemd-analyze security --offline=true /lib/systemd/system/acmekit-ca.service 2>/dev/null \
  | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
[[ -n $exposure ]] || fail "systemd-analyze security did not rate acmekit-ca.service"
log "systemd-analyze security acmekit-ca.service: exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }' || fail "acmekit-ca.service exposure $exposure > 2.5"
case_pass

case_begin "the acmekit-ca system user and its data dir"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd acmekit-ca) || fail "no acmekit-ca user"
(( uid < 1000 )) || fail "acmekit-ca is not a system user (uid $uid)"
[[ $home == /var/lib/acmekit-ca && $shell == /usr/sbin/nologin ]] || fail "acmekit-ca: home $home, shell $shell"
[[ $(stat -c '%U %a' /var/lib/acmekit-ca) == "acmekit-ca 700" ]] \
  || fail "/var/lib/acmekit-ca is $(stat -c '%U %a' /var/lib/acmekit-ca)"
[[ -f /etc/acmekit-ca/config.toml ]] || fail "no /etc/acmekit-ca/config.toml"
grep -q '^/etc/acmekit-ca/config.toml$' /var/lib/dpkg/info/acmekit-ca.conffiles || fail "config.toml is not a conffile"
case_pass

case_begin "installed acmekit-ca as acmekit-ca with the packaged config; installed acmekit certonly into /etc/acmekit"
NAME=pkg.acmekit.test
ca_hosts_add "$NAME"
chmod 755 "$WORK"  # the CA user reads the hosts file there
CA_DATA=/var/lib/acmekit-ca CA_CONFIG=/etc/acmekit-ca/config.toml CA_RUN_AS=acmekit-ca start_acmekit_ca --retry-after 0
[[ $(ps -o user= -p "$CA_PID") == acmekit-ca ]] || fail "the CA runs as $(ps -o user= -p "$CA_PID")"
[[ $(stat -c %U "$CA_DATA/acmekit-ca.db") == acmekit-ca ]] || fail "the database is not the CA user's"
for key in "$CA_DATA"/*.key.pem; do
  [[ $(stat -c '%U %a' "$key") == "acmekit-ca 600" ]] || fail "$key is $(stat -c '%U %a' "$key")"
done
health=$(curl -fsS "http://127.0.0.1:$CA_MGMT_PORT/health") || fail "GET /health failed"
[[ $(jq -r .status <<<"$health") == ok ]] || fail "/health says $health"
mkdir -p "$TRUST_DIR"
cp "$CA_ROOT" "$TRUST_DIR/root.pem"
acmekit certonly --standalone -d "$NAME" --http-01-address 127.0.0.1 --http-01-port "$CA_HTTP_PORT" \
  --server "$CA_DIR_URL" --ca-bundle "$TRUST_DIR/root.pem" --register-unsafely-without-email --agree-tos \
  >"$LOGS/certonly.log" 2>&1 || fail "installed acmekit certonly failed: $(tail -3 "$LOGS/certonly.log")"
LIVE=/etc/acmekit/live/$NAME
openssl verify -CAfile "$TRUST_DIR/root.pem" -untrusted "$LIVE/chain.pem" "$LIVE/cert.pem" >/dev/null \
  || fail "the certificate does not verify against the CA's root"
grep -q "DNS:$NAME" <<<"$(openssl x509 -in "$LIVE/cert.pem" -noout -ext subjectAltName)" || fail "the certificate lacks $NAME"
grep -qx "version = $version" "/etc/acmekit/renewal/$NAME.conf" || fail "the renewal conf does not record version $version"
serial1=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
case_pass

case_begin "acmekit renew inside acmekit-renew.service's sandbox (ProtectSystem=full, ReadWritePaths)"
# The unit's command with --force-renewal, under the unit's sandbox. The
# negative run first: without ReadWritePaths, /etc is read-only and the
# renewal must fail, which shows the sandbox is real.
if out=$("$PKG_DIR/unit_sandbox.sh" --without-read-write-paths \
    /lib/systemd/system/acmekit-renew.service --force-renewal 2>&1); then
  fail "renew wrote /etc/acmekit with /etc read-only: the sandbox is not applied"
fi
grep -qi 'read-only' <<<"$out" || fail "the sandboxed renew failed for another reason: $out"
log "without ReadWritePaths: $(grep -i 'read-only' <<<"$out" | head -n 1)"
"$PKG_DIR/unit_sandbox.sh" /lib/systemd/system/acmekit-renew.service \
  --force-renewal >"$LOGS/renew-sandbox.log" 2>&1 || fail "renew in the unit's sandbox failed: $(tail -5 "$LOGS/renew-sandbox.log")"
serial2=$(openssl x509 -in "$LIVE/cert.pem" -noout -serial)
[[ $serial1 != "$serial2" ]] || fail "renew in the sandbox did not install a new certificate"
openssl verify -CAfile "$TRUST_DIR/root.pem" -untrusted "$LIVE/chain.pem" "$LIVE/cert.pem" >/dev/null \
  || fail "the renewed certificate does not verify"
stop_acmekit_ca
case_pass

case_begin "apt-get purge: nothing of the packages left but /etc/acmekit and /var/lib/acmekit-ca"
files=$(dpkg -L acmekit acmekit-ca | sort -u)
(( $(grep -c . <<<"$files") > 20 )) || fail "dpkg -L lists too little: $files"
apt-get purge -y -qq acmekit acmekit-ca >"$LOGS/apt-purge.log" 2>&1 || fail "apt-get purge failed"
installed acmekit && fail "acmekit still installed"
installed acmekit-ca && fail "acmekit-ca still installed"
left=()
while read -r f; do
  [[ -z $f || $f == /. ]] && continue
  case $f in /etc/acmekit | /etc/acmekit/* | /var/lib/acmekit-ca | /var/lib/acmekit-ca/*) continue ;; esac
  # Directories other packages share (/usr/bin, /lib/systemd/system, ...).
  [[ -d $f ]] && dpkg -S "$f" >/dev/null 2>&1 && continue
  [[ -e $f || -L $f ]] && left+=("$f")
done <<<"$files"
for f in /etc/acmekit-ca /etc/systemd/system/timers.target.wants/acmekit-renew.timer \
  /var/lib/systemd/deb-systemd-helper-enabled/acmekit-renew.timer.dsh-also \
  /var/lib/systemd/deb-systemd-helper-enabled/timers.target.wants/acmekit-renew.timer; do
  [[ -e $f || -L $f ]] && left+=("$f")
done
(( ${#left[@]} == 0 )) || fail "left after purge: ${left[*]}"
[[ -f $LIVE/cert.pem ]] || fail "purge removed the certificates in /etc/acmekit"
[[ -f /var/lib/acmekit-ca/acmekit-ca.db ]] || fail "purge removed the CA's database"
case_pass
