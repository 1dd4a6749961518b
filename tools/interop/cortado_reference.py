"""What the interop checkers share: the logits Cortado wrote beside a directory, compared with a model's, and the
command line that runs a check over several directories."""
import argparse
import os
import sys
import warnings

import torch
from safetensors.torch import load_file
from transformers.utils import logging


def compare_logits(model, path, drop=0):
    """Runs model (eval, no grad) on DIR/cortado_logits.safetensors' input_ids, dropping the first `drop` positions of
    its logits (a prompt-learning model's virtual tokens); each row's task_ids (multitask prompt tuning) go with them
    when the file holds them. Returns (reference tensors, logits, whether the shapes agree, max |Δ| / max |ref|, inf
    when the shapes differ)."""
    ref = load_file(os.path.join(path, "cortado_logits.safetensors"))
    model.eval()
    extra = {"task_ids": ref["task_ids"].round().long()} if "task_ids" in ref else {}
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"].round().long(), **extra).logits[:, drop:]
    expected = ref["logits"]
    same_shape = tuple(logits.shape) == tuple(expected.shape)
    rel = ((logits - expected).abs().max() / expected.abs().max()).item() if same_shape else float("inf")
    return ref, logits, same_shape, rel


def guide_perplexity(model, input_ids, max_length, stride):
    """transformers' sliding-window perplexity as its guide "Perplexity of fixed-length models" writes it (batch of
    one): windows of max_length every stride tokens, labels -100 on the overlap, each window's mean loss weighted by
    num_valid_tokens - batch_size. Returns (perplexity, n_tokens, avg_nll)."""
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
            neg_log_likelihood = model(input_ids=ids, labels=target_ids).loss
        num_valid_tokens = (target_ids != -100).sum().item()
        num_loss_tokens = num_valid_tokens - target_ids.size(0)  # the guide: minus batch_size, the label shift
        nll_sum += neg_log_likelihood * num_loss_tokens
        n_tokens += num_loss_tokens
        prev_end_loc = end_loc
        if end_loc == seq_len:
            break
    avg_nll = nll_sum / n_tokens
    return torch.exp(avg_nll).item(), n_tokens, float(avg_nll)


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
