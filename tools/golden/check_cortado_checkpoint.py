#!/usr/bin/env python3
"""Interop check: a checkpoint directory written by Cortado's HfCheckpoint.save loads in transformers and computes
the logits Cortado computed.

The directory holds config.json + model.safetensors (or shards + model.safetensors.index.json) as Cortado wrote them,
plus cortado_logits.safetensors (input_ids [B,T] and logits [B,T,V] from Cortado's forward pass). This script loads the
model with AutoModelForCausalLM.from_pretrained in float32 with eager attention, requires that no weight is missing,
unexpected or mis-shaped, runs the same ids, and compares the logits relative to their largest magnitude.

    /work/venv/bin/python tools/golden/check_cortado_checkpoint.py DIR [DIR ...] [--tol 1e-4]

The directories come from the tests module's HfCheckpointInteropTest run with the environment variable CORTADO_INTEROP_DIR=PATH. Exit status
0 when every directory passes, 1 otherwise.
"""
import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM


def check(path, tol):
    model, info = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager",
                                                       output_loading_info=True)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys",
                                                              "error_msgs")}
    ref = load_file(os.path.join(path, "cortado_logits.safetensors"))
    ids = ref["input_ids"].round().long()
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    expected = ref["logits"]
    rel = ((logits - expected).abs().max() / expected.abs().max()).item()
    ok = not problems and logits.shape == expected.shape and rel <= tol
    print(json.dumps({"dir": path, "model_type": model.config.model_type, "class": type(model).__name__,
                      "params": sum(p.numel() for p in model.parameters()), "shape": list(logits.shape),
                      "max_rel_err": rel, "tol": tol, "loading_problems": {k: list(map(str, v)) for k, v in problems.items()},
                      "ok": ok}))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--tol", type=float, default=1e-4,
                    help="max |torch - cortado| / max |cortado| (float32 accumulation order differs)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = [check(d, args.tol) for d in args.dirs]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
