#!/usr/bin/env python3
"""Golden files for merging a LoRA adapter into a 16-bit base, written by HF PEFT 0.21 on the tiny bf16 Llama and f16
GPT-2 of golden/half (make_half_golden.py), loaded in their own dtype on the CPU.

peft keeps the adapter in float32 (autocast_adapter_dtype) and merges with ``base_layer.weight.data += delta``: the
float32 delta B A * scaling is added to the 16-bit weight and the sum stored rounded to nearest even. For each case
this writes

  golden/peft_half/<case>/adapter_config.json, adapter_model.safetensors   the adapter (drawn non-zero)

and golden/peft_half_merge.safetensors holds <case>.<module>.weight: every adapted module's weight after
merge_and_unload, in the base's 16-bit dtype and in transformers' layout (GPT-2's Conv1D [in, out]).

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_half_merge_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os
import shutil

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

CASES = [
    ("llama_bf16", "half/llama_bf16", torch.bfloat16, dict(r=4, lora_alpha=8, target_modules="all-linear")),
    ("gpt2_f16", "half/gpt2_f16", torch.float16, dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_fc"])),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for i, (case, base, dtype, kwargs) in enumerate(CASES):
        torch.manual_seed(500 + i)
        model = AutoModelForCausalLM.from_pretrained(os.path.join(args.golden, base), dtype=dtype,
                                                     attn_implementation="eager").eval()
        peft_model = get_peft_model(model, LoraConfig(lora_dropout=0.0, init_lora_weights=False, **kwargs))
        d = os.path.join(args.golden, "peft_half", case)
        shutil.rmtree(d, ignore_errors=True)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))
        adapted = [n for n, _ in peft_model.base_model.model.named_modules() if n.endswith(tuple(
            ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "c_attn", "c_fc"]))]
        merged = peft_model.merge_and_unload()
        sd = merged.state_dict()
        for name in adapted:
            w = sd[name + ".weight"]
            assert w.dtype == dtype, (name, w.dtype)
            out[case + "." + name + ".weight"] = w.contiguous()
    save_file(out, os.path.join(args.golden, "peft_half_merge.safetensors"))


if __name__ == "__main__":
    main()
