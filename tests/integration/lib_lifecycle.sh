# shellcheck shell=bash
# The certificate lifecycle checks of issue 5 that must hold the same against
# Pebble and against acmekit-ca: renewal (due, forced, dry run, hooks),
# revocation, key rollover (and kill -9 in the middle of one), deactivation,
# external account binding, kill -9 during a renewal. Sourced after lib.sh
# by test_{revoke,account,eab,crash}.sh
# (Pebble) and test_ca_lifecycle.sh / test_ca_crash.sh (acmekit-ca).
#
# After starting the CA and use_pebble_client / use_ca_client (CFG, COMMON,
# STANDALONE), call
#   lifecycle_use pebble | acmekit-ca
# which sets
#   LC_ROOT     the root the CA's certificates verify to
#   LC_BUNDLE   the trust anchor of the CA's HTTPS listener (--ca-bundle)
#   LC_SRV      (--server DIRECTORY_URL --ca-bundle LC_BUNDLE): the CA, no account flags
# and makes lc_cert_status CERT answer "valid" or "revoked" from the CA's own
# records (Pebble's management API, acmekit-ca's database).
# Each lc_* function is the body of one case: the caller brackets it with
# case_begin/case_pass and adds what only its CA can show.

lifecycle_use() {
  case "$1" in
    pebble)
      LC_ROOT=$PEBBLE_ROOT LC_BUNDLE=$TLS_CA
      LC_SRV=(--server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA") ;;
    acmekit-ca)
      LC_ROOT=$CA_ROOT LC_BUNDLE=$CA_ROOT
      LC_SRV=(--server "$CA_DIR_URL" --ca-bundle "$CA_ROOT") ;;
    *) fail "lifecycle_use: unknown CA '$1'" ;;
  esac
  LC_CA=$1
}

lc_cert_status() {
  case "$LC_CA" in
    pebble)
      local serial; serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')
      curl -fsS --max-time 10 --cacert "$TLS_CA" "$PEBBLE_MGMT_URL/cert-status-by-serial/$serial" \
        | jq -r '.Status | ascii_downcase' ;;
    acmekit-ca) ca_cert_status "$1" ;;
  esac
}

# lc_live_state NAME: what a reader of live/NAME sees (link target, content hashes).
lc_live_state() {
  local d="$CFG/live/$1"
  printf '%s\n' "$(readlink "$d")"
  sha256sum "$d/cert.pem" "$d/chain.pem" "$d/fullchain.pem" "$d/privkey.pem" | cut -d' ' -f1
}

# lc_tree_state: every entry under live/, archive/ and renewal/ with its
# type, link target and mode, and the content hash of every file: equal
# before and after means byte-identical.
lc_tree_state() {
  ( cd "$CFG" && find live archive renewal -printf '%p %y %l %m\n' | sort \
      && find live archive renewal -type f -print0 | sort -z | xargs -0 -r sha256sum )
}

# lc_not_after CERT: its notAfter in unix seconds.
lc_not_after() { date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }

# lc_names KEY: the cert names in renew --json's list KEY (renewed, not_due),
# comma-separated; an entry is a name or an object with .cert_name.
lc_names() { json_get "[.$1[] | if type == \"object\" then .cert_name else . end] | join(\",\")"; }

# lc_archive_count NAME: how many certificate versions archive/NAME holds.
lc_archive_count() { find "$CFG/archive/$1" -name 'cert[0-9]*.pem' | wc -l; }

# ---------------------------------------------------------------- renewal

# lc_hook_recorders LOG: every kind of hook appends one line to LOG:
# renewal-hooks/{pre,deploy,post}/ executables ("dir-pre", "dir-deploy
# LINEAGE DOMAINS", "dir-post"); LC_PRE_HOOK, LC_POST_HOOK, LC_DEPLOY_HOOK
# are command lines for the flags ("pre", "deploy LINEAGE DOMAINS", "post").
# The data is read from the environment only, as certbot hands it over.
lc_hook_recorders() {
  local log=$1 kind
  : >"$log"
  for kind in pre deploy post; do
    mkdir -p "$CFG/renewal-hooks/$kind"
    if [[ $kind == deploy ]]; then
      printf '#!/bin/sh\necho "dir-deploy $RENEWED_LINEAGE $RENEWED_DOMAINS" >>%q\n' "$log"
    else
      printf '#!/bin/sh\necho "dir-%s" >>%q\n' "$kind" "$log"
    fi >"$CFG/renewal-hooks/$kind/10-record"
    chmod +x "$CFG/renewal-hooks/$kind/10-record"
  done
  LC_PRE_HOOK="echo pre >>'$log'"
  LC_POST_HOOK="echo post >>'$log'"
  LC_DEPLOY_HOOK="echo \"deploy \$RENEWED_LINEAGE \$RENEWED_DOMAINS\" >>'$log'"
}

