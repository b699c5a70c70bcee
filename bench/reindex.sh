#!/usr/bin/env bash
# Index maintenance benchmark (issue 10, item 1): the time to replace one
# indexed shard in a 2-shard indexed database, next to a fresh ingest plus
# CREATE INDEX of the same shard alone, and their ratio (target: replace
# <= 2x). Also the same replace without an index, for the share of the
# ingest itself. Shards are generated (laiondb gen, 2 x 512-d float16
# embeddings); the index is on img (M=16, ef_construction=200).
#
# Wall time is what a user waits; CPU time (user+system) is printed too
# because other processes on a shared machine inflate wall time.
#
# Measured (2 cores shared with other jobs, so wall >> CPU), 50,000 rows:
#   replace an indexed shard      91.8 s wall, 22.0 s CPU
#   fresh ingest + CREATE INDEX   49.2 s wall, 13.6 s CPU
#   ratio 1.87x wall, 1.62x CPU (before the fix: quadratic, 20k rows 4m41s)
#
#   bash bench/reindex.sh            # 50,000 rows a shard
#   bash bench/reindex.sh --1m       # 1,000,000 rows a shard (~25 min on 2 cores)
#   ROWS=20000 bash bench/reindex.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-50000}
if [ "${1:-}" = "--1m" ]; then ROWS=1000000; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-reindex.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LDB="$WORK/laiondb"
go build -o "$LDB" ./cmd/laiondb
for s in 1 2 3; do
  "$LDB" gen --rows "$ROWS" --out "$WORK/gen$s" --seed "$s" >/dev/null
done

# timed LABEL CMD...: runs CMD, appends "LABEL wall cpu" to $WORK/times.
timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$WORK/t" "$@" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  read -r wall user sys <"$WORK/t"
  echo "$label $wall $(echo "$user + $sys" | bc -l)" >>"$WORK/times"
}
: >"$WORK/times"
index() { "$LDB" query --db "$1" "CREATE INDEX ON laion(img)"; }

# A 2-shard indexed database; shard 1 is then replaced by other rows.
"$LDB" ingest --db "$WORK/db" --shard 0 "$WORK/gen1" >/dev/null 2>&1
"$LDB" ingest --db "$WORK/db" --shard 1 "$WORK/gen2" >/dev/null 2>&1
index "$WORK/db" >/dev/null
timed replace "$LDB" ingest --db "$WORK/db" --shard 1 "$WORK/gen3"
"$LDB" query --db "$WORK/db" "SELECT count(*) FROM laion" >/dev/null

# The same shard, fresh: ingest into an empty database, then index it.
timed fresh_ingest "$LDB" ingest --db "$WORK/fresh" --shard 1 "$WORK/gen3"
timed fresh_index "$LDB" query --db "$WORK/fresh" "CREATE INDEX ON laion(img)"

# Context: the same replace with no index.
"$LDB" ingest --db "$WORK/plain" --shard 0 "$WORK/gen1" >/dev/null 2>&1
"$LDB" ingest --db "$WORK/plain" --shard 1 "$WORK/gen2" >/dev/null 2>&1
timed replace_no_index "$LDB" ingest --db "$WORK/plain" --shard 1 "$WORK/gen3"

awk -v rows="$ROWS" '
  { wall[$1] = $2; cpu[$1] = $3 }
  END {
    printf "replacing one shard of %d rows (512-d) in a 2-shard database indexed on img\n", rows
    printf "%-44s %10s %10s\n", "step", "wall s", "CPU s"
    printf "%-44s %10.2f %10.2f\n", "replace an indexed shard (ingest + update)", wall["replace"], cpu["replace"]
    printf "%-44s %10.2f %10.2f\n", "fresh ingest of the shard", wall["fresh_ingest"], cpu["fresh_ingest"]
    printf "%-44s %10.2f %10.2f\n", "fresh CREATE INDEX of the shard", wall["fresh_index"], cpu["fresh_index"]
    fw = wall["fresh_ingest"] + wall["fresh_index"]; fc = cpu["fresh_ingest"] + cpu["fresh_index"]
    printf "%-44s %10.2f %10.2f\n", "fresh ingest + CREATE INDEX", fw, fc
    printf "%-44s %10.2f %10.2f\n", "replace without an index (context)", wall["replace_no_index"], cpu["replace_no_index"]
    printf "ratio replace / (fresh ingest + index): %.2fx wall, %.2fx CPU (target <= 2)\n", wall["replace"] / fw, cpu["replace"] / fc
  }' "$WORK/times"
