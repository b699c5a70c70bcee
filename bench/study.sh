#!/usr/bin/env bash
# Study benchmark (issue 6): on a generated LAION shard of ROWS rows
# (default 1,000,000) and an ImageNet-like set of PER images per class
# (default 100), time (a) the LAIONet-building statement, (b) intraclass
# for every class, (c) COMPARE INTRACLASS with 100 samples per class, and
# the same computations in numpy (Debian's python3-numpy) on the same
# vectors, in the same run.
#
#   bash bench/study.sh            # ROWS=1000000 PER=100 RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
PER=${PER:-100}
RUNS=${RUNS:-3}
PY=/usr/bin/python3
if ! $PY -c 'import numpy' 2>/dev/null; then
  echo "installing python3-numpy" >&2
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >/dev/null
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-study.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

go build -o "$WORK/laiondb" ./cmd/laiondb
"$WORK/laiondb" gen --rows "$ROWS" --imagenet "$PER" --out "$WORK/shard" --seed 1 >/dev/null
"$WORK/laiondb" ingest --db "$WORK/db" "$WORK/shard" >/dev/null
"$WORK/laiondb" ingest --db "$WORK/db" --table imagenet "$WORK/shard/imagenet" >/dev/null
mkdir -p "$WORK/npy"
{
  go run ./bench/study --db "$WORK/db" --shard "$WORK/shard" --out "$WORK/npy" --runs "$RUNS"
  $PY bench/study/numpy_study.py "$WORK/npy" "$RUNS"
} | awk -F'\t' 'BEGIN { printf "%-8s %-44s %10s  %s\n", "who", "step (median of runs)", "seconds", "result" }
                { printf "%-8s %-44s %10s  %s\n", $1, $2, $3, $4; t[$1 FS $2] = $3 }
                END {
                  lb = t["laiondb" FS "(b) intraclass per class"]; lc = t["laiondb" FS "(c) COMPARE INTRACLASS, <=100 per class"]
                  if (lb > 0) printf "(b) numpy sum identity / laiondb: %.2fx; numpy embs @ embs.T / laiondb: %.2fx\n", t["numpy" FS "(b) intraclass per class, sum identity"] / lb, t["numpy" FS "(b) intraclass per class, embs @ embs.T"] / lb
                  if (lc > 0) printf "(c) numpy / laiondb: %.2fx\n", t["numpy" FS "(c) compare, <=100 per class"] / lc
                }'
