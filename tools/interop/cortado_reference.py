"""What the interop checkers share: the logits Cortado wrote beside a directory, compared with a model's, and the
command line that runs a check over several directories."""
import argparse
import os
import sys
import warnings

import torch
from safetensors.torch import load_file
from transformers.utils import logging


def compare_logits(model, path):
    """Runs model (eval, no grad) on DIR/cortado_logits.safetensors' input_ids. Returns (reference tensors, logits,
    whether the shapes agree, max |Δ| / max |ref|, inf when the shapes differ)."""
    ref = load_file(os.path.join(path, "cortado_logits.safetensors"))
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"].round().long()).logits
    expected = ref["logits"]
    same_shape = tuple(logits.shape) == tuple(expected.shape)
    rel = ((logits - expected).abs().max() / expected.abs().max()).item() if same_shape else float("inf")
    return ref, logits, same_shape, rel


def run(check, description, default_tol):
    """Parses DIR [DIR ...] [--tol], runs check(dir, tol) on each (one JSON line each) and exits 0 when all pass."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--tol", type=float, default=default_tol)
    args = ap.parse_args()
    torch.set_num_threads(1)
    logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    results = [check(d, args.tol) for d in args.dirs]
    sys.exit(0 if all(results) else 1)
