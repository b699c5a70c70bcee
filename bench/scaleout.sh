#!/usr/bin/env bash
# Scale-out benchmark (issue 11): the study (examples/laionet.lq) over four
# generated shards, on one database (laiondb run) and as a Slurm job on
# this machine's one-node cluster (laiondb slurm --wait: four array tasks,
# two at a time on 2 CPUs, then the merge job). Both runs start from the
# shard files: each ingests what it reads. Prints the wall times and their
# ratio, each partial's size, the merge's time (the merge job's work, run
# again here with laiondb task --merge) and whether the two results agree.
#
#   bash bench/scaleout.sh                  # 4 × 100,000 rows (a few minutes)
#   bash bench/scaleout.sh --rows 1000000   # 4 × 1M rows, the paper's shard size
#                                           # (needs ~20 GB free in TMPDIR)
#   bash bench/scaleout.sh --rows 1000000 --shards 1   # one 1M-row task (~7 GB)
#
# Needs the cluster of .ci/slurm-up (sudo .ci/slurm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=100000
SHARDS=4
IMAGENET=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$2; shift 2 ;;
    --rows=*) ROWS=${1#--rows=}; shift ;;
    --shards) SHARDS=$2; shift 2 ;;
    --shards=*) SHARDS=${1#--shards=}; shift ;;
    *) echo "usage: bash bench/scaleout.sh [--rows N] [--shards N]" >&2; exit 2 ;;
  esac
done
command -v sbatch >/dev/null || { echo "scaleout: sbatch not found; run sudo .ci/slurm-up" >&2; exit 1; }
scontrol ping 2>/dev/null | grep -q 'is UP' || { echo "scaleout: slurmctld does not answer; run sudo .ci/slurm-up" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-scaleout.XXXXXX")
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/laiondb" ./cmd/laiondb
L=$WORK/laiondb
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; $SHARDS shards of $ROWS rows, ImageNet-like set of $IMAGENET per class"
for s in $(seq 0 $((SHARDS - 1))); do
  if [ "$s" = 0 ]; then im="--imagenet $IMAGENET"; else im=""; fi
  # shellcheck disable=SC2086
  "$L" gen --rows "$ROWS" --out "$WORK/shards" --shard "$s" $im >/dev/null
done
echo "generated: $(du -sh "$WORK/shards" | cut -f1) of shard files"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

mkdir -p "$WORK/one-out"
t0=$(now)
"$L" run --db "$WORK/one.db" --format jsonl --var shard="$WORK/shards" --var out="$WORK/one-out" examples/laionet.lq >"$WORK/one.jsonl" 2>"$WORK/one.err"
t1=$(now)
one=$(secs "$t0" "$t1")
# The one database goes before the tasks make theirs: at 4 × 1M rows each
# side is ~9 GB (plus ~9 GB of shard files).
onesize=$(du -sh "$WORK/one.db" | cut -f1)
rm -rf "$WORK/one.db"

t0=$(now)
"$L" slurm --wait --script examples/laionet.lq --out "$WORK/job" --sbatch-arg=--cpus-per-task=1 "$WORK/shards" >"$WORK/slurm.out"
t1=$(now)
slurm=$(secs "$t0" "$t1")

t0=$(now)
"$L" task --merge --out "$WORK/job" >/dev/null 2>"$WORK/merge.err"
t1=$(now)
merge=$(secs "$t0" "$t1")

printf "%-44s %10s\n" "run" "seconds"
printf "%-44s %10s\n" "one database (laiondb run, ingest included)" "$one"
printf "%-44s %10s\n" "slurm: $SHARDS task(s), 2 at a time, then merge" "$slurm"
printf "%-44s %10s\n" "  the merge alone (laiondb task --merge)" "$merge"
awk -v a="$one" -v b="$slurm" 'BEGIN { printf "slurm / one database: %.2fx the wall time\n", b / a }'
for log in "$WORK"/job/logs/task-*.out; do
  echo "$(grep -h 'shards' "$log" | head -n 1), $(grep -h 'finished in' "$log" | sed 's/^task [0-9]*: //')"
done
echo "merge job: $(grep -h 'merged' "$WORK/job/logs/merge.out")"
lrows=$(grep -h 'created set laionet:' "$WORK/one.err" | sed 's/.*created set laionet: \([0-9]*\) rows.*/\1/')
echo "LAIONet rows (what the merge handles): $lrows of $((ROWS * SHARDS))"
for p in "$WORK"/job/tasks/*/partial; do
  n=$(basename "$(dirname "$p")")
  echo "partial of task $n: $(du -sh "$p" | cut -f1) (states $(du -sh "$p/states" | cut -f1), exports $(du -sh "$p/exports" | cut -f1), files $(du -sh "$p/files" | cut -f1)); its database $(du -sh "$WORK/job/tasks/$n/db" | cut -f1)"
done
echo "one database: $onesize"
if cmp -s "$WORK/one.jsonl" "$WORK/job/result.jsonl"; then
  echo "result.jsonl: the same bytes as the one-database run ($(wc -l <"$WORK/one.jsonl") rows)"
else
  echo "result.jsonl: $(wc -l <"$WORK/job/result.jsonl") rows, one database $(wc -l <"$WORK/one.jsonl"); not byte-identical (floats summed in another order; cmd/laiondb's tests compare them to 1e-9)"
fi
echo "load average (1, 5, 15 min) before: $load0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
