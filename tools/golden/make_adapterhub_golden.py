#!/usr/bin/env python3
"""Golden files for Cortado's bottleneck adapters (peft/.../bottleneck), written by adapter-hub's `adapters` library
(1.2.0, github:adapter-hub/adapters at 88f18eb), float32, CPU, eager attention, dropout 0.

`adapters` is not in the pip mirror and pins transformers~=4.57.6, so it runs in its own path, not /work/venv:

    git --git-dir=<fetched adapters repo> archive HEAD src | tar -x -C /tmp/adapters
    pip install --no-deps --target /work/venv-adapters/site transformers==4.57.6 'tokenizers<=0.23.0'
    (huggingface_hub 0.36.2 from its git tag v0.36.2 into the same dir, with a dist-info saying 0.36.2)
    PYTHONPATH=/work/venv-adapters/site:/tmp/adapters/src /work/venv/bin/python \
        tools/golden/make_adapterhub_golden.py --golden tests/src/test/resources/golden

For each case, adapters.init(model) and model.add_adapter("default", config) put the adapter on the tiny GPT-2, Llama or
BERT checkpoint the other generators wrote (golden/gpt2, golden/llama, golden/bert); the adapter's tensors (bert init
draws small ones, mam_adapter a zero up-projection) are redrawn N(0, 0.3) so every one moves the outputs, and

  golden/adapterhub/<case>/bottleneck_config.json      Cortado's config file: peft_type BOTTLENECK + the BnConfig fields
  golden/adapterhub/<case>/bottleneck_model.safetensors  the adapter's tensors under adapter-hub's own state-dict names
                                                        (transformer.h.0.output_adapters.adapters.default.adapter_up.weight)
 golden/adapterhub/<case>/fusion.safetensors           (fusion cases) the fusion layers' tensors, adapter-hub's names
  golden/adapterhub_golden.safetensors                 <case>.input_ids, (BERT) <case>.attention_mask, <case>.logits
                                                        (causal LMs: logits [B,T,V]; BERT: last_hidden_state [B,T,C])
  golden/adapterhub_counts.json                        per case, the adapter's parameter count in adapter-hub
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from transformers import AutoModel, AutoModelForCausalLM

import adapters
from adapters import BnConfig, CompacterConfig, CompacterPlusPlusConfig, DoubleSeqBnConfig, ParBnConfig, SeqBnConfig
from adapters.composition import Fuse, Stack

B, T = 2, 6

FIELDS = ["mh_adapter", "output_adapter", "reduction_factor", "non_linearity", "original_ln_before",
          "original_ln_after", "residual_before_ln", "is_parallel", "scaling", "init_weights", "leave_out", "phm_layer",
          "phm_dim", "phm_rank", "phm_init_range"]

# (case, base dir, config)
CASES = [
    ("houlsby_gpt2", "gpt2", DoubleSeqBnConfig()),
    ("pfeiffer_gpt2", "gpt2", SeqBnConfig()),
    ("parallel_gpt2", "gpt2", ParBnConfig()),
    ("houlsby_llama", "llama", DoubleSeqBnConfig()),
    ("pfeiffer_llama", "llama", SeqBnConfig(reduction_factor=4)),
    ("houlsby_bert", "bert", DoubleSeqBnConfig()),
    ("pfeiffer_bert", "bert", SeqBnConfig()),
    ("parallel_bert", "bert", ParBnConfig()),
    # every switch away from the presets at once: the residual taken after the base's LayerNorm, a gelu, a scale
    # adapter-hub's Stack: a second adapter "second" (in golden/adapterhub/<case>/second) after "default" in each layer
    ("stack_gpt2", "gpt2", (DoubleSeqBnConfig(), SeqBnConfig(reduction_factor=4))),
    ("stack_bert", "bert", (SeqBnConfig(), DoubleSeqBnConfig(reduction_factor=8))),
    # AdapterFusion ("dynamic") over "default" and "second"; its tensors in golden/adapterhub/<case>/fusion.safetensors
    ("fusion_gpt2", "gpt2", (DoubleSeqBnConfig(), DoubleSeqBnConfig(reduction_factor=8)), "fuse"),
    ("fusion_bert", "bert", (SeqBnConfig(), SeqBnConfig(reduction_factor=4)), "fuse"),
    # Compacter (PHM projections, the rule shared by every PHM layer): reduction 8 so the bottleneck (4) divides by
    # phm_dim 4
    ("compacter_gpt2", "gpt2", CompacterConfig(reduction_factor=8)),
    ("compacterpp_bert", "bert", CompacterPlusPlusConfig(reduction_factor=8)),
    ("custom_bert", "bert", BnConfig(mh_adapter=True, output_adapter=True, reduction_factor=8, non_linearity="gelu",
                                     original_ln_before=True, residual_before_ln=False, scaling=0.5, leave_out=[0])),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    torch.manual_seed(0)
    out, counts = {}, {}
    for case, base, config, *mode in CASES:
        fuse = mode == ["fuse"]
        path = os.path.join(args.golden, base)
        is_bert = base == "bert"
        model = (AutoModel if is_bert else AutoModelForCausalLM).from_pretrained(path, attn_implementation="eager")
        model.eval()
        adapters.init(model)
        configs = config if isinstance(config, tuple) else (config,)
        names = ["default", "second"][:len(configs)]
        for name, c in zip(names, configs):
            model.add_adapter(name, config=c)
        setup = (Fuse(*names) if fuse else Stack(*names)) if len(names) > 1 else "default"
        if fuse:
            model.add_adapter_fusion(setup, "dynamic")
        model.set_active_adapters(setup)
        tensors = {name: {} for name in names}
        with torch.no_grad():
            for k, p in model.named_parameters():
                for name in names:
                    if f".adapters.{name}." in k or f"shared_parameters.{name}." in k:
                        p.copy_(0.3 * torch.randn_like(p))
                        tensors[name][k] = p.detach().clone().contiguous()
            fusion = {}
            for k, p in model.named_parameters():
                if ".adapter_fusion_layer." in k:
                    # value: the identity plus noise, so that a transposed or missing value shows
                    p.copy_((p if k.endswith("value.weight") else 0) + 0.3 * torch.randn_like(p))
                    fusion[k] = p.detach().clone().contiguous()
        counts[case] = sum(t.numel() for t in tensors["default"].values())
        vocab = model.config.vocab_size
        ids = torch.randint(0, vocab, (B, T))
        with torch.no_grad():
            if is_bert:
                mask = torch.ones(B, T, dtype=torch.long)
                mask[1, T - 2:] = 0
                y = model(input_ids=ids, attention_mask=mask).last_hidden_state
                out[case + ".attention_mask"] = mask
            else:
                y = model(input_ids=ids).logits
            # the adapter must be active: without it the outputs differ
            model.set_active_adapters(None)
            plain = (model(input_ids=ids, attention_mask=mask).last_hidden_state if is_bert
                     else model(input_ids=ids).logits)
            model.set_active_adapters(setup)
            assert (plain - y).abs().max() > 1e-2, case
        out[case + ".input_ids"] = ids
        out[case + ".logits"] = y.contiguous()
        for name, c in zip(names, configs):
            d = os.path.join(args.golden, "adapterhub", case, *([] if name == "default" else [name]))
            os.makedirs(d, exist_ok=True)
            cfg = {"peft_type": "BOTTLENECK"}
            cfg.update({f: c[f] for f in FIELDS})
            with open(os.path.join(d, "bottleneck_config.json"), "w") as f:
                json.dump(cfg, f, indent=2)
                f.write("\n")
            save_file(tensors[name], os.path.join(d, "bottleneck_model.safetensors"), metadata={"format": "pt"})
        if fuse:
            save_file(fusion, os.path.join(args.golden, "adapterhub", case, "fusion.safetensors"), metadata={"format": "pt"})
        print(case, counts[case], len(fusion), sorted(tensors["default"])[:1])
    save_file(out, os.path.join(args.golden, "adapterhub_golden.safetensors"))
    with open(os.path.join(args.golden, "adapterhub_counts.json"), "w") as f:
        json.dump(counts, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
