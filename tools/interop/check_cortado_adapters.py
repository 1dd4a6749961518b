#!/usr/bin/env python3
"""Interop, Cortado -> HF PEFT / transformers: every adapter Cortado saved loads in Python on its base and the adapted
model computes the logits and the loss Cortado computed.

- LoRA, AdaLoRA (saved cut to its rank_pattern), IA3, LoHa, LoKr, VeRA, OFT, BOFT, HRA, FourierFT and LN-tuning adapters (adapter_config.json + adapter_model.safetensors) load with
  PeftModel.from_pretrained with no missing or unexpected adapter key (VeRA: its shared base_model.vera_A / vera_B
  too, when save_projection is on). That covers DoRA (lora_magnitude_vector), LoRA on Embedding layers
  (lora_embedding_A/B, and the base table peft saves with an adapter that targets embed_tokens) and the initializations
  that change the base (pissa, olora, loftq: peft's from_pretrained re-runs the init on the base before loading A and
  B): an adapter whose config asks for DoRA must come back with DoRA layers, and one with lora_embedding tensors with
  LoRA Embedding layers, or the check fails.
- Prompt tuning, P-tuning and prefix tuning adapters (one tensor, prompt_embeddings: the encoder's output) load with
  PeftModel.from_pretrained as that method; the logits compared are the tokens' (peft's first num_virtual_tokens
  positions, the virtual tokens', are dropped for prompt tuning and P-tuning). Multitask prompt tuning's hold the
  table prompt_embeddings, prefix_task_cols and prefix_task_rows, and cortado_logits.safetensors then holds each row's
  task_ids [B] too, passed to the model.
- X-LoRA adapters (peft_type XLORA: adapter_config.json whose adapters point at the LoRA experts Cortado saved in
  adapter/0, adapter/1, ..., and the classifier in adapter_model.safetensors) load with PeftModel.from_pretrained on
  the base with use_cache off (XLoraModel refuses it); no classifier key may be missing or unexpected, and when
  cortado_logits.safetensors holds Cortado's scalings [B,T,L,N] they must equal get_latest_scalings() within tol.
  peft 0.21's expert loader rewrites every key to "model.model.<...>" (Llama's layout), which fails on GPT-2's
  "transformer"; the check maps model.model.transformer. back to model.transformer. there (xlora_gpt2_keys.py).
- BitFit (bitfit_config.json + bitfit_model.safetensors: the trained biases, and any modules_to_save, under the base's
  own names) loads with model.load_state_dict(tensors, strict=False) with no unexpected key; its missing keys are
  the frozen weights, which keep the base's values.

Each DIR holds base/ (config.json + model.safetensors), adapter/ (as Cortado's AdapterFiles.save wrote it) and
cortado_logits.safetensors: input_ids [B,T], labels [B,T] (-100 where not counted), Cortado's logits [B,T,V] and
loss [].

    PYTHON tools/interop/check_cortado_adapters.py DIR [DIR ...] [--tol 1e-5]

A DIR may also hold cortado_perplexity.json ({"ids": [...], "seq": T, "stride": S, "perplexity": P, "tokens": N}, what
`cortado perplexity --adapter` printed): the adapted model's perplexity by transformers' sliding-window recipe must
then be P within tol (relative) over the same N tokens.

Prints one JSON line per directory; exit status 0 when all pass, 1 otherwise. Tolerance: max |Δ| / max |ref| <= tol
for the logits and relative <= tol for the loss (float32 on both sides in different summation orders, about 1e-6 on
these tiny models; a wrong scaling, a dropped rank_pattern, a transposed Conv1D delta or an IA3 vector on the wrong
side is 1e-2 and more).
"""
import json
import os

import torch
import torch.nn.functional as F
from peft import PeftModel
from peft.tuners.tuners_utils import BaseTunerLayer
from peft.utils import load_peft_weights, set_peft_model_state_dict
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from boft_fbd import use_fbd_for
import xlora_gpt2_keys  # noqa: F401 (patches peft's X-LoRA expert loader for GPT-2, see its docstring)
from cortado_reference import compare_logits, guide_perplexity, run

# peft types whose adapter is one prompt_embeddings tensor in front of the input (or of every layer's keys and values).
PROMPT_LEARNING = ("PROMPT_TUNING", "MULTITASK_PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING")
# what each saves: the encoder's output, and multitask prompt tuning's task factors beside its table
PROMPT_KEYS = {"MULTITASK_PROMPT_TUNING": {"prompt_embeddings", "prefix_task_cols", "prefix_task_rows"}}

# Parameter names of what an adapter trains, for filtering peft's missing keys down to the adapter's own.
ADAPTER_MARKERS = ("lora_", "ia3_", "hada_", "lokr_", "vera_", "oft_R", "boft_R", "boft_s", "hra_u", "ln_tuning_layers",
                   "trainable_tokens_delta", "adaption_prompt", "adaption_gate",
                   ".modules_to_save.")


def shared_view(key):
    """VeRA's layers each hold the model's one vera_A / vera_B BufferDict, so the model's state dict lists it once per
    layer too; peft saves and loads the model-level base_model.vera_A / vera_B only (_get_adapter_state_dict), which the
    layers then share, so a per-layer entry is no missing tensor. The model-level ones are still checked."""
    return (".vera_A." in key or ".vera_B." in key) and not key.startswith(("base_model.vera_A", "base_model.vera_B"))


