#!/usr/bin/env python3
"""Golden files for HRA (Householder reflection adaptation), written by HF PEFT 0.21 (float32, CPU, eager attention)
on the tiny Llama checkpoint the other generators wrote (golden/llama; peft's HRA takes Linear and Conv2d layers, not
GPT-2's Conv1D).

For each case below, peft's get_peft_model wraps the base; hra_u, which peft initializes in repeated pairs (the chain
of reflections starts at the identity), is redrawn from N(0, 1) so every reflection moves the outputs, and
save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_hra_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.merged [B,T,V]            the same after merge_and_unload()

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_hra_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from peft import HRAConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, config kwargs)
CASES = [
    ("hra_llama_default", dict(r=8)),
    ("hra_llama_gs", dict(r=3, apply_GS=True, target_modules=["q_proj", "o_proj", "down_proj"])),
]


def load(golden):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, "llama"), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for i, (case, kwargs) in enumerate(CASES):
        torch.manual_seed(400 + i)
        peft_model = get_peft_model(load(args.golden), HRAConfig(**kwargs)).eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if ".hra_u." in name:
                    p.copy_(torch.randn_like(p))
        ids = torch.randint(0, 96, (B, T), generator=torch.Generator().manual_seed(29 + i))
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            out[case + ".merged"] = peft_model.merge_and_unload()(input_ids=ids).logits.contiguous()
        again = PeftModel.from_pretrained(load(args.golden), d).eval()   # guards the golden files themselves
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-5)
    save_file(out, os.path.join(args.golden, "peft_hra_golden.safetensors"))


if __name__ == "__main__":
    main()
