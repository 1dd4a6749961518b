#!/usr/bin/env bash
# Peak resident memory of GPT-2 124M training as a user runs it: `./cortado pretrain` with no JAVA_OPTS (the
# launcher's own heap and collector choice) against PyTorch doing the same steps (train_step_torch.py), both under
# /usr/bin/time -v, alternating in one session. Prints each run's maximum RSS and the ratio of the medians.
#   bench/compare/pretrain_rss_vs_torch.sh [batch=4] [seq=64] [threads=2] [steps=4] [rounds=1] [python=/work/venv/bin/python]
# Cortado's side includes loading the data and writing the final checkpoint (model and AdamW moments).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
batch=${1:-4}; seq=${2:-64}; threads=${3:-2}; steps=${4:-4}; rounds=${5:-1}; py=${6:-/work/venv/bin/python}
[ -x /usr/bin/time ] || { echo "error: needs GNU time at /usr/bin/time" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Random GPT-2 token ids as a nanoGPT .bin (uint16), enough for every step.
"$py" - "$work/tokens.bin" $(( (steps + 2) * batch * (seq + 1) * 2 + 10000 )) <<'PY'
import sys, numpy as np
np.random.default_rng(1).integers(0, 50257, int(sys.argv[2]), dtype=np.uint16).tofile(sys.argv[1])
PY
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
out="$work/rows"
for r in $(seq "$rounds"); do
  env -u JAVA_OPTS /usr/bin/time -v -o "$work/c.time" ./cortado pretrain --model gpt2-124m --batch "$batch" \
      --seq "$seq" --steps "$steps" --val-every 0 --save-every 0 --threads "$threads" --data "$work/tokens.bin" \
      --out "$work/run" > "$work/c.log" 2>&1 || { cat "$work/c.log" >&2; exit 1; }
  echo "cortado $(rss "$work/c.time")" | tee -a "$out"
  OMP_NUM_THREADS=$threads /usr/bin/time -v -o "$work/t.time" "$py" bench/compare/train_step_torch.py \
      --threads "$threads" --batch "$batch" --seq "$seq" --steps "$steps" --warmup 0 > "$work/t.log"
  echo "pytorch $(rss "$work/t.time")" | tee -a "$out"
done
python3 - "$out" "$batch" "$seq" "$threads" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda e: statistics.median(int(k) for n, k in rows if n == e) / 1024
c, t = med("cortado"), med("pytorch")
print(f"GPT-2 124M B={sys.argv[2]} T={sys.argv[3]} threads={sys.argv[4]}: peak RSS MiB cortado {c:.0f}, pytorch {t:.0f},"
      f" ratio (cortado/pytorch) {c / t:.2f}")
PY