# lc_renew_not_due NAME LOG [RENEW_ARGS...]: a renew run (with the recorders'
# pre/post/deploy hooks) leaves NAME alone: reported not due, live/ unchanged,
# no hook ran.
lc_renew_not_due() {
  local name=$1 log=$2 before; shift 2
  before=$(lc_live_state "$name")
  : >"$log"
  run_acmekit renew "${COMMON[@]}" --json --cert-name "$name" \
    --pre-hook "$LC_PRE_HOOK" --post-hook "$LC_POST_HOOK" --deploy-hook "$LC_DEPLOY_HOOK" "$@"
  assert_success
  [[ "$(lc_names not_due)" == "$name" && "$(json_get '.renewed | length')" == 0 ]] \
    || fail "$name should be reported not due and nothing renewed: $(cat "$ACME_OUT")"
  [[ "$(lc_live_state "$name")" == "$before" ]] || fail "live/$name changed although it was not due"
  [[ ! -s "$log" ]] || fail "hooks ran although nothing was due: $(cat "$log")"
}

# lc_renew_renews NAME LOG DOMAINS... -- [RENEW_ARGS...]: a renew run renews
# NAME: a new serial in live/ that verifies and matches its key, one more
# archive version, and the hooks ran in certbot's order with certbot's
# environment (pre, dir-pre, deploy, dir-deploy, post, dir-post). NAME must
# have no deploy hook saved in renewal/NAME.conf.
lc_renew_renews() {
  local name=$1 log=$2 serial versions; shift 2
  local domains=()
  while [[ $# -gt 0 && "$1" != -- ]]; do domains+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  serial=$(cert_serial "$CFG/live/$name/cert.pem")
  versions=$(lc_archive_count "$name")
  : >"$log"
  run_acmekit renew "${COMMON[@]}" --json --cert-name "$name" \
    --pre-hook "$LC_PRE_HOOK" --post-hook "$LC_POST_HOOK" --deploy-hook "$LC_DEPLOY_HOOK" "$@"
  assert_success
  [[ "$(lc_names renewed)" == "$name" && "$(json_get .dry_run)" == false ]] \
    || fail "$name not renewed: $(cat "$ACME_OUT")"
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "${domains[@]}"
  assert_live_layout "$CFG" "$name"
  [[ "$(cert_serial "$CFG/live/$name/cert.pem")" != "$serial" ]] || fail "live/$name still has serial $serial"
  [[ "$(lc_archive_count "$name")" == $((versions + 1)) ]] || fail "archive/$name did not get one new version"
  local lineage="$CFG/live/$name" want
  want=$(printf '%s\n' pre dir-pre "deploy $lineage ${domains[*]}" "dir-deploy $lineage ${domains[*]}" post dir-post)
  [[ "$(cat "$log")" == "$want" ]] || fail "hooks ran wrong; expected:
$want
got:
$(cat "$log")"
}

# lc_renew_dry_run NAME LOG: renew --dry-run --force-renewal obtains a
# certificate from the CA (the caller checks the CA saw it) and leaves live/,
# archive/, renewal/ byte-identical and runs no hook.
lc_renew_dry_run() {
  local name=$1 log=$2 before
  before=$(lc_tree_state)
  : >"$log"
  run_acmekit renew "${COMMON[@]}" --dry-run --force-renewal --json --cert-name "$name" \
    --pre-hook "$LC_PRE_HOOK" --post-hook "$LC_POST_HOOK" --deploy-hook "$LC_DEPLOY_HOOK"
  assert_success
  [[ "$(lc_names renewed)" == "$name" && "$(json_get .dry_run)" == true ]] \
    || fail "dry run did not report $name: $(cat "$ACME_OUT")"
  [[ "$(lc_tree_state)" == "$before" ]] || fail "--dry-run changed live/, archive/ or renewal/:
$(diff <(echo "$before") <(lc_tree_state))"
  [[ ! -s "$log" ]] || fail "hooks ran on a dry run: $(cat "$log")"
}

# ---------------------------------------------------------------- revocation (RFC 8555 §7.6)

# lc_revoke_by_account NAME REASON: revoke --cert-name with the account key;
# the CA records it; a second revoke gets alreadyRevoked. Sets LC_REVOKED
# (a copy of the revoked certificate).
lc_revoke_by_account() {
  local name=$1 reason=$2
  LC_REVOKED="$WORK/revoked-$name.pem"
  cp "$CFG/live/$name/cert.pem" "$LC_REVOKED"
  [[ "$(lc_cert_status "$LC_REVOKED")" == valid ]] || fail "the CA does not report a fresh certificate as valid"
  run_acmekit revoke --cert-name "$name" --reason "$reason" --config-dir "$CFG" --ca-bundle "$LC_BUNDLE" --json
  assert_success
  [[ "$(json_get .status)" == revoked && "$(json_get .reason)" == "$reason" ]] || fail "unexpected output: $(cat "$ACME_OUT")"
  [[ "$(lc_cert_status "$LC_REVOKED")" == revoked ]] || fail "the CA does not show $name revoked"
  run_acmekit revoke --cert-name "$name" --config-dir "$CFG" --ca-bundle "$LC_BUNDLE"
  assert_failure 3
  assert_error_matches 'alreadyRevoked'
}

# lc_revoke_by_cert_key NAME: revoke with the certificate's own key and no
# account at all; a second revoke the same way gets alreadyRevoked. Sets LC_REVOKED.
lc_revoke_by_cert_key() {
  local name=$1
  LC_REVOKED="$WORK/revoked-$name.pem"
  cp "$CFG/live/$name/cert.pem" "$LC_REVOKED"
  run_acmekit revoke --cert-path "$CFG/live/$name/cert.pem" --key-path "$CFG/live/$name/privkey.pem" \
    "${LC_SRV[@]}" --config-dir "$WORK/empty-config" --reason superseded
  assert_success
  [[ "$(lc_cert_status "$LC_REVOKED")" == revoked ]] || fail "the CA does not show $name revoked"
  [[ -z "$(account_dirs "$WORK/empty-config")" ]] || fail "revoking with the certificate key created an account"
  run_acmekit revoke --cert-path "$CFG/live/$name/cert.pem" --key-path "$CFG/live/$name/privkey.pem" \
    "${LC_SRV[@]}" --config-dir "$WORK/empty-config"
  assert_failure 3
  assert_error_matches 'alreadyRevoked'
}

# lc_revoke_wrong_key NAME OTHER: OTHER's key does not revoke NAME; acmekit
# refuses before asking the CA, and NAME stays valid.
lc_revoke_wrong_key() {
  run_acmekit revoke --cert-path "$CFG/live/$1/cert.pem" --key-path "$CFG/live/$2/privkey.pem" \
    "${LC_SRV[@]}" --config-dir "$WORK/empty-config"
  assert_failure 2
  assert_error_matches 'is not the key of'
  [[ "$(lc_cert_status "$CFG/live/$1/cert.pem")" == valid ]] || fail "$1 was revoked anyway"
}

# lc_revoke_and_delete NAME: --delete-after-revoke revokes at the CA and
# removes the lineage.
lc_revoke_and_delete() {
  local name=$1 copy="$WORK/deleted-$1.pem"
  cp "$CFG/live/$name/cert.pem" "$copy"
  run_acmekit revoke --cert-name "$name" --delete-after-revoke --config-dir "$CFG" --ca-bundle "$LC_BUNDLE"
  assert_success
  [[ "$(lc_cert_status "$copy")" == revoked ]] || fail "the CA does not show $name revoked"
  assert_no_live "$CFG" "$name"
}

# lc_renew_after_revoke NAME LOG DOMAINS...: NAME's live certificate was
# revoked with `acmekit revoke` and the lineage kept: `certificates` shows it
# revoked. A dry run reports it due
# because it was revoked (human summary) and leaves it marked; then renew,
# without --force-renewal and long before the 1/3 rule or any ARI window,
# renews it (lc_renew_renews: a new serial in live/ that verifies against the
# CA's chain and matches the key on disk, hooks), saying why in --json; the
# CA holds the new certificate valid and the old one revoked; a second renew
# leaves the lineage alone (the mark was about the old certificate), and
# `certificates` no longer shows it revoked.
lc_renew_after_revoke() {
  local name=$1 log=$2 old="$WORK/before-renew-$1.pem"; shift 2
  cp "$CFG/live/$name/cert.pem" "$old"
  [[ "$(lc_cert_status "$old")" == revoked ]] || fail "$name's live certificate is not revoked at the CA"
  _lc_listed_revoked "$name" true
  run_acmekit renew "${COMMON[@]}" --dry-run --cert-name "$name"
  assert_success
  grep -qF "renewed: $name (the live certificate was revoked)" "$ACME_OUT"     || fail "the summary does not say $name is due because it was revoked: $(cat "$ACME_OUT")"
  lc_renew_renews "$name" "$log" "$@"
  [[ "$(json_get '.due | map(select(.cert_name == "'"$name"'")) | .[0].reason')" == "the live certificate was revoked" ]] \
    || fail "renew --json does not give the revocation as the reason: $(cat "$ACME_OUT")"
  [[ "$(lc_cert_status "$CFG/live/$name/cert.pem")" == valid ]] || fail "the CA does not hold the new certificate valid"
  [[ "$(lc_cert_status "$old")" == revoked ]] || fail "the old certificate is no longer revoked at the CA"
  lc_renew_not_due "$name" "$log"
  _lc_listed_revoked "$name" false
}

# _lc_listed_revoked NAME true|false: what `certificates --json` says of NAME.
_lc_listed_revoked() {
  run_acmekit certificates --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get '.certificates | map(select(.cert_name == "'"$1"'")) | .[0].revoked')" == "$2" ]] \
    || fail "certificates does not show $1 with revoked = $2: $(cat "$ACME_OUT")"
}

# lc_certonly_after_revoke_by_path NAME: revoke --cert-path naming the live
# certificate's archive file (account key, this config dir) marks the
# lineage; certonly on the same names without --force-renewal then issues a
# new certificate instead of answering "unchanged"; certonly once more does.
lc_certonly_after_revoke_by_path() {
  local name=$1 archived serial
  archived=$(readlink -f "$CFG/live/$name/cert.pem")
  serial=$(cert_serial "$archived")
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${COMMON[@]}" --json
  assert_success
  [[ "$(json_get .status)" == unchanged ]] || fail "certonly on a fresh lineage did not answer unchanged: $(cat "$ACME_OUT")"
  run_acmekit revoke --cert-path "$archived" "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .lineage)" == "$name" ]] || fail "revoke did not name the lineage it marked: $(cat "$ACME_OUT")"
  [[ "$(lc_cert_status "$archived")" == revoked ]] || fail "the CA does not show $name revoked"
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${COMMON[@]}" --json
  assert_success
  [[ "$(json_get .status)" == issued ]] || fail "certonly answered for a revoked certificate: $(cat "$ACME_OUT")"
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "$name"
  [[ "$(cert_serial "$CFG/live/$name/cert.pem")" != "$serial" ]] || fail "live/$name still has serial $serial"
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${COMMON[@]}" --json
  assert_success
  [[ "$(json_get .status)" == unchanged ]] || fail "certonly renewed the new certificate again: $(cat "$ACME_OUT")"
}

