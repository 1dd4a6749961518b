#!/usr/bin/env python3
"""Interop, Cortado -> HF PEFT: every LoRA adapter Cortado saved loads with PeftModel.from_pretrained on its base with
no missing or unexpected adapter key, and the adapted model computes the logits and the loss Cortado computed. That
covers DoRA (lora_magnitude_vector), LoRA on Embedding layers (lora_embedding_A/B, and the base table peft saves with
an adapter that targets embed_tokens) and the initializations that change the base (pissa, olora, loftq: peft's
from_pretrained re-runs the init on the base before loading A and B): an adapter whose config asks for DoRA must come
back with DoRA layers, and one with lora_embedding tensors with LoRA Embedding layers, or the check fails.

Each DIR holds base/ (config.json + model.safetensors), adapter/ (adapter_config.json + adapter_model.safetensors as
Cortado's AdapterFiles.save wrote them) and cortado_logits.safetensors: input_ids [B,T], labels [B,T] (-100 where not
counted), Cortado's logits [B,T,V] and loss [].

    PYTHON tools/interop/check_cortado_adapters.py DIR [DIR ...] [--tol 1e-5]

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

from cortado_reference import compare_logits, run


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
    with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
        config = json.load(f)
    saved = load_peft_weights(adapter_dir)
    dora_layers = sum(1 for n, m in model.named_modules() if n.endswith(".lora_magnitude_vector") and len(m) > 0)
    embedding_layers = sum(1 for n, p in model.named_parameters() if ".lora_embedding_A." in n)
    kinds_ok = (dora_layers > 0) == bool(config.get("use_dora")) and \
        (embedding_layers > 0) == any("lora_embedding_A" in k for k in saved)
    ref, logits, same_shape, rel = compare_logits(model, path)
    labels = ref["labels"].round().long()
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100).item()
    loss_rel = abs(loss - ref["loss"].item()) / abs(ref["loss"].item())
    ok = not missing and not unexpected and kinds_ok and same_shape and rel <= tol and loss_rel <= tol
    print(json.dumps({"dir": os.path.basename(path), "adapter_layers": sum(1 for n, _ in model.named_modules()
                                                                          if n.endswith(".lora_A")),
                      "dora_layers": dora_layers, "embedding_layers": embedding_layers,
                      "init_lora_weights": config.get("init_lora_weights"),
                      "max_rel_err": rel, "loss": loss, "loss_rel_err": loss_rel, "tol": tol,
                      "missing_keys": missing, "unexpected_keys": unexpected, "ok": ok}))
    return ok


if __name__ == "__main__":
    run(check, __doc__, 1e-5)
