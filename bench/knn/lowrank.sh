#!/usr/bin/env bash
# kNN on 1M low-rank CLIP-like vectors (512-d, unit norm, most variance in
# ~50 directions; bench/knn/gen.py --kind lowrank, fixed seed): recall@10
# and single-thread QPS of laiondb's HNSW next to hnswlib compiled here
# with g++ -O3 -march=native, in the same run, and their ratio.
#
# Takes about half an hour on 2 cores (two 1M builds). coder/hnsw, the
# exact scan and python3-hnswlib are left out at this size (set
# KNN_INDEXES / KNN_PY to add them back). Every KNN_* variable of run.sh
# applies; KNN_N sets the size.
#
# usage: bench/knn/lowrank.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export KNN_KIND=lowrank
export KNN_N=${KNN_N:-1000000}
export KNN_INDEXES=${KNN_INDEXES:-laiondb}
export KNN_PY=${KNN_PY:-0}
export KNN_EF=${KNN_EF:-16,32,48,64,96,128,192,256}
exec bench/knn/run.sh
