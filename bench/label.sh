#!/usr/bin/env bash
# Labelling benchmark (issue 3): a generated shard of ROWS rows (default
# 1,000,000) labelled with all 1000 synsets (paper rule, unique match) from
# the caption index, next to a plain single pass over the same captions.
#
#   bash bench/label.sh            # ROWS=1000000 RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-label.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
go build -o "$WORK/laiondb" ./cmd/laiondb
"$WORK/laiondb" gen --rows "$ROWS" --out "$WORK/shard" --seed 1 >/dev/null
"$WORK/laiondb" ingest --db "$WORK/db" "$WORK/shard" >/dev/null
go run ./bench/label --db "$WORK/db" --runs "$RUNS"