# ---------------------------------------------------------------- account (RFC 8555 §7.3)

_lc_account_dir() { find "$1/accounts" -name regr.json -printf '%h\n' 2>/dev/null | head -1; }

# lc_rollover_key NAME: rollover_key (§7.3.5) replaces the stored key; a new
# order for NAME with it works under the same account URL; the old key (a
# copy of the config dir from before) is refused by the CA, for reading the
# account and for ordering.
lc_rollover_key() {
  local name=$1 url old_key
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  url=$(json_get .url)
  rm -rf "$WORK/old-key-config"
  cp -a "$CFG" "$WORK/old-key-config"
  old_key=$(sha256sum <"$(_lc_account_dir "$CFG")/private_key.pem")
  run_acmekit rollover_key "${LC_SRV[@]}" --config-dir "$CFG"
  assert_success
  [[ "$(sha256sum <"$(_lc_account_dir "$CFG")/private_key.pem")" != "$old_key" ]] || fail "account key on disk unchanged"
  [[ "$(_file_mode "$(_lc_account_dir "$CFG")/private_key.pem")" == 600 ]] || fail "the new account key is not 0600"
  [[ -z "$(find "$CFG/accounts" -name 'private_key.next.pem')" ]] || fail "staged key left behind"
  _lc_issues_as "$name" "$url" "$WORK/old-key-config"
  run_acmekit certonly -d "old-key.$name" "${STANDALONE[@]}" "${LC_SRV[@]}" --config-dir "$WORK/old-key-config"
  assert_failure 3
  assert_no_live "$WORK/old-key-config" "old-key.$name"
}

