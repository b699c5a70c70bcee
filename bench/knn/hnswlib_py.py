"""The python3-hnswlib row of the k-NN benchmark (Debian's SSE build).

Same parameters as the C++ driver: inner product, M, ef_construction,
build on --threads threads, search on one thread (all queries in one call
with num_threads=1, fastest of --runs passes), recall@k against gt.npy.
Prints JSON lines.
"""
import argparse
import json
import os
import resource
import time

import hnswlib
import numpy as np


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


p = argparse.ArgumentParser()
p.add_argument("--dir", required=True)
p.add_argument("--k", type=int, default=10)
p.add_argument("--m", type=int, default=16)
p.add_argument("--ef-construction", type=int, default=200)
p.add_argument("--ef", default="10,16,24,32,48,64,96,128,192,256,384,512")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()

base = np.load(os.path.join(a.dir, "base.npy")).astype(np.float32)
queries = np.load(os.path.join(a.dir, "queries.npy")).astype(np.float32)
gt = np.load(os.path.join(a.dir, "gt.npy"))[:, :a.k]
n, dim = base.shape
def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


r0 = rss()
c0 = cpu()
t0 = time.perf_counter()
idx = hnswlib.Index(space="ip", dim=dim)
idx.init_index(max_elements=n, ef_construction=a.ef_construction, M=a.m, random_seed=100)
idx.add_items(base, np.arange(n), num_threads=a.threads)
build = time.perf_counter() - t0
build_cpu = cpu() - c0
r1 = rss()
for ef in [int(x) for x in a.ef.split(",")]:
    idx.set_ef(ef)
    best = best_cpu = 0
    for _ in range(a.runs):
        c0 = resource.getrusage(resource.RUSAGE_THREAD)
        t0 = time.perf_counter()
        labels, _ = idx.knn_query(queries, k=a.k, num_threads=1)
        qs = time.perf_counter() - t0
        c1 = resource.getrusage(resource.RUSAGE_THREAD)
        cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        if len(queries) / qs > best:
            best, best_cpu = len(queries) / qs, (len(queries) / cpu if cpu > 0 else 0)
    hits = sum(len(set(labels[i]) & set(gt[i])) for i in range(len(queries)))
    print(json.dumps({
        "index": "hnswlib-py", "ef": ef, "k": a.k, "recall": hits / gt.size,
        "qps": best, "qps_cpu": best_cpu, "build_s": build, "build_vps": n / build, "build_cpu_s": build_cpu,
        "bytes_per_vector": (r1 - r0) / n, "threads": a.threads, "n": n, "dim": dim,
    }), flush=True)
