#!/usr/bin/env bash
# The documentation the build writes next to the binaries (man/acmekit.1,
# man/acmekit-ca.8, completion/acmekit, completion/acmekit-ca) against the
# binaries' own --help: every command and every option --help lists is in
# the man page and offered by bash completion for that command; the pages
# render without a groff warning; values complete by kind (choices, lineage
# names, directories). And --version says CMakeLists.txt's version.
source "$(dirname "$0")/lib.sh"
: "${ACMEKIT_CA_BIN:=$ACMEKIT_SOURCE_DIR/build/acmekit-ca}"
BUILD=$(dirname "$ACMEKIT_BIN")
require_cmd man bash
[[ -f /usr/share/bash-completion/bash_completion ]] || fail "bash-completion is not installed"

case_begin "--version is CMake's project version"
version=$(sed -n 's/^project(acmekit VERSION \([0-9.]*\) .*/\1/p' "$ACMEKIT_SOURCE_DIR/CMakeLists.txt")
[[ -n $version ]] || fail "no version in CMakeLists.txt"
[[ $("$ACMEKIT_BIN" --version) == "acmekit $version" ]] || fail "acmekit --version: $("$ACMEKIT_BIN" --version)"
[[ $("$ACMEKIT_CA_BIN" --version) == "acmekit-ca $version" ]] || fail "acmekit-ca --version: $("$ACMEKIT_CA_BIN" --version)"
case_pass

# commands_of BIN [PATH...]: the subcommands `BIN PATH... --help` lists.
commands_of() { "$@" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z_-]*\) .*/\1/p'; }
# options_of BIN [PATH...]: every option name `BIN PATH... --help` lists.
options_of() {
  "$@" --help | sed -n 's/^  \(-[^ ]*\).*/\1/p' | tr ',' '\n' | sed -n '/^-/p'
}

# complete_words BIN WORD...: what the generated completion offers, a line each.
complete_words() {
  local bin=$1
  shift
  bash -c 'source /usr/share/bash-completion/bash_completion
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    fn=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    [[ -n $fn ]] || { echo "no completion function for $1" >&2; exit 1; }
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$BUILD/completion/$bin" "$bin" "$@"
}

# check_command PROGRAM BIN PAGE_TEXT PATH...: the command's options in the
# page and in the completion; then its subcommands, recursively.
check_command() {
  local program=$1 bin=$2 text=$3
  shift 3
  local opt offered sub
  offered=$(complete_words "$program" "$@" -)
  for opt in $(options_of "$bin" "$@"); do
    grep -qF -- "$opt" <<<"$text" || fail "man $program does not mention $opt of '$program $*'"
    grep -qxF -- "$opt" <<<"$offered" || fail "completion of '$program $* -' does not offer $opt"
  done
  for sub in $(commands_of "$bin" "$@"); do
    if (($# == 0)) || [[ $(commands_of "$bin" "$@" "$sub") == "" ]]; then
      grep -q "^ *$program $* *$sub" <<<"$text" || grep -q "^ *$program $sub" <<<"$text" \
        || fail "man $program has no section for '$program $* $sub'"
    fi
    grep -qxF "$sub" <<<"$(complete_words "$program" "$@" '')" || fail "completion of '$program $*' does not offer $sub"
    check_command "$program" "$bin" "$text" "$@" "$sub"
  done
}

for program in acmekit acmekit-ca; do
  case_begin "man $program: renders cleanly, documents every command and option; completion offers them"
  page=$(ls "$BUILD/man/$program".[18])
  warnings=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
  [[ -z $warnings ]] || fail "man -l $page warns: $warnings"
  text=$(MANWIDTH=250 man -l "$page" 2>/dev/null | col -b)
  grep -q "$program $version" <<<"$text" || fail "$page does not carry version $version"
  bin=$ACMEKIT_BIN
  [[ $program == acmekit-ca ]] && bin=$ACMEKIT_CA_BIN
  check_command "$program" "$bin" "$text"
  case_pass
done

case_begin "values complete by kind"
got=$(complete_words acmekit acmekit certonly --key-type '' | sort | tr '\n' ' ')
[[ $got == "ecdsa rsa " ]] || fail "--key-type <TAB>: $got"
got=$(complete_words acmekit acmekit revoke --reason k)
[[ $got == keycompromise ]] || fail "--reason k<TAB>: $got"
got=$(complete_words acmekit-ca acmekit-ca serve --sqlite-sync '' | sort | tr '\n' ' ')
[[ $got == "full normal " ]] || fail "--sqlite-sync <TAB>: $got"
# Lineage names come from the --config-dir given on the line.
mkdir -p "$WORK/cfg/renewal" "$WORK/cfg/live"
touch "$WORK/cfg/renewal/one.example.conf" "$WORK/cfg/renewal/two.example.conf"
got=$(complete_words acmekit acmekit renew --config-dir "$WORK/cfg" --cert-name '' | sort | tr '\n' ' ')
[[ $got == "one.example two.example " ]] || fail "renew --cert-name <TAB>: $got"
got=$(complete_words acmekit acmekit --config-dir="$WORK/cfg" delete --cert-name t)
[[ $got == two.example ]] || fail "delete --cert-name t<TAB>: $got"
# A directory option offers directories only; an option value is not taken for a command.
mkdir -p "$WORK/pick/webroot-dir"
touch "$WORK/pick/webroot-file"
got=$(cd "$WORK/pick" && complete_words acmekit acmekit certonly -w webroot)
[[ $got == webroot-dir ]] || fail "-w <TAB> offered: $got"
got=$(complete_words acmekit acmekit --server renew certonly --ke)
[[ $got == --key-type ]] || fail "after '--server renew certonly', --ke<TAB>: $got"
case_pass
