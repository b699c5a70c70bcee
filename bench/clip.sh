#!/usr/bin/env bash
# CLIP text encoder benchmark (issue 12): a text tower of ViT-B/32's real
# shapes (width 512, 12 layers, 8 heads, 512-d; random weights, OpenAI's
# initialisation) encodes N LAION captions (engine/gen/assets), in laiondb
# and in PyTorch (Debian's python3-torch) on the same CPU, in the same run
# and on the same token ids. PyTorch counts with the better of batch-64
# padded to 77 tokens (how clip.encode_text is usually fed) and batch-1 cut
# at each text's EOT (no padding work), each on one thread and on every
# core. Prints texts/s of each (and texts per CPU second, steadier on a
# shared machine), the ratios, the load average around the run, and the
# largest difference between the two outputs.
#
#   bash bench/clip.sh            # N=128 RUNS=2 (best of RUNS after a warm-up)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-128}
RUNS=${RUNS:-2}
PY=/usr/bin/python3
if ! $PY -c 'import torch, numpy' 2>/dev/null; then
  echo "installing python3-torch" >&2
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/laiondb-bench-clip.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; PyTorch $($PY -c 'import torch; print(torch.__version__)') with BLAS $blas"
case "$blas" in
  */blas/libblas.so.3) echo "note: PyTorch uses the reference BLAS; install libopenblas0-pthread for the stronger baseline" ;;
esac

$PY bench/clip/torch_clip.py weights "$WORK/b32.safetensors"
go build -o "$WORK/clipbench" ./bench/clip
{
  "$WORK/clipbench" --weights "$WORK/b32.safetensors" --n "$N" --runs "$RUNS" --ids "$WORK/ids.json" --out "$WORK/laiondb.npy"
  # PyTorch on one thread and on every core (its OpenMP and OpenBLAS
  # threads alike), whichever is faster.
  for t in 1 $(nproc); do
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t $PY bench/clip/torch_clip.py run "$WORK/b32.safetensors" "$WORK/ids.json" "$WORK/torch.npy" "$RUNS" "$t"
  done
  $PY -c 'import sys, numpy as np; a, b = np.load(sys.argv[1]), np.load(sys.argv[2]); print("diff\tlargest |laiondb - torch|\t%.2g (values up to %.2g)" % (abs(a - b).max(), abs(b).max()))' "$WORK/laiondb.npy" "$WORK/torch.npy"
  echo "load	$(cut -d' ' -f1-3 /proc/loadavg)"
} | awk -F'\t' -v n="$N" -v load0="$(cut -d' ' -f1-3 /proc/loadavg)" '
  BEGIN { printf "%-8s %-34s %10s %12s\n", "who", "mode (" n " captions)", "texts/s", "texts/cpu-s" }
  $1 == "diff" { d = $2 ": " $3; next }
  $1 == "load" { load1 = $2; next }
  { printf "%-8s %-34s %10s %12s\n", $1, $2, $3, $4 }
  $1 == "laiondb" { l = $3; lc = $4 }
  $1 == "torch" && $3 > t { t = $3 }
  $1 == "torch" && $4 > tc { tc = $4 }
  END {
    if (t > 0) printf "laiondb / best torch: %.2fx texts/s, %.2fx texts per CPU second\n", l / t, lc / tc
    print d
    print "load average (1, 5, 15 min) before: " load0 ", after: " load1
  }'
