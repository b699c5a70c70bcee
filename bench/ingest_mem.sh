#!/usr/bin/env bash
# Ingest memory benchmark (issue 10, bounded memory): peak resident memory
# (RSS, as /usr/bin/time reports it: the process's own memory and the
# pages of mapped files it holds) and rows/s of `laiondb ingest` of one
# generated shard of ROWS rows (2 × 512-d float16 embeddings), for this
# tree and for a baseline revision (BASE, default main) built in the same
# run, with the ratios. Each figure is the median of RUNS runs.
#
#   bash bench/ingest_mem.sh                 # ROWS=200000 RUNS=1 BASE=main
#   ROWS=1000000 bash bench/ingest_mem.sh
#   SHARD=/tmp/g1m ROWS=1000000 bash ...     # reuse a `laiondb gen` output
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-200000}
RUNS=${RUNS:-1}
BASE=${BASE:-main}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-ingestmem.XXXXXX")
cleanup() {
  git worktree remove --force "$WORK/base" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

go build -o "$WORK/laiondb" ./cmd/laiondb
git worktree add --quiet --detach "$WORK/base" "$BASE"
(cd "$WORK/base" && go build -o "$WORK/laiondb-base" ./cmd/laiondb)
SHARD=${SHARD:-}
if [ -z "$SHARD" ]; then
  SHARD="$WORK/shard"
  "$WORK/laiondb" gen --rows "$ROWS" --out "$SHARD" --seed 1 >/dev/null
fi

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A rss secs
for who in base this; do
  bin="$WORK/laiondb"; [ "$who" = base ] && bin="$WORK/laiondb-base"
  r=(); s=()
  for i in $(seq "$RUNS"); do
    sync
    /usr/bin/time -f '%M %e' -o "$WORK/time" "$bin" ingest --db "$WORK/db" "$SHARD" >/dev/null 2>"$WORK/err" \
      || { cat "$WORK/err" >&2; exit 1; }
    read -r kb sec <"$WORK/time"
    r+=("$kb"); s+=("$sec")
    rm -rf "$WORK/db"
  done
  rss[$who]=$(printf '%s\n' "${r[@]}" | median)
  secs[$who]=$(printf '%s\n' "${s[@]}" | median)
done

printf 'ingest of %d rows (median of %d), base %s (%s)\n' "$ROWS" "$RUNS" "$BASE" "$(git rev-parse --short "$BASE")"
printf '%-8s %14s %12s %12s\n' "" "peak RSS (MB)" "seconds" "rows/s"
for who in base this; do
  printf '%-8s %14.0f %12.2f %12.0f\n' "$who" "$(echo "${rss[$who]}/1024" | bc -l)" "${secs[$who]}" "$(echo "$ROWS/${secs[$who]}" | bc -l)"
done
printf 'this / base: peak RSS %.2f, rows/s %.2f\n' \
  "$(echo "${rss[this]}/${rss[base]}" | bc -l)" "$(echo "${secs[base]}/${secs[this]}" | bc -l)"
