#!/usr/bin/env bash
# Failures a user meets: each must exit non-zero with one clear
# "acmekit: error: " line and leave no lineage (live/, archive/, renewal/).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_acmekit

# Flags of a standalone certonly, minus --server/--ca-bundle (set per case).
base_args() {  # CONFIG_DIR
  printf '%s\n' --config-dir "$1" --register-unsafely-without-email --agree-tos --non-interactive \
    --standalone --http-01-port "${PEBBLE_HTTP_PORT:-$(free_port)}" --http-01-address 127.0.0.1
}

# ---------------------------------------------------------------------------
case_begin "usage: unknown flag / no names"
CFG="$WORK/cfg-usage"
run_acmekit certonly -d x.test --no-such-flag --config-dir "$CFG"
assert_failure 2
assert_error_matches 'no-such-flag' "name the unknown flag --no-such-flag"
run_acmekit certonly --standalone --config-dir "$CFG" --register-unsafely-without-email --agree-tos --non-interactive \
  --server https://127.0.0.1:1/dir
assert_failure 2
assert_no_lineage "$CFG"
case_pass

start_pebble
SITE="$WORK/site"
mkdir -p "$SITE"
echo '<!doctype html><html><head><title>Welcome</title></head><body>Not an ACME server</body></html>' >"$SITE/index.html"
SITE_PORT=$(free_port)
start_nginx "$SITE" "$SITE_PORT"
SITE_NGINX_PID=$NGINX_PID

# ---------------------------------------------------------------------------
case_begin "wrong directory URL (404)"
CFG="$WORK/cfg-404"; mapfile -t A < <(base_args "$CFG")
run_acmekit certonly -d x.test --server "https://127.0.0.1:$PEBBLE_PORT/nope" --ca-bundle "$TLS_CA" "${A[@]}"
assert_failure
assert_error_matches '404|not found' "say the directory was not found (404)"
assert_no_lineage "$CFG"
case_pass

# ---------------------------------------------------------------------------
case_begin "non-ACME URL (an HTML page over http)"
CFG="$WORK/cfg-html"; mapfile -t A < <(base_args "$CFG")
run_acmekit certonly -d x.test --server "http://127.0.0.1:$SITE_PORT/" --ca-bundle "$TLS_CA" "${A[@]}"
assert_failure
assert_no_lineage "$CFG"
log "error line: $ACME_ERRLINE"
case_pass

# ---------------------------------------------------------------------------
case_begin "untrusted TLS certificate (no --ca-bundle)"
CFG="$WORK/cfg-untrusted"; mapfile -t A < <(base_args "$CFG")
run_acmekit certonly -d x.test --server "$PEBBLE_DIR_URL" "${A[@]}"
assert_failure 4
assert_error_matches 'certificate' "mention the certificate"
assert_error_matches 'trust|verif|unknown (ca|issuer)|issuer certificate' "say the certificate is not trusted"
assert_no_lineage "$CFG"
case_pass

# ---------------------------------------------------------------------------
case_begin "http-01 port already taken"
CFG="$WORK/cfg-port"; mapfile -t A < <(base_args "$CFG")
mkdir -p "$WORK/holder"
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/holder" "$PEBBLE_HTTP_PORT" >"$LOGS/port-holder.log" 2>&1 &
HOLDER_PID=$!; track_pid "$HOLDER_PID"
wait_listening "$PEBBLE_HTTP_PORT" "$HOLDER_PID" "python3 http.server (port holder)"
run_acmekit certonly -d x.test --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" "${A[@]}"
assert_failure
assert_error_matches "$PEBBLE_HTTP_PORT" "mention the port $PEBBLE_HTTP_PORT"
assert_no_lineage "$CFG"
_pid_alive "$HOLDER_PID" || fail "the process holding the port died"
stop_pid "$HOLDER_PID"
case_pass

# ---------------------------------------------------------------------------
case_begin "name the CA refuses (blocklist -> rejectedIdentifier)"
CFG="$WORK/cfg-blocked"; mapfile -t A < <(base_args "$CFG")
run_acmekit certonly -d blocked.example --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" "${A[@]}"
assert_failure 3
assert_error_matches 'urn:ietf:params:acme:error:rejectedIdentifier' "contain urn:ietf:params:acme:error:rejectedIdentifier"
assert_no_lineage "$CFG"
case_pass

# ---------------------------------------------------------------------------
case_begin "CA dies mid-order (webroot; Pebble killed once the token is in place)"
stop_pid "$SITE_NGINX_PID"
ROOT="$WORK/webroot"
mkdir -p "$ROOT"
# Serve challenge responses at 1 byte/s so that Pebble cannot finish the
# validation before the watcher below kills it: the race is deterministic.
start_nginx "$ROOT" "$PEBBLE_HTTP_PORT" 'location /.well-known/acme-challenge/ { limit_rate_after 0; limit_rate 1; }'
CFG="$WORK/cfg-dies"
KILLED="$WORK/pebble-killed"
(
  for ((i = 0; i < 1200; i++)); do
    if [[ -d "$ROOT/.well-known/acme-challenge" ]] &&
       [[ -n "$(find "$ROOT/.well-known/acme-challenge" -mindepth 1 -type f -print -quit)" ]]; then
      find "$ROOT/.well-known/acme-challenge" -mindepth 1 -type f >"$KILLED"
      kill -9 "$PEBBLE_PID"
      exit 0
    fi
    sleep 0.02
  done
) &
WATCHER_PID=$!; track_pid "$WATCHER_PID"
run_acmekit certonly -d dies.test --webroot -w "$ROOT" --server "$PEBBLE_DIR_URL" --ca-bundle "$TLS_CA" \
  --config-dir "$CFG" --register-unsafely-without-email --agree-tos --non-interactive
[[ -s "$KILLED" ]] || fail "no token file ever appeared in $ROOT/.well-known/acme-challenge (Pebble was not killed)
$(_show_run)"
log "Pebble killed after token file $(head -1 "$KILLED") appeared"
assert_failure 4
assert_no_lineage "$CFG"
while read -r f; do
  [[ ! -e "$f" ]] || fail "token file $f was not removed after the failure"
done <"$KILLED"
left=$(find "$ROOT/.well-known/acme-challenge" -mindepth 1 -print 2>/dev/null || true)
[[ -z "$left" ]] || fail "files left in the webroot challenge dir: $left"
log "error line: $ACME_ERRLINE"
case_pass
