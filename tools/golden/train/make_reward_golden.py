#!/usr/bin/env python3
"""Golden reward-model outputs, loss, metrics and gradients for cortado's DecoderForSequenceClassification and
cortado.train.align.RewardLoss: transformers' GPT2ForSequenceClassification (num_labels=1) on the tiny golden GPT-2
(tests/src/test/resources/golden/gpt2, its score head initialised from seed 0) and TRL 1.13's own
RewardTrainer.compute_loss on it, called with a stand-in for the trainer's state (the fields compute_loss reads).

The batch is TRL's layout: N chosen rows then N rejected rows, right-padded with pad_token_id 0 (the other ids are
drawn from 1..V-1 after seed 2, so the pooled position is each row's last real token). Two cases: "plain" (no margin, no
centering) and "margin" (a margin per pair and center_rewards_coefficient 0.01).

    /work/venvs/prefs/bin/python tools/golden/train/make_reward_golden.py --golden tests/src/test/resources/golden

Writes GOLDEN/reward_golden.safetensors: input_ids, attention_mask, margin, score.weight, rewards (the [2N, 1]
logits), and per case <case>.loss, <case>.grad_score, <case>.grad_wte, <case>.grad_h0_attn; the metadata holds
pad_token_id, center (the margin case's coefficient) and <case>.metrics (TRL's min_reward, mean_reward,
max_reward, accuracy, margin as JSON).
"""
import argparse
import json
import os
from collections import defaultdict
from types import SimpleNamespace

import torch
import trl
from safetensors.torch import save_file
from transformers import GPT2ForSequenceClassification
from trl import RewardTrainer

assert trl.__version__ == "1.13.0", trl.__version__
N, T, V, PAD, CENTER = 3, 10, 96, 0, 0.01


class Accel:
    def gather(self, x):
        return x

    gather_for_metrics = gather


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = GPT2ForSequenceClassification.from_pretrained(os.path.join(args.golden, "gpt2"), num_labels=1,
                                                          pad_token_id=PAD, dtype=torch.float32,
                                                          attn_implementation="eager")
    model.eval()
    torch.manual_seed(2)
    ids = torch.randint(1, V, (2 * N, T))
    for r, length in enumerate([7, 10, 4, 9, 6, 5]):   # chosen rows 0..N-1, rejected N..2N-1
        ids[r, length:] = PAD
    attn = (ids != PAD).long()
    margin = torch.tensor([0.5, -0.25, 1.0])
    out = {"input_ids": ids, "attention_mask": attn, "margin": margin,
           "score.weight": model.score.weight.detach().clone()}
    with torch.no_grad():
        out["rewards"] = model(input_ids=ids, attention_mask=attn).logits
    meta = {"N": str(N), "T": str(T), "pad_token_id": str(PAD), "center": str(CENTER)}
    for case in ("plain", "margin"):
        model.zero_grad()
        state = SimpleNamespace(model=model, accelerator=Accel(), _total_train_tokens=0, _tp_size=1,
                                _metrics={"train": defaultdict(list), "eval": defaultdict(list)},
                                args=SimpleNamespace(center_rewards_coefficient=CENTER if case == "margin" else None))
        inputs = {"input_ids": ids, "attention_mask": attn}
        if case == "margin":
            inputs["margin"] = margin
        loss = RewardTrainer.compute_loss(state, model, inputs)
        loss.backward()
        out[f"{case}.loss"] = loss.detach().reshape(1)
        out[f"{case}.grad_score"] = model.score.weight.grad.clone()
        out[f"{case}.grad_wte"] = model.transformer.wte.weight.grad.clone()
        out[f"{case}.grad_h0_attn"] = model.transformer.h[0].attn.c_attn.weight.grad.clone()
        m = state._metrics["eval"]
        meta[f"{case}.metrics"] = json.dumps({k: m[k][0] for k in ("min_reward", "mean_reward", "max_reward",
                                                                     "accuracy", "margin")})
        print(case, float(loss), meta[f"{case}.metrics"])
    path = os.path.join(args.golden, "reward_golden.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=meta)
    print("wrote", path)


if __name__ == "__main__":
    main()
