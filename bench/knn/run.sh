#!/usr/bin/env bash
# k-NN benchmark: laiondb's HNSW against hnswlib on CLIP-like data.
#
# Generates KNN_N (100,000) base and KNN_NQ (1,000) query vectors, 512-d,
# clustered around the real CLIP class vectors in testdata/ (see gen.py),
# with numpy ground truth; then, one after another so that they do not
# share the two cores, runs bench/knn (`laiondb bench knn` plus the
# coder/hnsw row: laiondb, coder/hnsw and exact rows), hnswlib built for
# this CPU by the C++ driver here, and Debian's python3-hnswlib; and
# prints a side-by-side table with the
# target ratios. Data goes to a temporary directory (KNN_WORK to choose),
# removed at the end unless KNN_KEEP=1.
#
# KNN_KIND=lowrank generates the low-rank CLIP-like set instead (gen.py
# --kind lowrank); KNN_INDEXES chooses the rows of `laiondb bench knn`
# (default laiondb,coder-hnsw,exact); KNN_PY=0 skips python3-hnswlib.
# bench/knn/lowrank.sh runs the 1M-vector low-rank comparison.
#
# usage: bench/knn/run.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/../.."

N=${KNN_N:-100000}
NQ=${KNN_NQ:-1000}
K=${KNN_K:-10}
M=${KNN_M:-16}
EFC=${KNN_EFC:-200}
THREADS=${KNN_THREADS:-2}
EF=${KNN_EF:-10,16,24,32,48,64,96,128,192,256,384,512}
RUNS=${KNN_RUNS:-3}
KIND=${KNN_KIND:-clustered}
INDEXES=${KNN_INDEXES:-laiondb,coder-hnsw,exact}
PY=/usr/bin/python3

missing=()
$PY -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
$PY -c 'import hnswlib' 2>/dev/null || missing+=(python3-hnswlib)
[ -f /usr/include/hnswlib/hnswlib.h ] || missing+=(libhnswlib-dev)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}" >&2
	apt-get update -qq && apt-get install -y -qq "${missing[@]}" >&2
fi

WORK=${KNN_WORK:-$(mktemp -d /tmp/laiondb-knn.XXXXXX)}
mkdir -p "$WORK"
if [ "${KNN_KEEP:-0}" != 1 ] && [ -z "${KNN_WORK:-}" ]; then
	trap 'rm -rf "$WORK"' EXIT
fi
echo "work directory: $WORK" >&2

if [ ! -f "$WORK/gt.npy" ]; then
	$PY bench/knn/gen.py --out "$WORK" --n "$N" --nq "$NQ" --kind "$KIND" >&2
fi

g++ -O3 -march=native -std=c++17 -pthread -o "$WORK/hnswlib_bench" bench/knn/cpp/hnswlib_bench.cpp
# `laiondb bench knn` with the coder/hnsw row, which the shipped binary
# does not link.
go build -o "$WORK/knnbench" ./bench/knn
KNN=("$WORK/knnbench")

echo "running laiondb bench knn ..." >&2
"${KNN[@]}" --base "$WORK/base.npy" --queries "$WORK/queries.npy" --gt "$WORK/gt.npy" \
	--k "$K" --m "$M" --ef-construction "$EFC" --ef "$EF" --threads "$THREADS" --runs "$RUNS" --format jsonl \
	--indexes "$INDEXES" \
	>"$WORK/laiondb.jsonl"
echo "running hnswlib (native) ..." >&2
"$WORK/hnswlib_bench" "$WORK" "$K" "$M" "$EFC" "$THREADS" "$EF" "$RUNS" >"$WORK/hnswlib.jsonl"
: >"$WORK/hnswlib_py.jsonl"
if [ "${KNN_PY:-1}" != 0 ]; then
	echo "running python3-hnswlib ..." >&2
	$PY bench/knn/hnswlib_py.py --dir "$WORK" --k "$K" --m "$M" --ef-construction "$EFC" \
		--ef "$EF" --threads "$THREADS" --runs "$RUNS" >"$WORK/hnswlib_py.jsonl"
fi

$PY bench/knn/report.py "$WORK"/laiondb.jsonl "$WORK"/hnswlib.jsonl "$WORK"/hnswlib_py.jsonl
