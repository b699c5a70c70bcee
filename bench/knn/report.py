"""Print the k-NN benchmark's side-by-side table and the target ratios
from the JSON lines of laiondb, hnswlib (native), hnswlib-py, coder-hnsw
and exact."""
import json
import sys

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        rows += [json.loads(l) for l in f if l.strip().startswith("{")]
order = ["laiondb", "hnswlib", "hnswlib-py", "coder-hnsw", "exact"]
by = {name: sorted([r for r in rows if r["index"] == name], key=lambda r: r["ef"]) for name in order}
names = [n for n in order if by[n] and n != "exact"]
efs = sorted({r["ef"] for n in names for r in by[n]})

print("recall@%d / single-thread QPS per ef (n=%d, dim=%d)" % (rows[0]["k"], rows[0]["n"], rows[0]["dim"]))
print("%6s" % "ef" + "".join("  %22s" % n for n in names))
for ef in efs:
    line = "%6d" % ef
    for n in names:
        r = next((r for r in by[n] if r["ef"] == ef), None)
        line += "  %22s" % ("%.4f %9.0f" % (r["recall"], r["qps"]) if r else "-")
    print(line)
for r in by["exact"]:
    print("exact scan: recall %.4f, %.0f QPS single thread" % (r["recall"], r["qps"]))


def qps_at(name, target=0.95, key="qps"):
    """QPS at recall = target, interpolated linearly between the two ef
    points around it (None when never reached)."""
    pts = by[name]
    prev = None
    for r in pts:
        if r["recall"] >= target:
            if not r.get(key):
                return None, None
            if prev is None or prev["recall"] >= target:
                return r[key], r["ef"]
            f = (target - prev["recall"]) / (r["recall"] - prev["recall"])
            return prev[key] + f * (r[key] - prev[key]), r["ef"]
        prev = r
    return None, None


print()
print("%-12s %14s %8s %16s %14s %16s %10s %8s" % ("index", "QPS@R=0.95", "(ef)", "QPS/CPU-s@0.95", "build vec/s", "vec/CPU-second", "bytes/vec", "threads"))
summary = {}
for n in names:
    q, ef = qps_at(n)
    r = by[n][0]
    qc, _ = qps_at(n, key="qps_cpu")
    cpu = r["n"] / r["build_cpu_s"] if r.get("build_cpu_s") else 0
    summary[n] = (q, r["build_vps"], r["bytes_per_vector"], cpu, qc)
    print("%-12s %14s %8s %16s %14.0f %16.0f %10.0f %8d" % (n, "%.0f" % q if q else "never", ef or "-", "%.0f" % qc if qc else "-", r["build_vps"], cpu, r["bytes_per_vector"], r["threads"]))

if "laiondb" in summary and "hnswlib" in summary:
    (lq, lb, lm, lc, lqc), (hq, hb, hm, hc, hqc) = summary["laiondb"], summary["hnswlib"]
    print()
    print("targets (laiondb / hnswlib -march=native):")
    if lq and hq:
        print("  QPS at recall 0.95:   %.2fx  (target >= 1.00) %s" % (lq / hq, "met" if lq >= hq else "NOT met"))
    if lqc and hqc:
        print("  QPS per CPU-second:   %.2fx  (context: the same with CPU stolen by other processes factored out)" % (lqc / hqc))
    print("  build vectors/s:      %.2fx  (target >= 0.80) %s" % (lb / hb, "met" if lb >= 0.8 * hb else "NOT met"))
    if lc and hc:
        print("  build vectors/CPU-s:  %.2fx  (context: the same ratio with other load on the machine factored out)" % (lc / hc))
    print("  resident bytes/vec:   %.2fx  (target <= 1.00) %s" % (lm / hm, "met" if lm <= hm else "NOT met"))
