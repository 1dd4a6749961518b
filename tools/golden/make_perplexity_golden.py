#!/usr/bin/env python3
"""Golden perplexities for `cortado perplexity`: transformers' sliding-window recipe from its guide "Perplexity of
fixed-length models" (docs/source/en/perplexity.md), run as the guide writes it on the tiny golden GPT-2 and Llama
(tests/src/test/resources/golden/{gpt2,llama}/) over the tokens of their <model>_train.bin files, for several window
lengths and strides (no overlap, overlap, a stride that leaves a short last window). A window one token past the
previous one (e.g. max_length = stride = 32 on these 513 tokens) makes the guide's loss NaN (0 tokens scored, weight 0),
so no case has one; Cortado adds nothing for such a window.

    /work/venv/bin/python tools/golden/make_perplexity_golden.py --golden tests/src/test/resources/golden

writes GOLDEN/perplexity_golden.json (about 1 KB): one object per case with model, data, seq (max_length), stride,
perplexity, tokens (the guide's n_tokens) and nll (its avg_nll).
"""
import argparse
import json
import os

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

CASES = {"gpt2": [(24, 24), (32, 16), (32, 7), (20, 9)], "llama": [(64, 24), (16, 5)]}


def guide_perplexity(model, input_ids, max_length, stride):
    """The guide's loop, batch of one (comments mark where it is quoted step for step)."""
    seq_len = input_ids.size(1)
    nll_sum = 0.0
    n_tokens = 0
    prev_end_loc = 0
    for begin_loc in range(0, seq_len, stride):
        end_loc = min(begin_loc + max_length, seq_len)
        trg_len = end_loc - prev_end_loc  # may be different from stride on last loop
        ids = input_ids[:, begin_loc:end_loc]
        target_ids = ids.clone()
        target_ids[:, :-trg_len] = -100
        with torch.no_grad():
            outputs = model(ids, labels=target_ids)
            neg_log_likelihood = outputs.loss
        num_valid_tokens = (target_ids != -100).sum().item()
        batch_size = target_ids.size(0)
        num_loss_tokens = num_valid_tokens - batch_size  # the guide: "subtract batch_size due to internal label shift"
        nll_sum += neg_log_likelihood * num_loss_tokens
        n_tokens += num_loss_tokens
        prev_end_loc = end_loc
        if end_loc == seq_len:
            break
    avg_nll = nll_sum / n_tokens
    return torch.exp(avg_nll).item(), n_tokens, float(avg_nll)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    out = []
    for name, cases in CASES.items():
        model = AutoModelForCausalLM.from_pretrained(os.path.join(args.golden, name), dtype=torch.float32,
                                                     attn_implementation="eager")
        model.eval()
        tokens = load_file(os.path.join(args.golden, f"{name}_train.safetensors"))["tokens"].long().unsqueeze(0)
        for max_length, stride in cases:
            ppl, n, nll = guide_perplexity(model, tokens, max_length, stride)
            out.append({"model": name, "data": f"{name}_train.bin", "seq": max_length, "stride": stride,
                        "perplexity": ppl, "tokens": n, "nll": nll})
    path = os.path.join(args.golden, "perplexity_golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path}: {len(out)} cases")


if __name__ == "__main__":
    main()