# _lc_issues_as NAME URL OLD_CONFIG: after a key rollover, certonly for NAME
# in $CFG issues under the same account URL (a certificate that verifies),
# and the account as OLD_CONFIG still holds it (the old key) is refused.
_lc_issues_as() {
  local name=$1 url=$2 old_config=$3
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .account_url)" == "$url" ]] || fail "the order did not use the same account ($url): $(cat "$ACME_OUT")"
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "$name"
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$old_config"
  assert_failure 3
}

# ---------------------------------------------------------------- interrupted key rollover (§7.3.5)
# rollover_key writes private_key.next.pem, asks the CA, renames it over
# private_key.pem. Killed in between, the next command that loads the account
# asks the CA which key it knows (onlyReturnExisting signed by the staged key,
# §7.3.1) and commits or discards the staged key.

# lc_rollover_killed ACCOUNT_DIR POINT: rollover_key killed -9 at POINT; the
# stored key is unchanged and a staged key is there. Sets LC_URL (the
# account), LC_OLD_KEY and LC_STAGED_KEY (hashes) and copies the config dir
# from before the run to $WORK/pre-rollover-config.
lc_rollover_killed() {
  local dir=$1 point=$2
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  LC_URL=$(json_get .url)
  rm -rf "$WORK/pre-rollover-config"
  cp -a "$CFG" "$WORK/pre-rollover-config"
  LC_OLD_KEY=$(sha256sum <"$dir/private_key.pem")
  lc_stop_and_kill "$point" rollover_key "${LC_SRV[@]}" --config-dir "$CFG"
  [[ -f "$dir/private_key.next.pem" ]] || fail "killed at $point, rollover_key left no staged key"
  [[ "$(sha256sum <"$dir/private_key.pem")" == "$LC_OLD_KEY" ]] || fail "the stored key changed before the commit"
  LC_STAGED_KEY=$(sha256sum <"$dir/private_key.next.pem")
}

