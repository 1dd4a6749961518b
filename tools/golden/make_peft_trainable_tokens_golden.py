#!/usr/bin/env python3
"""Golden files for TRAINABLE_TOKENS (peft 0.21's TrainableTokensConfig), written by HF PEFT (float32, CPU, eager
attention) on the tiny Llama checkpoint the other generators wrote (golden/llama, untied embeddings).

For each case below, peft's get_peft_model wraps the base (target_modules None: peft's input embedding,
model.embed_tokens); the trainable rows, which peft initializes to the embedding's own rows (a no-op), are redrawn
from N(0, 1) so every listed token moves the outputs, and save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_trainable_tokens_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids, each row holding some of the listed tokens
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.merged [B,T,V]            the same after merge_and_unload()

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_trainable_tokens_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from peft import PeftModel, TrainableTokensConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, config kwargs)
CASES = [
    ("trainable_tokens_llama", dict(token_indices=[3, 17, 40, 95])),
    ("trainable_tokens_llama_explicit", dict(token_indices=[0, 5], target_modules=["embed_tokens"])),
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
        torch.manual_seed(500 + i)
        peft_model = get_peft_model(load(args.golden), TrainableTokensConfig(**kwargs)).eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if ".trainable_tokens_delta." in name:
                    p.copy_(torch.randn_like(p))
        ids = torch.randint(0, 96, (B, T), generator=torch.Generator().manual_seed(31 + i))
        idx = kwargs["token_indices"]
        for b in range(B):   # every listed token appears, so each trained row is checked
            for j, tok in enumerate(idx):
                ids[b, (j + b) % T] = tok
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
    save_file(out, os.path.join(args.golden, "peft_trainable_tokens_golden.safetensors"))


if __name__ == "__main__":
    main()
