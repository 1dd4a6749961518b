#!/usr/bin/env python3
"""Greedy generation goldens: transformers' generate() on the tiny random GPT-2 and Llama of make_golden.py and on the
Llama-family models of make_family_golden.py (families/: mistral with sliding_window 6, qwen2 with q/k/v biases, qwen3
with q_norm/k_norm, and rope_scaling linear, dynamic, llama3 and yarn).

For each model directory this runs model.generate(do_sample=False) in float32 on CPU with eager attention for:

  single    one prompt, max_new_tokens new tokens
  batch     prompts of different lengths, left-padded (pad id 0, attention_mask 0 on the padding), as generate()
            expects for decoder-only models; transformers derives position_ids from the mask
  eos_list  the same batch with eos_token_id a list (a token row 1 emits early, plus the config's eos), so rows stop
            on their own; generate pads stopped rows with pad_token_id, which the golden strips

Every case is generated with use_cache=True and use_cache=False; the script asserts they agree before writing, except
under dynamic NTK scaling past max_position_embeddings (llama_dynamic: 16 positions, prompts of 9 + 20 new tokens),
where transformers' two paths differ by design: cached decoding rotates each new key with the frequencies of its own
step and keeps the older keys as they were, while an uncached pass re-rotates every position with the frequencies of
the current length. There the golden holds both ("completions" cached, "uncached_completions"). The rotary module
keeps that state between calls, so every generate() call starts from a freshly loaded model.
Output (JSON, a few KB): generation/greedy_<model>.json with {"cases": [{"name", "prompts", "eos_token_id",
"max_new_tokens", "completions": [[new token ids, up to and including an eos]]}]}.

    /work/venv/bin/python tools/golden/make_generation_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os

import torch
from transformers import AutoModelForCausalLM

PAD = 0


def generate(model, prompts, max_new, eos, use_cache):
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), PAD, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, width - len(p):] = torch.tensor(p)
        mask[b, width - len(p):] = 1
    res = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max_new, do_sample=False,
                         eos_token_id=eos, pad_token_id=PAD, use_cache=use_cache, output_logits=True,
                         return_dict_in_generate=True)
    out = res.sequences
    eos_set = set(eos if isinstance(eos, list) else [eos])
    completions = []
    for b in range(len(prompts)):
        row = out[b, width:].tolist()
        for i, t in enumerate(row):  # generate() keeps writing pad_token_id after a row's eos
            if t in eos_set:
                row = row[:i + 1]
                break
        # No near-tie: an argmax that a last-ulp difference could flip would make the golden fragile.
        for i in range(len(row)):
            top2 = torch.topk(res.logits[i][b], 2).values
            assert top2[0] - top2[1] > 1e-4, f"near-tie at row {b} step {i}: {top2.tolist()}"
        completions.append(row)
    return completions


def run(model, name, prompts, max_new, eos):
    cached = generate(model(), prompts, max_new, eos, True)
    uncached = generate(model(), prompts, max_new, eos, False)
    case = {"name": name, "prompts": prompts, "eos_token_id": eos, "max_new_tokens": max_new, "completions": cached}
    if dynamic_rope(model()):
        assert cached != uncached, f"{name}: dynamic scaling should make cached and uncached differ here"
        case["uncached_completions"] = uncached
    else:
        assert cached == uncached, f"{name}: cached {cached} != uncached {uncached}"
    return case


def dynamic_rope(model):
    rope = getattr(model.config, "rope_parameters", None) or getattr(model.config, "rope_scaling", None) or {}
    return rope.get("rope_type") == "dynamic"


# (directory under --golden, golden name, new tokens)
MODELS = [("gpt2", "gpt2", 14), ("llama", "llama", 20)] + [
    (f"families/{n}", n, 20) for n in ("mistral_window", "qwen2", "qwen3", "llama_linear", "llama_dynamic",
                                       "llama_llama3", "llama_yarn")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--golden", default="tests/src/test/resources/golden")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(os.path.join(args.golden, "generation"), exist_ok=True)
    for path, model_name, max_new in MODELS:
        def model(path=path):
            return AutoModelForCausalLM.from_pretrained(os.path.join(args.golden, path), attn_implementation="eager",
                                                        dtype=torch.float32).eval()
        config = model().config
        eos = config.eos_token_id if config.eos_token_id is not None else 2  # qwen2/3 tiny configs name none
        gen = torch.Generator().manual_seed(99)
        vocab = config.vocab_size
        lengths = (9, 3, 6, 1)
        prompts = [torch.randint(3, vocab - 1, (n,), generator=gen).tolist() for n in lengths]
        cases = [run(model, "single", prompts[:1], max_new, eos), run(model, "batch", prompts, max_new, eos)]
        early = cases[1]["completions"][1][3]  # a token row 1 emits as its 4th: the list stops it there
        cases.append(run(model, "eos_list", prompts, max_new, [early, eos]))
        doc = {"generator": "tools/golden/make_generation_golden.py", "model": model_name,
               "transformers": __import__("transformers").__version__, "pad_token_id": PAD, "cases": cases}
        with open(os.path.join(args.golden, "generation", f"greedy_{model_name}.json"), "w") as f:
            json.dump(doc, f)
        for c in cases:
            print(model_name, c["name"], [len(x) for x in c["completions"]], c["completions"][0][:8])


if __name__ == "__main__":
    main()