# lc_account_key_is KEY_HASH ACCOUNT_DIR: private_key.pem is that key, 0600,
# and no staged key is left.
lc_account_key_is() {
  [[ "$(sha256sum <"$2/private_key.pem")" == "$1" ]] || fail "private_key.pem is not the expected key"
  [[ "$(_file_mode "$2/private_key.pem")" == 600 ]] || fail "the account key is not 0600"
  [[ ! -e "$2/private_key.next.pem" ]] || fail "the staged key was left behind"
}

# lc_rollover_killed_after_ca NAME: killed after the CA took the new key and
# before the rename (rollover-after-ca): the stored key alone is refused by
# the CA; the next show_account recovers the staged key (says so) and works
# under the same account URL, certonly for NAME too, and the old key stays
# refused.
lc_rollover_killed_after_ca() {
  local name=$1 dir; dir=$(_lc_account_dir "$CFG")
  lc_rollover_killed "$dir" rollover-after-ca
  # What the crash did: without the staged key the account is lost.
  rm -rf "$WORK/stale-key-config"
  cp -a "$CFG" "$WORK/stale-key-config"
  rm "$(_lc_account_dir "$WORK/stale-key-config")/private_key.next.pem"
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$WORK/stale-key-config"
  assert_failure 3
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .url)" == "$LC_URL" && "$(json_get .status)" == valid ]] || fail "show_account after the crash: $(cat "$ACME_OUT")"
  grep -q 'recovered it as the account key' "$ACME_ERR" || fail "the recovery was not logged: $(cat "$ACME_ERR")"
  lc_account_key_is "$LC_STAGED_KEY" "$dir"
  _lc_issues_as "$name" "$LC_URL" "$WORK/pre-rollover-config"
}

