"""CLIP's text tower in PyTorch, for bench/clip.sh.

  torch_clip.py weights OUT.safetensors [--width 512 --layers 12 --embed 512]
      writes random weights of the real shapes (OpenAI's initialisation,
      seed 0) in OpenAI's tensor names, float32;
  torch_clip.py run WEIGHTS IDS.json OUT.npy RUNS THREADS
      times encode_text on the token ids IDS.json holds ([[77 ints], ...])
      batch-64 padded (what clip.encode_text is usually fed) and batch-1
      cut at each text's EOT (no padding work), on THREADS threads, best
      of RUNS each after a short warm-up; prints "torch<TAB>mode<TAB>
      texts/s<TAB>texts per CPU second" lines and writes the batch-1
      outputs.

The model is OpenAI's clip/model.py text path (nn.MultiheadAttention,
pre-LN residual blocks, QuickGELU, causal mask, pooling at argmax(ids),
@ text_projection); reading safetensors needs only numpy.
"""

import json
import struct
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
from torch import nn


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype="<f4")
        b = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", (name, t["dtype"])
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).copy())
    return out


def random_weights(width, layers, embed, vocab=49408, context=77, seed=0):
    # clip/model.py CLIP.initialize_parameters for the text tower.
    rng = np.random.default_rng(seed)
    normal = lambda std, *shape: rng.standard_normal(shape, dtype=np.float32) * np.float32(std)
    proj_std = width ** -0.5 * (2 * layers) ** -0.5
    attn_std, fc_std = width ** -0.5, (2 * width) ** -0.5
    t = OrderedDict()
    t["positional_embedding"] = normal(0.01, context, width)
    t["text_projection"] = normal(width ** -0.5, width, embed)
    t["token_embedding.weight"] = normal(0.02, vocab, width)
    for l in range(layers):
        p = "transformer.resblocks.%d." % l
        t[p + "attn.in_proj_weight"] = normal(attn_std, 3 * width, width)
        t[p + "attn.in_proj_bias"] = np.zeros(3 * width, np.float32)
        t[p + "attn.out_proj.weight"] = normal(proj_std, width, width)
        t[p + "attn.out_proj.bias"] = np.zeros(width, np.float32)
        t[p + "ln_1.weight"] = np.ones(width, np.float32)
        t[p + "ln_1.bias"] = np.zeros(width, np.float32)
        t[p + "mlp.c_fc.weight"] = normal(fc_std, 4 * width, width)
        t[p + "mlp.c_fc.bias"] = np.zeros(4 * width, np.float32)
        t[p + "mlp.c_proj.weight"] = normal(proj_std, width, 4 * width)
        t[p + "mlp.c_proj.bias"] = np.zeros(width, np.float32)
        t[p + "ln_2.weight"] = np.ones(width, np.float32)
        t[p + "ln_2.bias"] = np.zeros(width, np.float32)
    t["ln_final.weight"] = np.ones(width, np.float32)
    t["ln_final.bias"] = np.zeros(width, np.float32)
    return t


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_head)
        self.ln_1 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(d_model, d_model * 4)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(d_model * 4, d_model)),
        ]))
        self.ln_2 = nn.LayerNorm(d_model)

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class TextTower(nn.Module):
    def __init__(self, w):
        super().__init__()
        width = w["token_embedding.weight"].shape[1]
        layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("transformer.resblocks."))
        self.token_embedding = nn.Embedding(w["token_embedding.weight"].shape[0], width)
        self.positional_embedding = nn.Parameter(torch.empty(w["positional_embedding"].shape))
        self.resblocks = nn.ModuleList([ResidualAttentionBlock(width, width // 64) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.empty(w["text_projection"].shape))
        sd = {k.replace("transformer.", ""): v for k, v in w.items()}
        self.load_state_dict(sd)
        self.eval()

    def forward(self, ids):
        n = ids.shape[1]
        mask = torch.full((n, n), float("-inf")).triu_(1)
        x = self.token_embedding(ids) + self.positional_embedding[:n]
        x = x.permute(1, 0, 2)
        for b in self.resblocks:
            x = b(x, mask)
        x = self.ln_final(x.permute(1, 0, 2))
        return x[torch.arange(x.shape[0]), ids.argmax(dim=-1)] @ self.text_projection


def best_rate(f, warm, texts, runs):
    """texts per second of wall time and per CPU second (all threads), best
    of runs."""
    warm()
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        f()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return texts / best, texts / best_cpu


def main():
    if sys.argv[1] == "weights":
        args = dict(zip(sys.argv[3::2], sys.argv[4::2]))
        w = random_weights(int(args.get("--width", 512)), int(args.get("--layers", 12)), int(args.get("--embed", 512)))
        write_safetensors(sys.argv[2], w)
        return
    _, _, weights, ids_path, out_path, runs, threads = sys.argv
    torch.set_num_threads(int(threads))
    model = TextTower(read_safetensors(weights))
    ids = torch.tensor(json.load(open(ids_path)), dtype=torch.long)
    lens = (ids.argmax(dim=-1) + 1).tolist()
    out = torch.empty(ids.shape[0], model.text_projection.shape[1])

    def padded(n=ids.shape[0]):
        for s in range(0, n, 64):
            out[s:s + 64] = model(ids[s:min(s + 64, n)])

    def unpadded(n=ids.shape[0]):
        for i in range(n):
            out[i] = model(ids[i:i + 1, :lens[i]])[0]

    with torch.inference_mode():
        r, c = best_rate(padded, lambda: padded(64), ids.shape[0], int(runs))
        print("torch\tbatch-64 padded, %s threads\t%.1f\t%.1f" % (threads, r, c), flush=True)
        r, c = best_rate(unpadded, lambda: unpadded(16), ids.shape[0], int(runs))
        print("torch\tbatch-1 unpadded, %s threads\t%.1f\t%.1f" % (threads, r, c), flush=True)
    np.save(out_path, out.numpy())


main()
