# Shared by the bench_*.sh scripts that time tools round by round (sourced
# after tests/integration/lib.sh, which provides log). A script defines
# run_tool TOOL ROUND, which calls bench_record; TOOLS and ROUNDS set the plan.

# bench_record TIMEFILE TOOL ROUND: appends "wall cpu rss_kb" from GNU time's
# '%e %U %S %M' output to $WORK/TOOL.times and logs the round.
bench_record() {
  local tf=$1 tool=$2 r=$3
  # GNU time may prefix a "Command exited..." line; the numbers are last.
  tail -n 1 "$tf" | awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}' >>"$WORK/$tool.times"
  log "round $r $tool: $(tail -n 1 "$WORK/$tool.times" | awk '{printf "wall %.2f s, cpu %.2f s, rss %.1f MB", $1, $2, $3/1024}')"
}

# bench_rounds: ROUNDS rounds of run_tool over TOOLS, the order rotated each
# round so no tool always runs first (cold caches) or last.
bench_rounds() {
  local r k n=${#TOOLS[@]}
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((k = 0; k < n; k++)); do
      run_tool "${TOOLS[$(((k + r - 1) % n))]}" "$r"
    done
  done
}

# median FILE COLUMN: the median of a column of numbers.
median() {
  cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'
}

# bench_medians TOOL: the medians of TOOL's rounds into the associative
# arrays W (wall, s), C (cpu, s) and M (peak RSS, MB) that the caller
# declared (declare -A W C M).
bench_medians() {
  local t=$1
  W[$t]=$(printf '%.2f' "$(median "$WORK/$t.times" 1)"); C[$t]=$(printf '%.2f' "$(median "$WORK/$t.times" 2)")
  M[$t]=$(awk -v k="$(median "$WORK/$t.times" 3)" 'BEGIN{printf "%.1f", k/1024}')
}

# bench_ratios: when acmekit ran beside other tools, one line each for wall,
# cpu and peak RSS: acmekit's median and every other tool's with the ratio
# acmekit/tool ("-" for a tool without a successful run).
bench_ratios() {
  [[ " ${TOOLS[*]} " == *" acmekit "* && ${#TOOLS[@]} -gt 1 ]] || return 0
  echo
  _bench_ratio_line wall s W
  _bench_ratio_line cpu s C
  _bench_ratio_line "peak RSS" MB M
}

_bench_ratio_line() {  # LABEL UNIT ARRAY_NAME
  local label=$1 unit=$2 t line
  local -n v=$3
  line="$label: acmekit ${v[acmekit]} $unit"
  for t in "${TOOLS[@]}"; do
    [[ $t == acmekit ]] && continue
    line+=", $t ${v[$t]} $unit ($(awk -v a="${v[acmekit]}" -v b="${v[$t]}" 'BEGIN{ if (a == "-" || b == "-" || b <= 0) print "n/a"; else if (a/b < 0.1) printf "%.3fx", a/b; else printf "%.2fx", a/b }'))"
  done
  echo "$line"
}
