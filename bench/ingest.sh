#!/usr/bin/env bash
# Ingest benchmark (issue 2): ingest a generated LAION shard of ROWS rows
# (default 1,000,000; 2 × 512-d float16 embeddings) and print rows/s and
# database bytes per input byte, next to copying the same files with cp and
# reading them with cat, measured in the same run. Each figure is the
# median of RUNS runs (default 3).
#
#   bash bench/ingest.sh            # ROWS=1000000 RUNS=3
#   ROWS=200000 bash bench/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-ingest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/laiondb" ./cmd/laiondb
"$WORK/laiondb" gen --rows "$ROWS" --out "$WORK/shard" --seed 1 >/dev/null
FILES=("$WORK"/shard/metadata/*.parquet "$WORK"/shard/img_emb/*.npy "$WORK"/shard/text_emb/*.npy)
INPUT=$(cat "${FILES[@]}" | wc -c)

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cat_t=(); cp_t=(); ing_t=(); dbbytes=0
for i in $(seq "$RUNS"); do
  sync
  t0=$(now); cat "${FILES[@]}" >/dev/null; t1=$(now)
  cat_t+=("$(echo "$t1 - $t0" | bc -l)")

  sync
  t0=$(now); mkdir -p "$WORK/copy"; cp "${FILES[@]}" "$WORK/copy/"; t1=$(now)
  cp_t+=("$(echo "$t1 - $t0" | bc -l)")
  rm -rf "$WORK/copy"

  sync
  t0=$(now); "$WORK/laiondb" ingest --db "$WORK/db" "$WORK/shard" >/dev/null; t1=$(now)
  ing_t+=("$(echo "$t1 - $t0" | bc -l)")
  dbbytes=$(du -sb "$WORK/db" | cut -f1)
  rm -rf "$WORK/db"
done

cat_m=$(printf '%s\n' "${cat_t[@]}" | median)
cp_m=$(printf '%s\n' "${cp_t[@]}" | median)
ing_m=$(printf '%s\n' "${ing_t[@]}" | median)
printf 'input: %d rows, %.1f MB (metadata parquet + 2 npy)\n' "$ROWS" "$(echo "$INPUT/1000000" | bc -l)"
printf '%-28s %10s %14s\n' "step (median of $RUNS)" "seconds" "rows/s"
printf '%-28s %10.2f %14.0f\n' "cat > /dev/null (read)" "$cat_m" "$(echo "$ROWS/$cat_m" | bc -l)"
printf '%-28s %10.2f %14.0f\n' "cp (read + write)" "$cp_m" "$(echo "$ROWS/$cp_m" | bc -l)"
printf '%-28s %10.2f %14.0f\n' "laiondb ingest" "$ing_m" "$(echo "$ROWS/$ing_m" | bc -l)"
printf 'ingest / cp time ratio: %.2f\n' "$(echo "$ing_m/$cp_m" | bc -l)"
printf 'database bytes per input byte: %.3f (%d / %d)\n' "$(echo "$dbbytes/$INPUT" | bc -l)" "$dbbytes" "$INPUT"
printf 'all runs (s): cat %s | cp %s | ingest %s\n' "${cat_t[*]}" "${cp_t[*]}" "${ing_t[*]}"
