"""The study's computations in numpy, on the vectors bench/study wrote:
(b) per-class mean pairwise similarity, the paper's way (embs @ embs.T per
class) and with the sum identity; (c) the per-class comparison (mean, std,
95% interval, verdict) on <=100 LAIONet images per class vs ImageNet.
Times exclude loading the npy files (the vectors are already in memory)."""
import sys, time
import numpy as np

d = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def load(name):
    lab = np.load(f"{d}/{name}_labels.npy").reshape(-1).astype(np.int64)
    v = np.load(f"{d}/{name}_img.npy").astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return lab, v


def groups(lab, v):
    order = np.argsort(lab, kind="stable")
    lab, v = lab[order], v[order]
    cls, start = np.unique(lab, return_index=True)
    end = np.append(start[1:], len(lab))
    return cls, start, end, v


def identity_means(lab, v):
    cls, start, end, v = groups(lab, v)
    sums = np.add.reduceat(v, start, axis=0)
    n = (end - start).astype(np.float64)
    sq = np.einsum("ij,ij->i", sums.astype(np.float64), sums.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cls, (sq - n) / (n * (n - 1))


def pairwise_stats(v):
    s = v @ v.T
    n = len(v)
    iu = np.triu_indices(n, 1)
    p = s[iu]
    return n, p.mean(), p.std(), len(p)


def paper_means(lab, v):
    cls, start, end, v = groups(lab, v)
    out = []
    for c, a, b in zip(cls, start, end):
        if b - a >= 2:
            out.append((c, pairwise_stats(v[a:b])[1]))
    return out


def compare(la, va, lb, vb, min_pairs=7):
    ca, sa, ea, va = groups(la, va)
    cb, sb, eb, vb = groups(lb, vb)
    ib = {c: (s, e) for c, s, e in zip(cb, sb, eb)}
    counts = {"lower": 0, "higher": 0, "neither": 0}
    for c, s, e in zip(ca, sa, ea):
        if c not in ib:
            continue
        s2, e2 = ib[c]
        na, ma, sda, pa = pairwise_stats(va[s:e]) if e - s >= 2 else (0, 0, 0, 0)
        nb, mb, sdb, pb = pairwise_stats(vb[s2:e2]) if e2 - s2 >= 2 else (0, 0, 0, 0)
        if pa < min_pairs or pb < min_pairs:
            continue
        ha = 1.96 * sda / np.sqrt(pa - 1)
        hb = 1.96 * sdb / np.sqrt(pb - 1)
        dd, h = ma - mb, np.sqrt(ha * ha + hb * hb)
        counts["lower" if dd + h < 0 else "higher" if dd - h > 0 else "neither"] += 1
    return counts


def best(f, *a):
    ts, r = [], None
    for _ in range(runs):
        t = time.perf_counter()
        r = f(*a)
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2], r


ln, vn = load("laionet")
l100, v100 = load("laionet100")
li, vi = load("imagenet")
t, _ = best(identity_means, ln, vn)
print(f"numpy\t(b) intraclass per class, sum identity\t{t:.4f}\t{len(np.unique(ln))} classes, {len(ln)} rows")
t, _ = best(paper_means, ln, vn)
print(f"numpy\t(b) intraclass per class, embs @ embs.T\t{t:.4f}\t")
t, counts = best(compare, l100, v100, li, vi)
print(f"numpy\t(c) compare, <=100 per class\t{t:.4f}\t{counts}")
