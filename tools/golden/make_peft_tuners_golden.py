#!/usr/bin/env python3
"""Golden files for the peft module's other tuners, written by HF PEFT 0.21 (float32, CPU, eager attention, dropout 0):
(IA)^3 on the tiny GPT-2, Llama and Qwen2 checkpoints the other generators wrote (golden/gpt2, golden/llama,
golden/families/qwen2), LoRA and IA3 on the tiny BERT encoder (golden/bert, a BertModel: sequence outputs), and LoHa,
LoKr, VeRA, OFT and LN tuning on Llama, BERT and (VeRA, LN tuning: peft's LyCORIS and OFT layers do not take
transformers' Conv1D) GPT-2.

For each case below, peft's get_peft_model wraps the base; the adapter tensors, created at peft's init (IA3's ones,
LoHa's zero W2b, LoKr's zero W1, VeRA's zero lambda_b, OFT's zero rotation, LN tuning's copies), are then redrawn as
REDRAW says so the adapter changes the outputs (LoRA: init_lora_weights=False, B random too), and save_pretrained
writes

  golden/peft/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_tuners_golden.safetensors holds, per case,
  <case>.input_ids [B,T] (I64)          random ids (BERT: with <case>.attention_mask, the second row padded)
  <case>.logits [B,T,V]                 PeftModel(input_ids).logits (BERT: last_hidden_state [B,T,C])
  <case>.merged [B,T,V]                 the same after merge_and_unload()

golden/peft_tuners_counts.json records, for configs given as (base, peft_type, fields), get_nb_trainable_parameters()
and the line print_trainable_parameters() prints, so the Java side builds the same config and compares both.

Run (CI has no torch, so the outputs are committed, a few tens of KB):
    /work/venv/bin/python tools/golden/make_peft_tuners_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import contextlib
import io
import json
import os

import torch
from peft import (IA3Config, LNTuningConfig, LoHaConfig, LoKrConfig, LoraConfig, OFTConfig, PeftModel, VeraConfig,
                  get_peft_model)
from safetensors.torch import save_file
from transformers import AutoModel, AutoModelForCausalLM

B, T = 2, 6

BASES = {"gpt2": "gpt2", "llama": "llama", "qwen2": "families/qwen2", "bert": "bert"}

CONFIGS = {"IA3": IA3Config, "LORA": LoraConfig, "LOHA": LoHaConfig, "LOKR": LoKrConfig, "VERA": VeraConfig,
           "OFT": OFTConfig, "LN_TUNING": LNTuningConfig}

# What each method's tensors are redrawn to (the name fragment, then a function of the parameter): far enough from
# peft's init (LoHa's w2_b, LoKr's w1 and VeRA's lambda_b zero, OFT's rotation zero, LN copies equal to the base)
# that every factor moves the outputs. OFT's stays small: its Cayley-Neumann series is a good rotation only then.
REDRAW = [
    (".ia3_l.", lambda p: 1 + 0.3 * torch.randn_like(p)),
    (".hada_", lambda p: 0.4 * torch.randn_like(p)),
    (".lokr_", lambda p: 0.3 * torch.randn_like(p)),
    (".vera_lambda_", lambda p: 1 + 0.5 * torch.randn_like(p)),
    (".oft_R.", lambda p: 0.05 * torch.randn_like(p)),
    (".ln_tuning_layers.", lambda p: p + 0.2 * torch.randn_like(p)),
    (".modules_to_save.", lambda p: p + 0.05 * torch.randn_like(p)),
]

# (case, base, peft_type, config kwargs)
CASES = [
    ("ia3_gpt2_default", "gpt2", "IA3", {}),
    ("ia3_gpt2_regex", "gpt2", "IA3", dict(target_modules=r".*\.(c_fc|c_proj)", feedforward_modules=r".*mlp\.c_proj")),
    ("ia3_llama_default", "llama", "IA3", {}),
    ("ia3_llama_custom", "llama", "IA3", dict(target_modules=["q_proj", "o_proj", "up_proj", "down_proj"],
                                              feedforward_modules=["up_proj"],
                                              exclude_modules=["model.layers.0.self_attn.o_proj"],
                                              modules_to_save=["lm_head"])),
    ("ia3_qwen2_default", "qwen2", "IA3", {}),
    ("ia3_bert_default", "bert", "IA3", {}),
    ("lora_bert_default", "bert", "LORA", dict(r=4, lora_alpha=8, init_lora_weights=False)),
    # LoHa and LoKr (LyCORIS) wrap torch's Linear (and Conv1d/2d) only, not GPT-2's transformers Conv1D.
    ("loha_llama_default", "llama", "LOHA", dict(r=4, alpha=8)),
    ("loha_llama_patterns", "llama", "LOHA", dict(r=4, alpha=8, target_modules="all-linear",
                                                  rank_pattern={"v_proj": 2}, alpha_pattern={"down_proj": 3})),
    ("loha_bert_default", "bert", "LOHA", dict(r=2, alpha=4)),
    ("lokr_llama_default", "llama", "LOKR", dict()),   # r 8: both Kronecker factors full matrices
    ("lokr_llama_decompose", "llama", "LOKR", dict(r=1, alpha=3, decompose_both=True, decompose_factor=4,
                                                   target_modules=["q_proj", "k_proj", "up_proj", "down_proj"])),
    ("lokr_bert_default", "bert", "LOKR", dict(r=2, alpha=4, target_modules=["query", "intermediate.dense"])),
    # VeRA on GPT-2's Conv1D (fan_in_fan_out) and on Llama's q and v (different out sizes share one vera_B).
    ("vera_gpt2_default", "gpt2", "VERA", dict(r=4)),
    ("vera_llama_default", "llama", "VERA", dict(r=8, projection_prng_key=7,
                                                 target_modules=["q_proj", "v_proj", "down_proj"])),
    ("vera_bert_default", "bert", "VERA", dict(r=4)),
    ("oft_llama_default", "llama", "OFT", dict(oft_block_size=8, target_modules=["q_proj", "v_proj", "down_proj"])),
    ("oft_llama_coft_share", "llama", "OFT", dict(r=2, oft_block_size=0, coft=True, eps=1e-3, block_share=True,
                                                  num_cayley_neumann_terms=4)),
    ("oft_bert_default", "bert", "OFT", dict(oft_block_size=4)),
    ("ln_tuning_gpt2_default", "gpt2", "LN_TUNING", dict()),
    ("ln_tuning_llama_default", "llama", "LN_TUNING", dict()),
    ("ln_tuning_bert_layernorm", "bert", "LN_TUNING", dict(target_modules=["LayerNorm"])),
]

COUNT_CASES = [
    ("gpt2", "IA3", {}),
    ("gpt2", "IA3", {"target_modules": "all-linear", "feedforward_modules": ["c_fc"]}),
    ("llama", "IA3", {}),
    ("llama", "IA3", {"target_modules": ["q_proj", "down_proj"], "feedforward_modules": ["down_proj"],
                      "modules_to_save": ["lm_head"]}),
    ("llama", "IA3", {"target_modules": "all-linear"}),
    ("qwen2", "IA3", {}),
    ("qwen2", "IA3", {"target_modules": ["k_proj", "v_proj", "gate_proj"], "feedforward_modules": ["gate_proj"],
                      "exclude_modules": ["model.layers.1.self_attn.k_proj"]}),
    ("bert", "IA3", {}),
    ("bert", "LORA", {"r": 4, "lora_alpha": 8}),
    ("bert", "LORA", {"r": 2, "lora_alpha": 4, "target_modules": "all-linear", "bias": "all"}),
    ("llama", "LOHA", {}),
    ("bert", "LOHA", {"r": 4, "target_modules": "all-linear"}),
    ("llama", "LOKR", {}),
    ("llama", "LOKR", {"r": 1, "decompose_both": True, "target_modules": "all-linear"}),
    ("gpt2", "VERA", {"r": 4}),
    ("llama", "VERA", {"r": 8, "target_modules": ["q_proj", "v_proj", "down_proj"]}),
    ("llama", "OFT", {"oft_block_size": 8}),
    ("llama", "OFT", {"r": 2, "oft_block_size": 0, "block_share": True, "target_modules": "all-linear"}),
    ("gpt2", "LN_TUNING", {}),
    ("llama", "LN_TUNING", {"modules_to_save": ["lm_head"]}),
    ("qwen2", "LN_TUNING", {}),
]


def load(golden, base):
    path = os.path.join(golden, BASES[base])
    if base == "bert":
        return AutoModel.from_pretrained(path, attn_implementation="eager", dtype=torch.float32).eval()
    return AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager", dtype=torch.float32).eval()


def outputs(model, base, ids, mask):
    if base == "bert":
        return model(input_ids=ids, attention_mask=mask).last_hidden_state.contiguous()
    return model(input_ids=ids).logits.contiguous()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    for i, (case, base, peft_type, kwargs) in enumerate(CASES):
        torch.manual_seed(200 + i)
        model = load(args.golden, base)
        peft_model = get_peft_model(model, CONFIGS[peft_type](**kwargs))
        peft_model.eval()
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                for fragment, redraw in REDRAW:
                    if fragment in name:
                        p.copy_(redraw(p))
                        break
        gen = torch.Generator().manual_seed(9 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        mask = None
        if base == "bert":
            mask = torch.ones(B, T, dtype=torch.int64)
            mask[1, T - 2:] = 0
            out[case + ".attention_mask"] = mask
        d = os.path.join(args.golden, "peft", case)
        peft_model.save_pretrained(d)
        os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter
        with torch.no_grad():
            out[case + ".input_ids"] = ids
            out[case + ".logits"] = outputs(peft_model, base, ids, mask)
            out[case + ".merged"] = outputs(peft_model.merge_and_unload(), base, ids, mask)
        # The saved adapter reloads into a fresh base with the same outputs (guards the golden files themselves).
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            assert torch.allclose(outputs(again, base, ids, mask), out[case + ".logits"], atol=1e-6)
    save_file(out, os.path.join(args.golden, "peft_tuners_golden.safetensors"))

    counts = []
    for base, peft_type, kwargs in COUNT_CASES:
        peft_model = get_peft_model(load(args.golden, base), CONFIGS[peft_type](**kwargs))
        trainable, total = peft_model.get_nb_trainable_parameters()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            peft_model.print_trainable_parameters()
        counts.append({"base": base, "config": dict(kwargs, peft_type=peft_type), "trainable": trainable,
                       "all": total, "line": printed.getvalue().strip()})
    with open(os.path.join(args.golden, "peft_tuners_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
