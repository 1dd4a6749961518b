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

import sys

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from cortado_reference import guide_perplexity  # noqa: E402  (the guide's loop, shared with the interop check)

CASES = {"gpt2": [(24, 24), (32, 16), (32, 7), (20, 9)], "llama": [(64, 24), (16, 5)]}


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
