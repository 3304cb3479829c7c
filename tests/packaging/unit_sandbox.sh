#!/usr/bin/env bash
# unit_sandbox.sh [--without-read-write-paths] UNIT_FILE [ARGS...]
#
# Runs a service unit's ExecStart (plus ARGS) inside the file-system sandbox
# its [Service] section declares: UMask, ProtectSystem (yes: /usr /boot
# /efi read-only; full: and /etc; strict: everything), ReadWritePaths (a
# leading "-" means optional), ProtectHome (yes: /home /root /run/user
# empty; read-only) and PrivateTmp. With systemd as PID 1 the unit's own
# settings are applied by systemd (systemd-run --pipe --wait); elsewhere
# (containers, CI) the same mounts are made in a private mount namespace
# (unshare -m), as systemd makes them: the writable paths bound onto
# themselves first, then their parents bound read-only over them.
# --without-read-write-paths drops ReadWritePaths (a negative control).
# Exit status: the command's.
set -euo pipefail
without_rw=0
if [[ ${1:-} == --without-read-write-paths ]]; then without_rw=1; shift; fi
unit=${1:?usage: unit_sandbox.sh [--without-read-write-paths] UNIT_FILE [ARGS...]}
shift

# The last assignment of KEY in the file wins, as in systemd.
setting() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
exec_start=$(setting ExecStart)
[[ -n $exec_start ]] || { echo "unit_sandbox: $unit has no ExecStart" >&2; exit 2; }
read -ra command <<<"$exec_start"  # the shipped units use no quoting
command+=("$@")
umask_value=$(setting UMask)
protect_system=$(setting ProtectSystem)
protect_home=$(setting ProtectHome)
private_tmp=$(setting PrivateTmp)
read_write=()
if [[ $without_rw == 0 ]]; then
  read -ra read_write <<<"$(sed -n 's/^ReadWritePaths=//p' "$unit" | tr '\n' ' ')"
fi

if [[ $(ps -p 1 -o comm=) == systemd ]]; then
  properties=()
  for key in UMask ProtectSystem ProtectHome PrivateTmp; do
    value=$(setting "$key")
    [[ -n $value ]] && properties+=(-p "$key=$value")
  done
  for p in "${read_write[@]}"; do properties+=(-p "ReadWritePaths=$p"); done
  exec systemd-run --quiet --pipe --wait --collect --service-type=exec "${properties[@]}" -- "${command[@]}"
fi

export UNIT_SANDBOX_UMASK=$umask_value UNIT_SANDBOX_SYSTEM=$protect_system UNIT_SANDBOX_HOME=$protect_home \
  UNIT_SANDBOX_TMP=$private_tmp
exec unshare -m --propagation private bash -c '
  set -euo pipefail
  n_rw=$1; shift
  rw=("${@:1:n_rw}"); shift "$n_rw"
  for p in "${rw[@]}"; do
    path=${p#-}
    if [[ ! -e $path ]]; then
      [[ $p == -* ]] && continue
      echo "unit_sandbox: ReadWritePaths=$path does not exist" >&2; exit 226
    fi
    mount --bind "$path" "$path"
  done
  case $UNIT_SANDBOX_SYSTEM in
    yes | true) read_only=(/usr /boot /efi) ;;
    full) read_only=(/usr /boot /efi /etc) ;;
    strict) read_only=(/) ;;
    "" | no | false) read_only=() ;;
    *) echo "unit_sandbox: ProtectSystem=$UNIT_SANDBOX_SYSTEM not understood" >&2; exit 2 ;;
  esac
  for d in "${read_only[@]}"; do
    [[ -d $d ]] || continue
    mount --rbind "$d" "$d"
    mount -o remount,bind,ro "$d"
  done
  case $UNIT_SANDBOX_HOME in
    yes | true) for d in /home /root /run/user; do [[ -d $d ]] && mount -t tmpfs -o mode=0755 tmpfs "$d"; done ;;
    read-only) for d in /home /root /run/user; do [[ -d $d ]] && mount --rbind "$d" "$d" && mount -o remount,bind,ro "$d"; done ;;
  esac
  case $UNIT_SANDBOX_TMP in
    yes | true) mount -t tmpfs -o mode=1777 tmpfs /tmp; mount -t tmpfs -o mode=1777 tmpfs /var/tmp ;;
  esac
  [[ -n $UNIT_SANDBOX_UMASK ]] && umask "$UNIT_SANDBOX_UMASK"
  exec "$@"
' unit_sandbox "${#read_write[@]}" "${read_write[@]}" "${command[@]}"
