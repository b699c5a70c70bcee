#!/usr/bin/env bash
# Scale benchmark (issue 10): a database of SHARDS generated LAION shards
# of ROWS rows each (default 10 × 1,000,000, 2 × 512-d float16 embeddings:
# ~22 GB of input), built one ingest at a time as a living database grows.
# Prints, for each step, its time and the peak resident memory of the
# process (GNU time's maximum RSS):
#
#   - ingest of the 1st and of the last shard (rows/s), and of each between
#     in the log;
#   - database bytes on disk per input byte;
#   - SELECT count(*) ... MATCHES IMAGENET over every row;
#   - the study script end to end (examples/laionet.lq, its INGEST of the
#     LAION shard left out: the shards are in already);
#   - re-ingesting (replacing) the first shard, and the disk after it.
#
#   bash bench/scale.sh                    # SHARDS=10 ROWS=1000000
#   SHARDS=3 ROWS=200000 bash bench/scale.sh
#   KEEP=1 bash bench/scale.sh             # keep the work directory
#
# Needs ~(1.1 × SHARDS + 2.2) × ROWS × 2 KB of free disk and GNU time
# (/usr/bin/time, Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/.."
SHARDS=${SHARDS:-10}
ROWS=${ROWS:-1000000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-scale.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "work directory: $WORK"; fi
[ -x /usr/bin/time ] || { echo "scale.sh: needs GNU time: apt-get install time" >&2; exit 1; }

go build -o "$WORK/laiondb" ./cmd/laiondb
L="$WORK/laiondb"
DB="$WORK/db"

# step NAME CMD...: runs CMD, appends "NAME seconds maxrss_kb" to the log.
step() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || {
    echo "scale.sh: $name failed:" >&2; cat "$WORK/err" >&2; exit 1; }
  read -r secs rss <"$WORK/time"
  printf '%s\t%s\t%s\n' "$name" "$secs" "$rss" >>"$WORK/log"
}

# Each shard is generated just before its ingest and (but for shard 0,
# which the study and the replace step read again) removed after it, so
# the run needs the database's disk and two shards', not all the input.
: >"$WORK/log"
INPUT=0
for i in $(seq 0 $((SHARDS - 1))); do
  imagenet=()
  [ "$i" = 0 ] && imagenet=(--imagenet 10)
  echo "generating and ingesting shard $i of $SHARDS ($ROWS rows, seed 1)..." >&2
  "$L" gen --rows "$ROWS" --seed 1 --shard "$i" "${imagenet[@]}" --out "$WORK/shard$i" >/dev/null
  INPUT=$((INPUT + $(cat "$WORK"/shard$i/metadata/*.parquet "$WORK"/shard$i/img_emb/*.npy "$WORK"/shard$i/text_emb/*.npy | wc -c)))
  step "ingest shard $i" "$L" ingest --db "$DB" "$WORK/shard$i"
  [ "$i" = 0 ] || rm -rf "$WORK/shard$i"
done
DBBYTES=$(du -sB1 "$DB" | cut -f1)

step "count MATCHES IMAGENET" "$L" query --db "$DB" --read-only "SELECT count(*) FROM laion WHERE caption MATCHES IMAGENET"
MATCHED=$(tail -n 1 "$WORK/out" | tr -d ' ')

mkdir -p "$WORK/study"
sed '/^INGEST \$shard INTO laion;/d' examples/laionet.lq >"$WORK/study.lq"
step "study script" "$L" run --db "$DB" --var shard="$WORK/shard0" --var out="$WORK/study" "$WORK/study.lq"

step "replace shard 0" "$L" ingest --db "$DB" "$WORK/shard0"
AFTER=$(du -sB1 "$DB" | cut -f1)

TOTAL=$((SHARDS * ROWS))
printf '\n%d shards x %d rows = %d rows; input %.2f GB\n' "$SHARDS" "$ROWS" "$TOTAL" "$(echo "$INPUT/1000000000" | bc -l)"
printf '%-28s %10s %12s %12s\n' "step" "seconds" "rows/s" "peak RSS MB"
while IFS=$'\t' read -r name secs rss; do
  rate=""
  case "$name" in
    ingest*|replace*) rate=$(printf '%.0f' "$(echo "$ROWS/$secs" | bc -l)") ;;
    count*) rate=$(printf '%.0f' "$(echo "$TOTAL/$secs" | bc -l)") ;;
  esac
  printf '%-28s %10.2f %12s %12.0f\n' "$name" "$secs" "$rate" "$(echo "$rss/1024" | bc -l)"
done <"$WORK/log"
printf 'rows naming exactly one class (paper rule): %s\n' "$MATCHED"
printf 'database on disk: %.2f GB, %.3f bytes per input byte\n' "$(echo "$DBBYTES/1000000000" | bc -l)" "$(echo "$DBBYTES/$INPUT" | bc -l)"
printf 'after replacing shard 0: %.2f GB (%.3fx)\n' "$(echo "$AFTER/1000000000" | bc -l)" "$(echo "$AFTER/$DBBYTES" | bc -l)"
