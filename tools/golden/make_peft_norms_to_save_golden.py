#!/usr/bin/env python3
"""Golden files for LoRA with the normalization layers in modules_to_save (LongLoRA's "LoRA+": trainable norms beside
the adapters), written by HF PEFT 0.21 (float32, CPU, eager attention) on the tiny GPT-2 and Llama checkpoints the
other generators wrote (golden/gpt2, golden/llama).

peft matches modules_to_save by a plain suffix (key.endswith(entry), no dot boundary), so on Llama the entry "norm"
takes every input_layernorm and post_attention_layernorm as well as model.norm; the llama case relies on that. For each
case, LoRA's B is drawn non-zero (init_lora_weights=False) and the trained copies of the norms are moved off their
originals, so both change the outputs; save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_norms_to_save_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.merged [B,T,V]            the same after merge_and_unload()
  <case>.disabled [B,T,V]          the base's logits, adapters disabled (the original norms)
  <case>.trainable, <case>.all     get_nb_trainable_parameters() (I64 scalars as [1])

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_norms_to_save_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 6

# (case, base, LoraConfig kwargs)
CASES = [
    ("norms_gpt2", "gpt2", dict(r=4, lora_alpha=8, target_modules="all-linear", modules_to_save=["ln_1", "ln_2", "ln_f"])),
    ("norms_llama", "llama", dict(r=4, lora_alpha=16, modules_to_save=["norm"])),
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
        torch.manual_seed(700 + i)
        peft_model = get_peft_model(load(args.golden, base), LoraConfig(lora_dropout=0.0, init_lora_weights=False,
                                                                         **kwargs)).eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if ".modules_to_save." in name:
                    p.add_(0.1 * torch.randn_like(p))
        ids = torch.randint(0, peft_model.config.vocab_size, (B, T), generator=torch.Generator().manual_seed(31 + i))
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        trainable, total = peft_model.get_nb_trainable_parameters()
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            with peft_model.disable_adapter():
                out[case + ".disabled"] = peft_model(input_ids=ids).logits.contiguous()
            out[case + ".trainable"] = torch.tensor([trainable], dtype=torch.int64)
            out[case + ".all"] = torch.tensor([total], dtype=torch.int64)
            # The saved adapter reloads into a fresh base with the same logits (guards the golden files themselves).
            again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-6)
            out[case + ".merged"] = peft_model.merge_and_unload()(input_ids=ids).logits.contiguous()
    save_file(out, os.path.join(args.golden, "peft_norms_to_save_golden.safetensors"))


if __name__ == "__main__":
    main()
