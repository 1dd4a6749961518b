#!/usr/bin/env python3
"""Golden files for the peft module's LoRA, written by HF PEFT (float32, CPU, eager attention, dropout 0) on the tiny
GPT-2, Llama and Qwen2 checkpoints the other generators wrote (golden/gpt2, golden/llama, golden/families/qwen2).

For each case below, peft's get_peft_model wraps the base with a LoraConfig, the adapter weights are drawn non-zero
(init_lora_weights=False gives B a random init too, so the adapter changes the logits), and save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)   random ids
  <case>.logits [B,T,V]          PeftModel(input_ids).logits with the adapter active
  <case>.merged [B,T,V]          merge_and_unload()(input_ids).logits

golden/peft_counts.json records get_nb_trainable_parameters() (trainable, all) for configs given only as
(base, target_modules, extra fields), so the Java side can build the same config and compare the counts.

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

BASES = {"gpt2": "gpt2", "llama": "llama", "qwen2": "families/qwen2"}

# (case, base, LoraConfig kwargs)
CASES = [
    ("gpt2_default", "gpt2", dict(r=4, lora_alpha=8)),
    ("gpt2_rslora_all", "gpt2", dict(r=4, lora_alpha=8, use_rslora=True, target_modules="all-linear")),
    ("llama_default", "llama", dict(r=4, lora_alpha=16)),
    ("llama_patterns", "llama", dict(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj", "o_proj"],
                                     rank_pattern={"down_proj": 2, "layers.1.self_attn.o_proj": 6},
                                     alpha_pattern={"v_proj": 3}, use_rslora=True)),
    ("qwen2_regex", "qwen2", dict(r=2, lora_alpha=5, target_modules=r".*\.(k_proj|up_proj)")),
]

COUNT_CASES = [
    ("gpt2", None, {}),
    ("gpt2", "all-linear", {}),
    ("gpt2", ["c_attn", "c_proj"], {"bias": "all"}),
    ("gpt2", ["c_fc"], {"bias": "lora_only", "layers_to_transform": [1]}),
    ("llama", None, {}),
    ("llama", "all-linear", {"r": 8}),
    ("llama", ["q_proj", "k_proj", "v_proj", "o_proj"], {"exclude_modules": ["model.layers.0.self_attn.k_proj"]}),
    ("llama", ["gate_proj", "up_proj"], {"layers_to_transform": 0, "layers_pattern": "layers"}),
    ("llama", ["q_proj"], {"modules_to_save": ["lm_head"]}),
    ("qwen2", None, {}),
    ("qwen2", "all-linear", {"rank_pattern": {"mlp.down_proj": 1}}),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, BASES[base]), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for i, (case, base, kwargs) in enumerate(CASES):
        torch.manual_seed(100 + i)
        model = load(args.golden, base)
        cfg = LoraConfig(lora_dropout=0.0, init_lora_weights=False, **kwargs)
        peft_model = get_peft_model(model, cfg)
        peft_model.eval()
        gen = torch.Generator().manual_seed(7 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            out[case + ".merged"] = peft_model.merge_and_unload()(input_ids=ids).logits.contiguous()
        # The saved adapter reloads into a fresh base with the same logits (guards the golden files themselves).
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-6)
    save_file(out, os.path.join(args.golden, "peft_golden.safetensors"))

    counts = []
    for base, targets, extra in COUNT_CASES:
        kwargs = dict(r=4, lora_alpha=8)
        kwargs.update(extra)
        if targets is not None:
            kwargs["target_modules"] = targets
        peft_model = get_peft_model(load(args.golden, base), LoraConfig(**kwargs))
        trainable, total = peft_model.get_nb_trainable_parameters()
        entry = {"base": base, "config": {k: v for k, v in kwargs.items()}, "trainable": trainable, "all": total}
        if targets is None:
            entry["config"].pop("target_modules", None)
        counts.append(entry)
    with open(os.path.join(args.golden, "peft_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
