#!/usr/bin/env python3
"""Golden files for FourierFT, written by HF PEFT 0.21 (float32, CPU, eager attention) on the tiny GPT-2 (Conv1D
layers: peft's fan_in_fan_out) and tiny Llama checkpoints the other generators wrote (golden/gpt2, golden/llama).

For each case below, peft's get_peft_model wraps the base with init_weights=False (peft's default: the spectrum drawn
from N(0, 1), so the outputs move); in the bias case the wrapped layers' biases are perturbed too (bias="fourier_only"
trains and saves them). save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_fourierft_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.merged [B,T,V]            the same after merge_and_unload()
  <case>.trainable [1] (I64)       get_nb_trainable_parameters()[0]

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_fourierft_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from peft import FourierFTConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, base, config kwargs)
CASES = [
    ("fourierft_gpt2_default", "gpt2", dict(n_frequency=100, scaling=10.0)),
    ("fourierft_gpt2_bias", "gpt2", dict(n_frequency=70, scaling=5.0, random_loc_seed=3, bias="fourier_only",
                                          target_modules=["c_attn", "c_proj"], n_frequency_pattern={"c_attn": 50})),
    ("fourierft_llama", "llama", dict(n_frequency=80, scaling=20.0, random_loc_seed=1234,
                                      target_modules=["q_proj", "v_proj", "o_proj", "down_proj"])),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for i, (case, base, kwargs) in enumerate(CASES):
        torch.manual_seed(500 + i)
        peft_model = get_peft_model(load(args.golden, base), FourierFTConfig(init_weights=False, **kwargs)).eval()
        if kwargs.get("bias") == "fourier_only":
            with torch.no_grad():
                for name, p in peft_model.named_parameters():
                    if name.endswith(".base_layer.bias"):
                        p.add_(0.1 * torch.randn_like(p))
        ids = torch.randint(0, 96, (B, T), generator=torch.Generator().manual_seed(41 + i))
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        out[case + ".trainable"] = torch.tensor([peft_model.get_nb_trainable_parameters()[0]], dtype=torch.int64)
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            out[case + ".merged"] = peft_model.merge_and_unload()(input_ids=ids).logits.contiguous()
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()   # guards the golden files themselves
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-5)
    save_file(out, os.path.join(args.golden, "peft_fourierft_golden.safetensors"))


if __name__ == "__main__":
    main()
