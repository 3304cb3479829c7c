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
