#!/usr/bin/env bash
# Streaming benchmark (issue 10, item 4): peak resident memory of a full
# scan, a GROUP BY and an EXPORT over a database of SHARDS shards of ROWS
# rows each (default 10 × 1,000,000 = 10M rows), next to the same
# statements over its first shard alone, in the same run. Reads that
# stream keep the ratio near 1 however many rows there are.
#
# The shards are generated with small embeddings (--dim 8): what is
# measured is how the operators hold rows, not vector bandwidth
# (bench/scale.sh does that at 512-d).
#
#   bash bench/stream.sh                     # SHARDS=10 ROWS=1000000
#   SHARDS=3 ROWS=100000 bash bench/stream.sh
#
# Needs GNU time (/usr/bin/time, Debian package "time") and ~0.2 KB of disk
# a row.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARDS=${SHARDS:-10}
ROWS=${ROWS:-1000000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-stream.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || { echo "stream.sh: needs GNU time: apt-get install time" >&2; exit 1; }
go build -o "$WORK/laiondb" ./cmd/laiondb
L="$WORK/laiondb"

for i in $(seq 0 $((SHARDS - 1))); do
  echo "shard $i of $SHARDS ($ROWS rows)..." >&2
  "$L" gen --rows "$ROWS" --seed 1 --shard "$i" --dim 8 --out "$WORK/shard$i" >/dev/null
  dbs=("$WORK/all")
  [ "$i" = 0 ] && dbs+=("$WORK/one")
  for db in "${dbs[@]}"; do
    "$L" ingest --db "$db" "$WORK/shard$i" >/dev/null 2>&1
  done
  rm -rf "$WORK/shard$i"
done

names=("full scan" "GROUP BY" "EXPORT parquet" "EXPORT csv, ORDER BY")
stmts=(
  "SELECT count(*), avg(length(caption)), max(width) FROM laion WHERE cos(img, txt) > -2"
  "SELECT width % 1000 AS w, count(*), avg(height), count(DISTINCT height) FROM laion GROUP BY w ORDER BY w LIMIT 3"
  "EXPORT (SELECT id, caption, url, width, height FROM laion) TO '$WORK/e.parquet'"
  "EXPORT (SELECT id, caption FROM laion ORDER BY caption, id) TO '$WORK/e.csv'"
)
# peak DB STMT: prints "seconds maxrss_kb".
peak() {
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$L" query --db "$1" "$2" >/dev/null 2>"$WORK/err" || {
    echo "stream.sh: $2 failed:" >&2; cat "$WORK/err" >&2; exit 1; }
  cat "$WORK/time"
}
printf '\n%-22s %14s %14s %12s %12s %8s\n' "statement" "1 shard s" "$SHARDS shards s" "1 shard MB" "$SHARDS shards MB" "RSS x"
for k in "${!stmts[@]}"; do
  read -r s1 r1 < <(peak "$WORK/one" "${stmts[$k]}")
  read -r sn rn < <(peak "$WORK/all" "${stmts[$k]}")
  printf '%-22s %14.2f %14.2f %12.0f %12.0f %8.2f\n' "${names[$k]}" "$s1" "$sn" \
    "$(echo "$r1/1024" | bc -l)" "$(echo "$rn/1024" | bc -l)" "$(echo "$rn/$r1" | bc -l)"
done
printf '(rows: %d and %d)\n' "$ROWS" "$((SHARDS * ROWS))"
