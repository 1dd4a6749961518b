#!/usr/bin/env bash
# Issue 11 must-show 2 (PPO, GRPO), the longer run: a byte-level gpt2-tiny pretrained here (300 steps) on generated
# sentences ("the red cat sits. ..."), then `cortado grpo` and `cortado ppo` (full fine-tuning) with the built-in
# length:6 reward, and grpo with contains:dog; each prints the held-out mean reward (12 prompts never trained on,
# 8 samples each, the same seeds before and after) before and after.
#   bench/compare/rl_toy_reward.sh [threads=2] [out=runs/rl-toy]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
threads=${1:-2}; out=${2:-runs/rl-toy}
mkdir -p "$out"
python3 - "$out" <<'PY'
import json, random, sys
out = sys.argv[1]
random.seed(0)
nouns = ["cat", "dog", "bird", "fish", "cow", "fox", "owl", "bee"]
verbs = ["runs", "sits", "eats", "sleeps", "jumps", "sings"]
adjs = ["red", "big", "old", "small", "happy", "blue"]
with open(f"{out}/corpus.jsonl", "w") as f:
    for _ in range(3000):
        s = " ".join(f"the {random.choice(adjs)} {random.choice(nouns)} {random.choice(verbs)}."
                     for _ in range(random.randint(1, 3)))
        f.write(json.dumps({"text": s}) + "\n")
ps = [{"prompt": f"the {a} {n}"} for a in adjs for n in nouns]
random.shuffle(ps)
open(f"{out}/prompts.jsonl", "w").write("".join(json.dumps(p) + "\n" for p in ps[:36]))
open(f"{out}/held.jsonl", "w").write("".join(json.dumps(p) + "\n" for p in ps[36:]))
PY
./cortado pretrain --model gpt2-tiny --data "$out/corpus.jsonl" --seq 64 --steps 300 --batch 8 --lr 3e-3 \
    --val-every 0 --out "$out/base" --threads "$threads" | tail -1
common=(--model "$out/base" --prompts "$out/prompts.jsonl" --val-prompts "$out/held.jsonl" --val-samples 8
    --method full --lr 5e-4 --threads "$threads")
./cortado grpo "${common[@]}" --reward length:6 --num-generations 8 --max-new-tokens 24 --batch 2 --steps 60 \
    --out "$out/grpo-length" | grep held-out
./cortado ppo "${common[@]}" --reward length:6 --response-length 24 --batch 8 --steps 30 --out "$out/ppo-length" \
    | grep held-out
./cortado grpo "${common[@]}" --reward contains:dog --num-generations 8 --max-new-tokens 24 --batch 2 --steps 60 \
    --out "$out/grpo-dog" | grep held-out