# lc_rollover_killed_before_ca NAME: killed with the new key staged but the
# CA not asked (rollover-staged): the next show_account discards the staged
# key (says so) and works with the stored key. Then a key written by hand as
# private_key.next.pem, which the CA never saw, is discarded by certonly for
# NAME, which works under the same account.
lc_rollover_killed_before_ca() {
  local name=$1 dir; dir=$(_lc_account_dir "$CFG")
  lc_rollover_killed "$dir" rollover-staged
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .url)" == "$LC_URL" && "$(json_get .status)" == valid ]] || fail "show_account after the crash: $(cat "$ACME_OUT")"
  grep -q 'never saw the key of an interrupted key rollover' "$ACME_ERR" || fail "the discard was not logged: $(cat "$ACME_ERR")"
  lc_account_key_is "$LC_OLD_KEY" "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/private_key.next.pem" 2>/dev/null     || fail "openssl genpkey failed"
  chmod 600 "$dir/private_key.next.pem"
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .account_url)" == "$LC_URL" ]] || fail "the order did not use the same account ($LC_URL): $(cat "$ACME_OUT")"
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "$name"
  lc_account_key_is "$LC_OLD_KEY" "$dir"
}

# lc_rollover_after_killed_rollover: killed at rollover-after-ca, then
# rollover_key again: it first recovers the staged key (the one the CA
# knows) and rolls over from it to a third key; the CA then refuses both
# earlier keys and the account works with the third.
lc_rollover_after_killed_rollover() {
  local dir; dir=$(_lc_account_dir "$CFG")
  lc_rollover_killed "$dir" rollover-after-ca
  rm -rf "$WORK/staged-key-config"
  cp -a "$CFG" "$WORK/staged-key-config"
  local staged_dir; staged_dir=$(_lc_account_dir "$WORK/staged-key-config")
  mv "$staged_dir/private_key.next.pem" "$staged_dir/private_key.pem"
  run_acmekit rollover_key "${LC_SRV[@]}" --config-dir "$CFG"
  assert_success
  grep -q 'recovered it as the account key' "$ACME_ERR" || fail "rollover_key did not recover the staged key first: $(cat "$ACME_ERR")"
  local now; now=$(sha256sum <"$dir/private_key.pem")
  [[ "$now" != "$LC_OLD_KEY" && "$now" != "$LC_STAGED_KEY" ]] || fail "rollover_key did not install a third key"
  lc_account_key_is "$now" "$dir"
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .url)" == "$LC_URL" ]] || fail "show_account after the second rollover: $(cat "$ACME_OUT")"
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$WORK/staged-key-config"
  assert_failure 3
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$WORK/pre-rollover-config"
  assert_failure 3
}

# lc_unregister NAME: unregister deactivates the account (§7.3.6) and forgets
# it; the CA then refuses the account (a copy of the config dir from before)
# for reading it and for ordering NAME.
lc_unregister() {
  local name=$1
  rm -rf "$WORK/deactivated-config"
  cp -a "$CFG" "$WORK/deactivated-config"
  run_acmekit unregister "${LC_SRV[@]}" --config-dir "$CFG" --json
  assert_success
  [[ "$(json_get .status)" == deactivated ]] || fail "unregister output: $(cat "$ACME_OUT")"
  [[ -z "$(_lc_account_dir "$CFG")" ]] || fail "the deactivated account is still stored"
  run_acmekit show_account "${LC_SRV[@]}" --config-dir "$WORK/deactivated-config"
  assert_failure 3
  run_acmekit certonly -d "$name" "${STANDALONE[@]}" "${LC_SRV[@]}" --config-dir "$WORK/deactivated-config"
  assert_failure 3
  assert_no_live "$WORK/deactivated-config" "$name"
}

