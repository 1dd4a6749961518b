#!/usr/bin/env python3
"""Golden scores for Cortado's logits processors, written by transformers' own processors (transformers 5.x).

Fixed float32 logits [B=3, V=40] and past ids per row (a prompt of PROMPT_LEN tokens, then generated ones) go
through each case's chain of transformers processors (LogitsProcessorList, in the order GenerationMixin builds it:
sequence bias, repetition penalty, temperature, top-k, top-p, min-p). The output, JSON with -inf written as null:

  {"logits": [[...]], "ids": [[...]], "prompt_length": P,
   "cases": [{"name": ..., "processors": [{"type": ..., params}], "scores": [[...]]}]}

OpenAI's frequency/presence penalties have no transformers processor: their case is computed here with numpy from the
formula in OpenAI's API reference (mu[j] - c[j] * frequency - (c[j] > 0) * presence, c = counts among the generated
tokens), so it checks the Java code against the documented formula, not against a library.

Top-p keeps a token by comparing a cumulative float32 probability with 1 - p; the script refuses logits where any
cumulative sum lies within 1e-4 of a threshold, so the kept sets do not hinge on summation order.

    /work/venv/bin/python tools/golden/make_sampling_golden.py --out tests/src/test/resources/golden/generation
"""
import argparse
import json
import math
import os

import numpy as np
import torch
from transformers.generation.logits_process import (LogitsProcessorList, MinPLogitsWarper,
                                                     RepetitionPenaltyLogitsProcessor, SequenceBiasLogitsProcessor,
                                                     TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper)

B, V, PROMPT_LEN, LENGTH = 3, 40, 5, 12

CASES = [
    ("temperature", [{"type": "temperature", "temperature": 0.7}]),
    ("top_k", [{"type": "top_k", "k": 5, "min_tokens_to_keep": 1}]),
    ("top_k_min_keep", [{"type": "top_k", "k": 2, "min_tokens_to_keep": 4}]),
    ("top_p", [{"type": "top_p", "p": 0.8, "min_tokens_to_keep": 1}]),
    ("top_p_min_keep", [{"type": "top_p", "p": 0.3, "min_tokens_to_keep": 3}]),
    ("min_p", [{"type": "min_p", "min_p": 0.1, "min_tokens_to_keep": 1}]),
    ("min_p_min_keep", [{"type": "min_p", "min_p": 0.6, "min_tokens_to_keep": 4}]),
    ("repetition_penalty", [{"type": "repetition_penalty", "penalty": 1.3}]),
    ("logit_bias", [{"type": "logit_bias", "bias": {"3": 5.0, "7": -2.5, "39": 100.0}}]),
    ("chain", [{"type": "logit_bias", "bias": {"11": 1.5}}, {"type": "repetition_penalty", "penalty": 1.2},
               {"type": "temperature", "temperature": 0.8}, {"type": "top_k", "k": 12, "min_tokens_to_keep": 1},
               {"type": "top_p", "p": 0.9, "min_tokens_to_keep": 1}, {"type": "min_p", "min_p": 0.05,
                                                                       "min_tokens_to_keep": 1}]),
]


def hf(spec):
    t = spec["type"]
    if t == "temperature":
        return TemperatureLogitsWarper(spec["temperature"])
    if t == "top_k":
        return TopKLogitsWarper(spec["k"], min_tokens_to_keep=spec["min_tokens_to_keep"])
    if t == "top_p":
        return TopPLogitsWarper(spec["p"], min_tokens_to_keep=spec["min_tokens_to_keep"])
    if t == "min_p":
        return MinPLogitsWarper(spec["min_p"], min_tokens_to_keep=spec["min_tokens_to_keep"])
    if t == "repetition_penalty":
        return RepetitionPenaltyLogitsProcessor(spec["penalty"])
    if t == "logit_bias":
        return SequenceBiasLogitsProcessor({(int(k),): float(v) for k, v in spec["bias"].items()})
    raise ValueError(t)


def openai_penalties(logits, ids, frequency, presence):
    out = logits.astype(np.float32).copy()
    for b in range(out.shape[0]):
        counts = np.bincount(ids[b, PROMPT_LEN:], minlength=V)
        out[b] -= (counts * np.float32(frequency) + (counts > 0) * np.float32(presence)).astype(np.float32)
    return out


def check_top_p_margin(scores, p):
    probs = torch.softmax(torch.sort(scores, descending=False)[0], dim=-1).cumsum(-1)
    gap = (probs - (1 - p)).abs().min().item()
    assert gap > 1e-4, f"a cumulative probability lies {gap} from 1 - {p}: pick other logits"


def encode(x):
    return [[None if math.isinf(v) and v < 0 else float(v) for v in row] for row in x.tolist()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/src/test/resources/golden/generation")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(2024)
    logits = (torch.randn(B, V, generator=gen) * 3).to(torch.float32)
    ids = torch.randint(0, V, (B, LENGTH), generator=gen)
    ids[0, 6:9] = ids[0, 5]  # a token generated several times (frequency penalty counts it thrice)
    ids[1, 7] = ids[1, 1]    # a prompt token generated again
    cases = []
    for name, specs in CASES:
        procs = LogitsProcessorList([hf(s) for s in specs])
        scores = logits.clone()
        for s, proc in zip(specs, procs):
            if s["type"] == "top_p":
                check_top_p_margin(scores, s["p"])
            scores = proc(ids, scores)
        cases.append({"name": name, "processors": specs, "scores": encode(scores)})
    pen = {"type": "openai_penalties", "frequency": 0.7, "presence": 0.4}
    cases.append({"name": "openai_penalties", "processors": [pen],
                  "scores": encode(torch.from_numpy(openai_penalties(logits.numpy(), ids.numpy(), 0.7, 0.4)))})
    doc = {"generator": "tools/golden/make_sampling_golden.py", "transformers": __import__("transformers").__version__,
           "logits": encode(logits), "ids": ids.tolist(), "prompt_length": PROMPT_LEN, "cases": cases}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "logits_processors.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    kept = {c["name"]: [sum(v is not None for v in row) for row in c["scores"]] for c in cases}
    print("kept tokens per row:", kept)


if __name__ == "__main__":
    main()
