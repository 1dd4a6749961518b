#!/usr/bin/env python3
"""Golden files for operations over several LoRA adapters, written by HF PEFT 0.21 (float32, CPU, eager attention,
dropout 0) on the tiny GPT-2 and Llama checkpoints of golden/gpt2 and golden/llama.

For each family, three adapters are drawn non-zero (init_lora_weights=False) with different targets, ranks and
alphas (the Llama's third has a rank_pattern) and saved with save_pretrained:

  golden/peft_combine/<family>/adapter_config.json, adapter_model.safetensors       adapter "default"
  golden/peft_combine/<family>/<b|c>/adapter_config.json, adapter_model.safetensors adapters "b", "c"

Then add_weighted_adapter builds each case below, and golden/peft_combine_golden.safetensors holds
  <family>.input_ids [B,T] (I64)   random ids, one set per family
and per case
  <case>.logits [B,T,V]            the logits with the combined adapter active (set_adapter)
  <case>.<key>                     every tensor of the combined adapter under peft's saved keys
                                   (get_peft_model_state_dict, e.g. base_model.model.transformer.h.0.attn.c_attn.lora_A.weight)
and, per family, delete_adapter of the active adapter "b":
  <family>_delete.active (I64)      the index in sorted(adapter names) of the adapter peft makes active instead
  <family>_delete.logits [B,T,V]    the logits afterwards, with that adapter set on every layer (set_adapter)

Run (CI has no torch, so the outputs are committed, some tens of KB):
    /work/venv/bin/python tools/golden/make_peft_combination_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

ADAPTERS = {
    "gpt2": [
        ("default", dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"])),
        ("b", dict(r=4, lora_alpha=6, target_modules=["c_attn", "c_fc"])),
        ("c", dict(r=2, lora_alpha=4, target_modules=["c_attn"], use_rslora=True)),
    ],
    "llama": [
        ("default", dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])),
        ("b", dict(r=4, lora_alpha=4, target_modules=["q_proj", "o_proj"])),
        ("c", dict(r=4, lora_alpha=16, target_modules=["q_proj", "o_proj", "down_proj"],
                   rank_pattern={"down_proj": 2})),
    ],
}

# (case, family, adapters, weights, combination_type, extra add_weighted_adapter kwargs)
CASES = [
    ("gpt2_linear", "gpt2", ["default", "b"], [0.7, -0.4], "linear", {}),
    ("gpt2_cat", "gpt2", ["default", "c"], [1.0, 0.5], "cat", {}),
    ("gpt2_svd", "gpt2", ["default", "b", "c"], [1.0, 0.6, -0.3], "svd", dict(svd_rank=3)),
    ("llama_linear", "llama", ["default", "b"], [0.5, 1.5], "linear", {}),
    ("llama_cat", "llama", ["default", "c"], [1.0, -0.5], "cat", {}),
    ("llama_svd", "llama", ["b", "c"], [1.0, 1.0], "svd", {}),
    ("llama_single", "llama", ["c"], [2.0], "svd", {}),   # one adapter: peft switches to linear
]


def load(golden, family):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, family), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def with_adapters(golden, family):
    model = None
    for i, (name, kwargs) in enumerate(ADAPTERS[family]):
        torch.manual_seed(300 + 10 * i + len(family))
        cfg = LoraConfig(lora_dropout=0.0, init_lora_weights=False, **kwargs)
        if model is None:
            model = get_peft_model(load(golden, family), cfg, adapter_name=name)
        else:
            model.add_adapter(name, cfg)
    return model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    ids = {}
    for f, family in enumerate(ADAPTERS):
        model = with_adapters(args.golden, family)
        d = os.path.join(args.golden, "peft_combine", family)
        shutil.rmtree(d, ignore_errors=True)
        model.save_pretrained(d)
        for root, _, files in os.walk(d):
            if "README.md" in files:
                os.remove(os.path.join(root, "README.md"))
        ids[family] = torch.randint(0, model.config.vocab_size, (B, T), generator=torch.Generator().manual_seed(40 + f))
        out[family + ".input_ids"] = ids[family]

    for case, family, adapters, weights, ctype, extra in CASES:
        model = with_adapters(args.golden, family)
        model.add_weighted_adapter(adapters, weights, "combined", combination_type=ctype, **extra)
        model.set_adapter("combined")
        with torch.no_grad():
            out[case + ".logits"] = model(input_ids=ids[family]).logits.contiguous()
        for k, v in get_peft_model_state_dict(model, adapter_name="combined").items():
            out[case + "." + k] = v.detach().contiguous()

    for family in ADAPTERS:
        model = with_adapters(args.golden, family)
        model.set_adapter("b")
        model.delete_adapter("b")
        names = sorted(model.peft_config)
        out[family + "_delete.active"] = torch.tensor([names.index(model.active_adapter)], dtype=torch.int64)
        # peft leaves every layer on its own first remaining adapter (attn.c_proj keeps "default" while the model's
        # active adapter is "c"); Cortado applies the new active adapter everywhere, which set_adapter does here.
        model.set_adapter(model.active_adapter)
        with torch.no_grad():
            out[family + "_delete.logits"] = model(input_ids=ids[family]).logits.contiguous()
    save_file(out, os.path.join(args.golden, "peft_combine_golden.safetensors"))


if __name__ == "__main__":
    main()
