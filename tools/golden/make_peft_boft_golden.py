#!/usr/bin/env python3
"""Golden files for BOFT (butterfly orthogonal fine-tuning), written by HF PEFT 0.21 (float32, CPU, eager attention)
on the tiny Llama checkpoint the other generators wrote (golden/llama; peft's BOFT takes Linear and Conv2d layers, not
GPT-2's Conv1D: get_peft_model raises TypeError on GPT-2, so there is no GPT-2 case).

peft computes boft_n_butterfly_factor > 1 only through its CUDA extension fbd_cuda (FastBlockDiag); without it (any
CPU) update_layer silently sets the factor to 1. For the cases with more factors this script stands in a plain-torch
fbd_cuda (tools/interop/boft_fbd.py: torch.block_diag of each factor's blocks, the kernel's documented contract), so
peft's own code runs its butterfly path: update_layer, block_butterfly_perm,
perm2mat, the bmm with boft_P, merge and unmerge are all peft's.

For each case below, peft's get_peft_model wraps the base; boft_R (zero at init: R = I) is redrawn from N(0, 0.3²)
and boft_s (one) from N(1, 0.1²) so every factor moves the outputs, and save_pretrained writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

golden/peft_boft_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)     random ids
  <case>.logits [B,T,V]            PeftModel(input_ids).logits
  <case>.merged [B,T,V]            the same after merge_and_unload()
and golden/peft_boft_counts.json per case {"trainable": n, "total": n} from get_nb_trainable_parameters().

Run (CI has no torch, so the outputs are committed, a few KB):
    /work/venv/bin/python tools/golden/make_peft_boft_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import json
import os
import sys

import torch
from peft import BOFTConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from boft_fbd import use_fbd  # noqa: E402

B, T = 2, 6

# (case, config kwargs): block size or number, one factor (plain BOFT) and two or three butterfly factors
CASES = [
    ("boft_llama_b4", dict(boft_block_size=4)),
    ("boft_llama_b2_f2", dict(boft_block_size=2, boft_n_butterfly_factor=2,
                              target_modules=["q_proj", "o_proj", "down_proj"])),
    ("boft_llama_num8_f3", dict(boft_block_size=0, boft_block_num=8, boft_n_butterfly_factor=3,
                                target_modules=["k_proj", "gate_proj"])),
]


def load(golden):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, "llama"), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out, counts = {}, {}
    for i, (case, kwargs) in enumerate(CASES):
        use_fbd(kwargs.get("boft_n_butterfly_factor", 1) > 1)
        torch.manual_seed(500 + i)
        peft_model = get_peft_model(load(args.golden), BOFTConfig(**kwargs)).eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if ".boft_R." in name:
                    p.copy_(0.3 * torch.randn_like(p))
                elif ".boft_s." in name:
                    p.copy_(1 + 0.1 * torch.randn_like(p))
        trainable, total = peft_model.get_nb_trainable_parameters()
        counts[case] = {"trainable": trainable, "total": total}
        ids = torch.randint(0, 96, (B, T), generator=torch.Generator().manual_seed(31 + i))
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
            assert not torch.allclose(load(args.golden)(input_ids=ids).logits, out[case + ".logits"], atol=1e-3)
    save_file(out, os.path.join(args.golden, "peft_boft_golden.safetensors"))
    with open(os.path.join(args.golden, "peft_boft_counts.json"), "w") as f:
        json.dump(counts, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
