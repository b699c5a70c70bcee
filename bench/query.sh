#!/usr/bin/env bash
# Query latency benchmark (issue 4): on a generated shard of ROWS rows
# (default 1,000,000), the p50 latency of typical statements through
# `laiondb query` (a whole process: start, open the database read-only,
# plan, run, print), next to the same work done directly through the
# engine API in one process (bench/querylat), in the same run.
#
#   bash bench/query.sh            # ROWS=1000000 RUNS=21
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-21}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-query.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/laiondb" ./cmd/laiondb
"$WORK/laiondb" gen --rows "$ROWS" --out "$WORK/shard" --seed 1 >/dev/null
"$WORK/laiondb" ingest --db "$WORK/db" "$WORK/shard" >/dev/null
# The most frequent class of the generated shard, for the listing.
SYN=$("$WORK/laiondb" query --db "$WORK/db" --read-only --format csv \
  "SELECT name(synset) FROM laion WHERE caption MATCHES IMAGENET GROUP BY synset ORDER BY count(*) DESC LIMIT 1" | tail -1)
ID=$((ROWS / 2 + 17))

statements=(
  "count with MATCHES|SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET"
  "synset listing with LIMIT|SELECT id, caption FROM laion WHERE caption MATCHES SYNSET '$SYN' LIMIT 20"
  "GROUP BY synset with count|SELECT synset, count(*) FROM laion WHERE caption MATCHES IMAGENET GROUP BY synset ORDER BY 2 DESC LIMIT 10"
  "id lookup|SELECT * FROM laion WHERE id = $ID"
  "CONTAINS phrase|SELECT count(*) FROM laion WHERE caption CONTAINS 'golden retriever'"
)

now() { date +%s%N; }
printf '%-30s %12s   %s\n' "laiondb query (process)" "p50 ms" "statement"
for s in "${statements[@]}"; do
  name=${s%%|*}; sql=${s#*|}
  ts=()
  for i in $(seq "$RUNS"); do
    t0=$(now); "$WORK/laiondb" query --db "$WORK/db" --read-only --format jsonl "$sql" >/dev/null; t1=$(now)
    ts+=($(( (t1 - t0) / 1000 )))
  done
  p50=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-30s %12.1f   %s\n' "$name" "$(echo "$p50/1000" | bc -l)" "$sql"
done
t0=$(now); "$WORK/laiondb" query --db "$WORK/db" --read-only --format jsonl "SELECT 1" >/dev/null; t1=$(now)
printf '%-30s %12.1f   %s\n' "(process start + open, once)" "$(echo "($t1 - $t0)/1000000" | bc -l)" "SELECT 1"
echo
go run ./bench/querylat --db "$WORK/db" --runs "$RUNS" --synset "$SYN" --id "$ID"
