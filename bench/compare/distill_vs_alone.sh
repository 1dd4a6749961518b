#!/usr/bin/env bash
# Issue 11 must-show 2 (distillation), the longer run: a byte-level GPT-2 teacher (2 layers, 64 wide) pretrained here
# for 400 steps of 16 x 32 on the demo corpus's first 200 KB, then gpt2-tiny students (2 layers, 32 wide) for 600
# steps of 8 x 32 on the same data and seed: alone (pretrain), distilled at T 1 and at T 2 (alpha 0.5). Each prints
# the held-out cross-entropy on the corpus's last 6 KB, which neither teacher nor students train on.
#   bench/compare/distill_vs_alone.sh [threads=2] [out=runs/distill-vs-alone]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; out=${2:-runs/distill-vs-alone}
mkdir -p "$out"
corpus=cli/src/main/resources/cortado/demo/corpus.txt
head -c 200000 "$corpus" > "$out/train.txt"
tail -c 6000 "$corpus" > "$out/val.txt"
data=(--data "$out/train.txt" --val-data "$out/val.txt" --seq 32 --val-batches 16 --lr 3e-3 --save-every 0
      --threads "$threads")
./cortado pretrain --model gpt2-tiny --config n_embd=64,n_head=4 "${data[@]}" --steps 400 --batch 16 --warmup 10 \
    --val-every 100 --out "$out/teacher" | tail -2 | head -1
student=("${data[@]}" --steps 600 --batch 8 --warmup 10 --val-every 200)
echo "alone:    $(./cortado pretrain --model gpt2-tiny "${student[@]}" --out "$out/alone" | grep '^done')"
for t in 1 2; do
  echo "T=$t:      $(./cortado distill --teacher "$out/teacher" --student gpt2-tiny --alpha 0.5 --temperature $t \
      "${student[@]}" --out "$out/distill-t$t" | grep '^done')"
done