# ---------------------------------------------------------------- external account binding (§7.3.4)

# lc_eab_missing NAME: the directory says externalAccountRequired; without
# --eab-kid acmekit stops before creating anything.
lc_eab_missing() {
  run_acmekit certonly -d "$1" "${STANDALONE[@]}" "${COMMON[@]}"
  assert_failure 2
  assert_error_matches 'external account binding'
  assert_no_live "$CFG" "$1"
  [[ -z "$(account_dirs "$CFG")" ]] || fail "an account directory was made without EAB"
}

# lc_eab_wrong_hmac NAME KID: a known kid with the wrong MAC key is refused
# by the CA and no account is saved.
lc_eab_wrong_hmac() {
  local wrong; wrong=$(openssl rand 32 | basenc --base64url | tr -d '=\n')
  run_acmekit certonly -d "$1" "${STANDALONE[@]}" "${COMMON[@]}" --eab-kid "$2" --eab-hmac-key "$wrong"
  assert_failure 3
  assert_no_live "$CFG" "$1"
  [[ -z "$(account_dirs "$CFG" | xargs -r -I{} find {} -name regr.json)" ]] \
    || fail "an account was saved although the CA refused it"
}

# lc_eab_ok NAME KID HMAC: with the right binding the account is made and
# NAME issued; the MAC key appears nowhere in acmekit's output (at -v -v) or
# its config dir.
lc_eab_ok() {
  run_acmekit certonly -d "$1" "${STANDALONE[@]}" "${COMMON[@]}" --eab-kid "$2" --eab-hmac-key "$3" -v -v
  assert_success
  assert_cert_ok "$CFG/live/$1" "$LC_ROOT" "$1"
  ! grep -rqF -- "$3" "$ACME_OUT" "$ACME_ERR" "$CFG" || fail "the EAB HMAC key appears in the output or the config dir"
}

# ---------------------------------------------------------------- kill -9 during a renewal

# lc_stop_and_kill POINT [ARGS...]: run acmekit ARGS (default: renew
# --force-renewal with COMMON) until it stops itself at POINT
# (ACMEKIT_TEST_STOP_AT, src/core/test_point.h), then SIGKILL it.
lc_stop_and_kill() {
  local point=$1 pid state="" i; shift
  [[ $# -gt 0 ]] || set -- renew --force-renewal "${COMMON[@]}"
  ACMEKIT_TEST_STOP_AT=$point "$ACMEKIT_BIN" "$@" \
    >"$LOGS/crash-$point.out" 2>"$LOGS/crash-$point.err" </dev/null &
  pid=$!
  track_pid "$pid"
  for ((i = 0; i < 600; i++)); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1) || state=""
    [[ "$state" == T ]] && break
    _pid_alive "$pid" || fail "acmekit exited before reaching the stop point $point: $(cat "$LOGS/crash-$point.err")"
    sleep 0.1
  done
  [[ "$state" == T ]] || fail "acmekit never reached the stop point $point"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
}

# lc_crash_and_recover POINT NAME DOMAINS...: kill -9 the renewal of the
# only lineage NAME at POINT; live/NAME still holds the old certificate,
# intact and matching its key, then the next run completes.
lc_crash_and_recover() {
  local point=$1 name=$2 before; shift 2
  before=$(cert_serial "$CFG/live/$name/cert.pem")
  lc_stop_and_kill "$point"
  # What nginx would read right now: the old certificate, intact, matching its key.
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "$@"
  [[ "$(cert_serial "$CFG/live/$name/cert.pem")" == "$before" ]] \
    || fail "live/ changed although the renewal was killed before the switch"
  run_acmekit renew --force-renewal "${COMMON[@]}" --json
  assert_success
  assert_cert_ok "$CFG/live/$name" "$LC_ROOT" "$@"
  assert_live_layout "$CFG" "$name"
  [[ "$(cert_serial "$CFG/live/$name/cert.pem")" != "$before" ]] || fail "the next renewal did not install a new certificate"
}
