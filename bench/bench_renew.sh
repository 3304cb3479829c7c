#!/usr/bin/env bash
# No-op renew at scale (not a test): N generated lineages, none due.
# acmekit renews over all N; certbot over as many as it gets through in the
# same time budget (certbot renew has no index: it parses every renewal
# conf and certificate). Prints both rates and the ratio.
# LAYOUT=certbot: acmekit's lineages are in certbot's layout (live/NAME real
# directories, confs without domains, live/README: a dir certbot made), and
# acmekit over its own layout is timed too, for the comparison.
# usage: [LAYOUT=acmekit|certbot] bench/bench_renew.sh [N=100000] [CERTBOT_N=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
CB_N=${2:-2000}
LAYOUT=${LAYOUT:-acmekit}
[[ "$LAYOUT" == acmekit || "$LAYOUT" == certbot ]] || { echo "LAYOUT is acmekit or certbot" >&2; exit 2; }
ACMEKIT_BIN=${ACMEKIT_BIN:-build/acmekit}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

echo "generating $N lineages (and $CB_N for certbot)..." >&2
layout_flag=(); [[ "$LAYOUT" == certbot ]] && layout_flag=(--certbot)
python3 bench/gen_lineages.py "$W/ak" "$N" "${layout_flag[@]}"
python3 bench/gen_lineages.py "$W/cb" "$CB_N" --certbot

# First acmekit run builds the index; the steady state is what a timer sees.
/usr/bin/time -f '%e %M' -o "$W/t0" "$ACMEKIT_BIN" renew --quiet --config-dir "$W/ak"
for i in 1 2 3; do
  /usr/bin/time -f '%e %M' -o "$W/t$i" "$ACMEKIT_BIN" renew --quiet --config-dir "$W/ak"
done
ak=$(cat "$W/t1" "$W/t2" "$W/t3" | sort -n | sed -n 2p)
ak_wall=${ak% *} ak_rss=${ak#* }
/usr/bin/time -f '%e %M' -o "$W/cb.t" certbot renew --config-dir "$W/cb" --work-dir "$W/cbw" \
  --logs-dir "$W/cbl" >/dev/null 2>&1 || true
cb=$(cat "$W/cb.t"); cb_wall=${cb% *} cb_rss=${cb#* }
if [[ "$LAYOUT" == certbot ]]; then
  echo "generating $N lineages in acmekit's own layout, for the comparison..." >&2
  python3 bench/gen_lineages.py "$W/own" "$N"
  "$ACMEKIT_BIN" renew --quiet --config-dir "$W/own"  # builds the index
  for i in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$W/own$i" "$ACMEKIT_BIN" renew --quiet --config-dir "$W/own"
  done
  own=$(cat "$W/own1" "$W/own2" "$W/own3" | sort -n | sed -n 2p)
  echo "acmekit over its own layout: ${own% *} s; over certbot's: $ak_wall s ($N lineages, nothing due)"
fi
awk -v n="$N" -v aw="$ak_wall" -v ar="$ak_rss" -v a0="$(cut -d' ' -f1 "$W/t0")" \
    -v cn="$CB_N" -v cw="$cb_wall" -v cr="$cb_rss" 'BEGIN {
  printf "acmekit: %d lineages, nothing due: %.2f s (first run, building the index: %.2f s), peak RSS %.1f MiB\n", n, aw, a0, ar/1024
  printf "certbot: %d lineages, nothing due: %.2f s, peak RSS %.1f MiB\n", cn, cw, cr/1024
  ra = n / aw; rc = cn / cw
  printf "lineages per second: acmekit %.0f, certbot %.0f (%.0fx); certbot would need %.0f s for %d\n", ra, rc, ra / rc, n / rc, n
}'
