#!/usr/bin/env python3
"""Golden files for LLaMA-Adapter (peft's ADAPTION_PROMPT, Zhang et al. 2023), written by HF PEFT 0.21 (float32, CPU,
eager attention) on the tiny checkpoints the other generators wrote: golden/llama (grouped-query heads),
golden/families/mistral_window (sliding window 6, shorter than the rows, so the normal path is windowed and the
prompt path is not) and golden/gpt2 (peft's AdaptedAttentionGPT: fused c_attn, the prompt output added after c_proj).

For each case below, peft's get_peft_model wraps the last adapter_layers attention modules; the gates, which peft
starts at zero (the adapter then changes nothing), are redrawn from N(0, 1) and the prompts from N(0, 1) again so every
adapted layer moves the outputs, and save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_adaption_prompt_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.base [B,T,V]              the same with the adapter disabled
and golden/peft_adaption_prompt_counts.json each case's get_nb_trainable_parameters() (trainable, all).

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_adaption_prompt_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os

import torch
from peft import AdaptionPromptConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B = 2

# (case, base directory under golden/, vocabulary, T, config kwargs)
CASES = [
    ("adaption_prompt_llama", "llama", 96, 6, dict(adapter_len=4, adapter_layers=2)),
    ("adaption_prompt_mistral", "families/mistral_window", 48, 9, dict(adapter_len=3, adapter_layers=1)),
    ("adaption_prompt_gpt2", "gpt2", 96, 6, dict(adapter_len=3, adapter_layers=2)),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, base), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out, counts = {}, {}
    for i, (case, base, vocab, t, kwargs) in enumerate(CASES):
        torch.manual_seed(500 + i)
        peft_model = get_peft_model(load(args.golden, base), AdaptionPromptConfig(task_type="CAUSAL_LM", **kwargs))
        peft_model.eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if name.endswith(".adaption_gate") or name.endswith(".adaption_prompt"):
                    p.copy_(torch.randn_like(p))
        trainable, total = peft_model.get_nb_trainable_parameters()
        counts[case] = {"trainable": trainable, "all": total}
        ids = torch.randint(0, vocab, (B, t), generator=torch.Generator().manual_seed(31 + i))
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            with peft_model.disable_adapter():
                out[case + ".base"] = peft_model(input_ids=ids).logits.contiguous()
        assert (out[case + ".logits"] - out[case + ".base"]).abs().max() > 1e-2, case + ": the adapter must move"
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()   # guards the golden files themselves
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-5)
    save_file(out, os.path.join(args.golden, "peft_adaption_prompt_golden.safetensors"))
    with open(os.path.join(args.golden, "peft_adaption_prompt_counts.json"), "w") as f:
        json.dump(counts, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
