"""Generate the k-NN benchmark set: CLIP-like clustered unit vectors.

Base and query vectors are drawn around the real CLIP ViT-B/32 text
embeddings of the 1000 ImageNet classes (testdata/, shape (512, 1000),
columns are classes): a class is picked with Zipf probabilities
(p ~ 1/rank, ranks in a random order), and the vector is
0.78 * centre + 0.626 * (random direction orthogonal to the centre),
so its cosine to the class centre is 0.78, then rounded to float16 as
LAION ships embeddings. Ground truth is the exact top 100 by inner
product over the float16 values, computed with numpy in float32.

With --kind lowrank the set is instead low-rank CLIP-like, as real CLIP
embeddings are (most of their variance lies in a few dozen directions):
a shared mean direction (CLIP vectors of one modality have a common
component, pairwise cosine ~0.5), plus a 50-dimensional part with a
decaying spectrum (s_i ~ 1/sqrt(i+1)) drawn as a mixture of 1000 Zipf-sized
clusters inside that subspace, plus a little isotropic noise over all 512
dimensions; unit norm, float16. The seed alone fixes every byte.

Writes base.npy (<f2), queries.npy (<f2) and gt.npy (<i8) into --out.
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--out", required=True)
p.add_argument("--n", type=int, default=100_000)
p.add_argument("--nq", type=int, default=1000)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--centres", default="testdata/clip-vit-b32-imagenet-zeroshot.npy")
p.add_argument("--kind", choices=["clustered", "lowrank"], default="clustered")
p.add_argument("--rank", type=int, default=50)
a = p.parse_args()

rng = np.random.default_rng(a.seed)
centres = np.load(a.centres).astype(np.float32).T  # (1000, 512)
centres /= np.linalg.norm(centres, axis=1, keepdims=True)
ncls, dim = centres.shape
prob = 1.0 / np.arange(1, ncls + 1)
prob /= prob.sum()
order = rng.permutation(ncls)
COS = 0.78


def draw(n):
    cls = order[rng.choice(ncls, size=n, p=prob)]
    c = centres[cls]
    noise = rng.standard_normal((n, dim)).astype(np.float32)
    noise -= (noise * c).sum(axis=1, keepdims=True) * c
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    x = COS * c + np.sqrt(1 - COS * COS) * noise
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float16)


RANK, MEAN, NOISE = a.rank, 0.6, 0.3
basis, _ = np.linalg.qr(rng.standard_normal((dim, RANK)))  # (512, RANK) orthonormal
basis = basis.T.astype(np.float32)  # (RANK, 512)
spectrum = (1.0 / np.sqrt(np.arange(1, RANK + 1))).astype(np.float32)
mean = rng.standard_normal(dim).astype(np.float32)
mean /= np.linalg.norm(mean)
lr_centres = rng.standard_normal((ncls, RANK)).astype(np.float32) * spectrum


def draw_lowrank(n):
    """Low-rank CLIP-like unit vectors, drawn in chunks to bound memory."""
    out = np.empty((n, dim), dtype=np.float16)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        cls = order[rng.choice(ncls, size=m, p=prob)]
        z = lr_centres[cls] + 0.7 * rng.standard_normal((m, RANK)).astype(np.float32) * spectrum
        low = z @ basis
        low /= np.linalg.norm(low, axis=1, keepdims=True)
        iso = rng.standard_normal((m, dim)).astype(np.float32)
        iso /= np.linalg.norm(iso, axis=1, keepdims=True)
        x = MEAN * mean + np.sqrt(1 - MEAN * MEAN - NOISE * NOISE) * low + NOISE * iso
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[s:s + m] = x.astype(np.float16)
    return out


if a.kind == "lowrank":
    draw = draw_lowrank  # noqa: F811
base = draw(a.n)
queries = draw(a.nq)
b32, q32 = base.astype(np.float32), queries.astype(np.float32)
k = 100
gt = np.empty((a.nq, k), dtype=np.int64)
for s in range(0, a.nq, 100):
    sc = q32[s:s + 100] @ b32.T
    part = np.argpartition(-sc, k, axis=1)[:, :k]
    ps = np.take_along_axis(sc, part, axis=1)
    gt[s:s + 100] = np.take_along_axis(part, np.argsort(-ps, axis=1, kind="stable"), axis=1)
if a.kind == "lowrank":
    # how low-rank the set is: the share of variance in the top directions
    sample = b32[:20000] - b32[:20000].mean(axis=0)
    ev = np.linalg.svd(sample, compute_uv=False) ** 2
    print("variance in the top %d directions: %.2f; mean pairwise cosine %.2f" % (
        RANK, ev[:RANK].sum() / ev.sum(), float((b32[:2000] @ b32[:2000].T).mean())))
os.makedirs(a.out, exist_ok=True)
np.save(os.path.join(a.out, "base.npy"), base)
np.save(os.path.join(a.out, "queries.npy"), queries)
np.save(os.path.join(a.out, "gt.npy"), gt)
print(f"wrote {a.n} base and {a.nq} query vectors of dim {dim} to {a.out}")