def load_peft(base, adapter_dir):
    use_fbd_for(adapter_dir)   # BOFT with butterfly factors: peft's GPU path, on this CPU (boft_fbd.py)
    model = PeftModel.from_pretrained(base, adapter_dir)
    # The same weights again through peft's loader, to see its load result: every adapter key of the model must
    # come from the file (missing ones would stay at their init) and the file must hold nothing else.
    # AdaLoRA: from_pretrained has already resized the layers to the saved rank_pattern, and peft's loader would resize
    # them again (from the pattern's init_r-long masks, which no longer fit); the pattern is set aside for this look.
    config = model.peft_config["default"]
    pattern = getattr(config, "rank_pattern", None) if config.peft_type == "ADALORA" else None
    if pattern is not None:
        config.rank_pattern = None
    result = set_peft_model_state_dict(model, load_peft_weights(adapter_dir), adapter_name="default")
    if pattern is not None:
        config.rank_pattern = pattern
    if config.peft_type == "XLORA":   # its state dict is the classifier; "lora_" also matches base_model.lora_model
        missing = sorted(k for k in result.missing_keys if "internal_xlora_classifier" in k)
    else:
        missing = sorted(k for k in result.missing_keys if any(m in k for m in ADAPTER_MARKERS) and not shared_view(k))
    layers = sum(1 for _, m in model.named_modules() if isinstance(m, BaseTunerLayer))
    return model, missing, sorted(result.unexpected_keys), layers


def load_bitfit(base, adapter_dir):
    tensors = load_file(os.path.join(adapter_dir, "bitfit_model.safetensors"))
    result = base.load_state_dict(tensors, strict=False)
    # A key the file holds can never be missing; what is missing is the frozen rest of the model.
    missing = sorted(set(result.missing_keys) & set(tensors))
    return base, missing, sorted(result.unexpected_keys), len(tensors)


def check(path, tol):
    base_dir, adapter_dir = os.path.join(path, "base"), os.path.join(path, "adapter")
    bitfit = os.path.exists(os.path.join(adapter_dir, "bitfit_config.json"))
    xlora = not bitfit and json.load(open(os.path.join(adapter_dir, "adapter_config.json"))).get("peft_type") == "XLORA"
    try:
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, attn_implementation="eager")
        if xlora:
            base.config.use_cache = False
        model, missing, unexpected, layers = (load_bitfit if bitfit else load_peft)(base, adapter_dir)
    except Exception as e:  # an adapter Python cannot load is a failure, reported like the others
        print(json.dumps({"dir": path, "ok": False, "error": f"{type(e).__name__}: {e}"}))
        return False
    report = {"dir": os.path.basename(path), "kind": "bitfit" if bitfit else "peft",
              ("tensors" if bitfit else "adapter_layers"): layers}
    kinds_ok = True
    if not bitfit:
        with open(os.path.join(adapter_dir, "adapter_config.json")) as f:
            config = json.load(f)
        saved = load_peft_weights(adapter_dir)
        # X-LoRA's own file is the classifier; whether LoRA embedding layers are expected is its experts' business
        expert_keys = [k for d in config.get("adapters", {}).values() for k in load_peft_weights(d)] if xlora else saved
        dora_layers = sum(1 for n, m in model.named_modules() if n.endswith(".lora_magnitude_vector") and len(m) > 0)
        embedding_layers = sum(1 for n, p in model.named_parameters() if ".lora_embedding_A." in n)
        kinds_ok = (dora_layers > 0) == bool(config.get("use_dora")) and \
            (embedding_layers > 0) == any("lora_embedding_A" in k for k in expert_keys)
        report.update({"dora_layers": dora_layers, "embedding_layers": embedding_layers,
                       "init_lora_weights": config.get("init_lora_weights")})
    prompt = None if bitfit else config.get("peft_type") in PROMPT_LEARNING
    if prompt:   # one tensor, the encoder's output; the logits of the virtual tokens come first
        keys = PROMPT_KEYS.get(config["peft_type"], {"prompt_embeddings"})
        kinds_ok = kinds_ok and set(saved) == keys and \
            model.active_peft_config.peft_type == config["peft_type"]
        report["prompt_embeddings"] = list(saved["prompt_embeddings"].shape)
        # load_state_dict leaves prompt_embeddings over (the encoder is no model parameter): peft then loads it into
        # the encoder itself (_load_adapter_state_dict), as for its own files.
        unexpected = [k for k in unexpected if k not in keys]
    ref, logits, same_shape, rel = compare_logits(
        model, path, config["num_virtual_tokens"] if prompt and config["peft_type"] != "PREFIX_TUNING" else 0)
    labels = ref["labels"].round().long()
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100).item()
    loss_rel = abs(loss - ref["loss"].item()) / abs(ref["loss"].item())
    ok = not missing and not unexpected and kinds_ok and same_shape and rel <= tol and loss_rel <= tol
    if xlora and "scalings" in ref:
        got = model.get_latest_scalings()
        s_rel = ((got - ref["scalings"]).abs().max() / ref["scalings"].abs().max()).item() \
            if tuple(got.shape) == tuple(ref["scalings"].shape) else float("inf")
        report["scalings_rel_err"] = s_rel
        ok = ok and s_rel <= tol
    report.update({"max_rel_err": rel, "loss": loss, "loss_rel_err": loss_rel, "tol": tol, "missing_keys": missing,
                   "unexpected_keys": unexpected})
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
