#!/usr/bin/env python3
"""Interop, Cortado -> transformers: every directory Cortado wrote loads with AutoModelForCausalLM.from_pretrained
(float32, eager attention) without a missing, unexpected or mis-shaped weight, and computes the logits Cortado computed.

Each DIR holds config.json + model.safetensors (or shards + index) as Cortado's HfCheckpoint.save wrote them, and
cortado_logits.safetensors: input_ids [B,T] and Cortado's logits [B,T,V].

    PYTHON tools/interop/check_cortado_dirs.py DIR [DIR ...] [--tol 1e-4]

Prints one JSON line per directory; exit status 0 when all pass, 1 otherwise. Tolerance: max |Δ| / max |ref| <= tol
(float32 on both sides, different summation orders; a wrong weight, config field or rope parameter is far above it).
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM

from cortado_reference import compare_logits, run


def check(path, tol):
    try:
        model, info = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager",
                                                           output_loading_info=True)
    except Exception as e:  # a directory transformers cannot load is a failure, reported like the others
        print(json.dumps({"dir": path, "ok": False, "error": f"{type(e).__name__}: {e}"}))
        return False
    problems = {k: sorted(map(str, v)) for k, v in info.items()
                if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")}
    _, logits, same_shape, rel = compare_logits(model, path)
    ok = not problems and same_shape and rel <= tol
    print(json.dumps({"dir": os.path.basename(path), "model_type": model.config.model_type,
                      "class": type(model).__name__, "shape": list(logits.shape), "max_rel_err": rel, "tol": tol,
                      "loading_problems": problems, "ok": ok}))
    return ok


if __name__ == "__main__":
    run(check, __doc__, 1e-4)
