#!/usr/bin/env python3
"""Interop, Cortado -> HF PEFT: every LoRA adapter Cortado saved loads with PeftModel.from_pretrained on its base with
no missing or unexpected adapter key, and the adapted model computes the logits and the loss Cortado computed.

Each DIR holds base/ (config.json + model.safetensors), adapter/ (adapter_config.json + adapter_model.safetensors as
Cortado's AdapterFiles.save wrote them) and cortado_logits.safetensors: input_ids [B,T], labels [B,T] (-100 where not
counted), Cortado's logits [B,T,V] and loss [].

    PYTHON tools/interop/check_cortado_adapters.py DIR [DIR ...] [--tol 1e-5]

A DIR may also hold cortado_perplexity.json ({"ids": [...], "seq": T, "stride": S, "perplexity": P, "tokens": N}, what
`cortado perplexity --adapter` printed): the adapted model's perplexity by transformers' sliding-window recipe must
then be P within tol (relative) over the same N tokens.

Prints one JSON line per directory; exit status 0 when all pass, 1 otherwise. Tolerance: max |Δ| / max |ref| <= tol
for the logits and relative <= tol for the loss (float32 on both sides in different summation orders, about 1e-6 on
these tiny models; a wrong scaling, a dropped rank_pattern or a transposed Conv1D delta is 1e-2 and more).
"""
import json
import os

import torch
import torch.nn.functional as F
from peft import PeftModel
from peft.utils import load_peft_weights, set_peft_model_state_dict
from transformers import AutoModelForCausalLM

from cortado_reference import compare_logits, guide_perplexity, run


def check(path, tol):
    base_dir, adapter_dir = os.path.join(path, "base"), os.path.join(path, "adapter")
    try:
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager")
        model = PeftModel.from_pretrained(base, adapter_dir)
        # The same weights again through peft's loader, to see its load result: every adapter key of the model must
        # come from the file (missing ones would stay at their init) and the file must hold nothing else.
        result = set_peft_model_state_dict(model, load_peft_weights(adapter_dir), adapter_name="default")
    except Exception as e:  # an adapter peft cannot load is a failure, reported like the others
        print(json.dumps({"dir": path, "ok": False, "error": f"{type(e).__name__}: {e}"}))
        return False
    missing = sorted(k for k in result.missing_keys if "lora_" in k or ".modules_to_save." in k)
    unexpected = sorted(result.unexpected_keys)
    ref, logits, same_shape, rel = compare_logits(model, path)
    labels = ref["labels"].round().long()
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100).item()
    loss_rel = abs(loss - ref["loss"].item()) / abs(ref["loss"].item())
    ok = not missing and not unexpected and same_shape and rel <= tol and loss_rel <= tol
    report = {"dir": os.path.basename(path), "adapter_layers": sum(1 for n, _ in model.named_modules()
                                                                   if n.endswith(".lora_A")),
              "max_rel_err": rel, "loss": loss, "loss_rel_err": loss_rel, "tol": tol,
              "missing_keys": missing, "unexpected_keys": unexpected}
    ppl_file = os.path.join(path, "cortado_perplexity.json")
    if os.path.exists(ppl_file):
        with open(ppl_file) as f:
            want = json.load(f)
        ids = torch.tensor(want["ids"], dtype=torch.long).unsqueeze(0)
        ppl, n_tokens, _ = guide_perplexity(model, ids, want["seq"], want["stride"])
        ppl_rel = abs(ppl - want["perplexity"]) / want["perplexity"]
        report.update({"perplexity": ppl, "cortado_perplexity": want["perplexity"], "perplexity_rel_err": ppl_rel,
                       "tokens": n_tokens, "cortado_tokens": want["tokens"]})
        ok = ok and ppl_rel <= tol and n_tokens == want["tokens"]
    report["ok"] = ok
    print(json.dumps(report))
    return ok


if __name__ == "__main__":
    run(check, __doc__, 1e-5)
