#!/usr/bin/env python3
"""Golden files for the LoRA family beyond plain LoRA, written by HF PEFT 0.21 (float32, CPU, eager attention,
dropout 0) on the tiny GPT-2 (tied head), Llama and Qwen2 checkpoints the other generators wrote: DoRA, LoRA on
Embedding layers, rank_pattern / alpha_pattern / rsLoRA on all three families, and the initializations that factor the
base weight (pissa, olora, loftq).

Adapter cases (peft's get_peft_model, init_lora_weights=False so B is non-zero; DoRA's magnitude vectors are then
scaled by random factors around 1, so they matter): save_pretrained writes

  golden/peft_variants/<case>/adapter_config.json, adapter_model.safetensors   (exactly what peft writes)

and golden/peft_variants_golden.safetensors holds
  <case>.input_ids [B,T] (I64), <case>.logits [B,T,V] (adapter active), <case>.merged [B,T,V] (merge_and_unload)
  <case>.dlogits [B,T,V] and <case>.grad.<param> for the cases in GRAD_CASES: the gradient of sum(logits * dlogits)
      with respect to every trainable adapter tensor (peft's names, adapter name kept), which pins DoRA's detached norm

Init cases (get_peft_model with the init_lora_weights form; config written by save_pretrained as above):
  <case>.input_ids, <case>.logits            the freshly initialized model
  <case>.<module>.lora_A, .lora_B            peft's A and B (module: the dotted name inside the base model)
  <case>.<module>.base                       the base layer's weight after the init (the residual), stored layout

golden/peft_variants_counts.json records get_nb_trainable_parameters() for configs with DoRA and Embedding targets.

LoftQ needs bitsandbytes: a CPU build importable by /work/venv/bin/python (e.g. PYTHONPATH pointing at the package that
tools/quant/build_bitsandbytes.sh builds). peft's loftq_init computes on "cuda"/"xpu" only; this script runs peft's own
function with that one line set to "cpu" (see cpu_loftq_init). bitsandbytes' native CPU dequantize_4bit kernel (its
libbitsandbytes_cpu C++ path, as built here) reads the absmax of the wrong block past the first one (its output
disagrees with its own codes and absmax: element 64 of a [64, 32] NF4 weight comes back scaled by absmax[0]), so
dequantize_4bit is routed through bitsandbytes' generic torch implementation (backends/default/ops.py,
_dequantize_4bit_compute), which applies code[nibble] * absmax[i // blocksize] as the CUDA kernel does; the
quantizer (codes and absmax) is bitsandbytes' own. Without bitsandbytes the loftq case is skipped with a message
and the rest is written.

Run (CI has no torch, so the outputs are committed, some tens of KB):
    PYTHONPATH=<bitsandbytes build> /work/venv/bin/python tools/golden/make_peft_lora_variants_golden.py \
        --golden tests/src/test/resources/golden
"""
import argparse
import importlib.util
import inspect
import json
import os
import shutil
import textwrap

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from peft.tuners.lora.config import LoftQConfig
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

B, T = 2, 4

BASES = {"gpt2": "gpt2", "llama": "llama", "qwen2": "families/qwen2"}

# (case, base, LoraConfig kwargs); every case gets init_lora_weights=False
ADAPTER_CASES = [
    ("gpt2_dora", "gpt2", dict(r=4, lora_alpha=8, use_dora=True, target_modules=["c_attn", "c_fc"])),
    ("gpt2_dora_rslora_patterns", "gpt2", dict(r=4, lora_alpha=8, use_dora=True, use_rslora=True,
                                               target_modules=["c_attn", "mlp.c_proj"],
                                               rank_pattern={"h.1.attn.c_attn": 2}, alpha_pattern={"c_proj": 3})),
    ("llama_dora", "llama", dict(r=4, lora_alpha=16, use_dora=True, target_modules=["q_proj", "k_proj", "down_proj"],
                                 rank_pattern={"down_proj": 2})),
    ("qwen2_dora_all", "qwen2", dict(r=2, lora_alpha=4, use_dora=True, target_modules="all-linear", use_rslora=True,
                                     alpha_pattern={"self_attn.v_proj": 7})),
    ("gpt2_patterns", "gpt2", dict(r=4, lora_alpha=8, use_rslora=True, target_modules=["c_attn", "c_fc", "c_proj"],
                                   rank_pattern={"h.0.mlp.c_fc": 6, "attn.c_proj": 1},
                                   alpha_pattern={"h.1.attn.c_attn": 2})),
    ("qwen2_patterns", "qwen2", dict(r=3, lora_alpha=6, target_modules=["q_proj", "v_proj", "gate_proj", "down_proj"],
                                     rank_pattern={"gate_proj": 5}, alpha_pattern={"layers.0.self_attn.q_proj": 1.5})),
    # GPT-2's tied head: wte is wrapped, lm_head (the same Parameter) is not, so the adapter changes the input
    # embeddings only until merge writes into the shared table
    ("gpt2_embedding", "gpt2", dict(r=4, lora_alpha=8, target_modules=["wte", "c_attn"])),
    ("llama_embedding", "llama", dict(r=2, lora_alpha=4, use_rslora=True, target_modules=["embed_tokens", "v_proj"])),
    ("gpt2_embedding_dora", "gpt2", dict(r=2, lora_alpha=4, use_dora=True, target_modules=["wte", "c_fc"])),
]
GRAD_CASES = {"gpt2_dora", "llama_dora", "gpt2_embedding", "gpt2_embedding_dora"}

# (case, base, LoraConfig kwargs) with an init_lora_weights form that factors W
INIT_CASES = [
    ("llama_pissa", "llama", dict(r=4, lora_alpha=8, init_lora_weights="pissa",
                                  target_modules=["q_proj", "k_proj", "down_proj"])),
    ("gpt2_pissa", "gpt2", dict(r=3, lora_alpha=6, use_rslora=True, init_lora_weights="pissa",
                                target_modules=["c_attn"])),
    ("llama_olora", "llama", dict(r=4, lora_alpha=8, init_lora_weights="olora", target_modules=["q_proj", "k_proj"])),
    ("qwen2_pissa_dora", "qwen2", dict(r=2, lora_alpha=4, init_lora_weights="pissa", use_dora=True,
                                       target_modules=["o_proj", "up_proj"])),
    ("llama_loftq", "llama", dict(r=4, lora_alpha=4, init_lora_weights="loftq",
                                  loftq_config=LoftQConfig(loftq_bits=4, loftq_iter=2),
                                  target_modules=["q_proj", "up_proj"])),
]

COUNT_CASES = [
    ("gpt2", ["c_attn"], {"use_dora": True}),
    ("gpt2", ["wte", "c_attn"], {}),
    ("gpt2", ["wte"], {"r": 8}),
    ("llama", "all-linear", {"use_dora": True}),
    ("llama", ["embed_tokens", "q_proj"], {"use_dora": True}),
    ("qwen2", ["q_proj", "down_proj"], {"use_dora": True, "rank_pattern": {"down_proj": 1}}),
    ("qwen2", ["embed_tokens", "lm_head"], {}),
]


def load(golden, base):
    return AutoModelForCausalLM.from_pretrained(os.path.join(golden, BASES[base]), attn_implementation="eager",
                                                dtype=torch.float32).eval()


def cpu_loftq_init():
    """peft's loftq_utils.loftq_init with its compute device ("cuda" or "xpu") set to "cpu", nothing else changed."""
    import peft.tuners.lora.layer as layer_mod
    import peft.utils.loftq_utils as lq
    src = textwrap.dedent(inspect.getsource(lq.loftq_init.__wrapped__ if hasattr(lq.loftq_init, "__wrapped__")
                                            else lq.loftq_init))
    line = 'compute_device = "xpu" if is_xpu_available() else "cuda"'
    assert line in src, "peft's loftq_init changed; update cpu_loftq_init"
    src = src.replace(line, 'compute_device = "cpu"')
    ns = dict(vars(lq))
    exec(compile(src, lq.__file__, "exec"), ns)
    layer_mod.loftq_init = ns["loftq_init"]

    import bitsandbytes.functional as bf
    from bitsandbytes.backends.default.ops import _dequantize_4bit_compute
    from bitsandbytes.backends.utils import _get_4bit_code

    def generic_dequantize_4bit(A, quant_state):
        assert quant_state.quant_type == "nf4" and not quant_state.nested and quant_state.dtype == torch.float32
        return _dequantize_4bit_compute(A.view(torch.uint8).reshape(-1), quant_state.absmax,
                                        _get_4bit_code("nf4", A.device), quant_state.blocksize, quant_state.shape,
                                        torch.float32)
    bf.dequantize_4bit = generic_dequantize_4bit


def save_adapter(peft_model, d):
    if os.path.isdir(d):
        shutil.rmtree(d)
    peft_model.save_pretrained(d)
    os.remove(os.path.join(d, "README.md"))   # a model card template, not part of the adapter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {}
    root = os.path.join(args.golden, "peft_variants")
    os.makedirs(root, exist_ok=True)

    for i, (case, base, kwargs) in enumerate(ADAPTER_CASES):
        torch.manual_seed(300 + i)
        model = load(args.golden, base)
        peft_model = get_peft_model(model, LoraConfig(lora_dropout=0.0, init_lora_weights=False, **kwargs))
        with torch.no_grad():
            for n, p in peft_model.named_parameters():
                if "lora_magnitude_vector" in n:
                    p.mul_(1 + 0.2 * torch.randn_like(p))
        peft_model.eval()
        gen = torch.Generator().manual_seed(11 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        d = os.path.join(root, case)
        save_adapter(peft_model, d)
        out[case + ".input_ids"] = ids
        if case in GRAD_CASES:
            logits = peft_model(input_ids=ids).logits
            dlogits = torch.randn(logits.shape, generator=gen)
            (logits * dlogits).sum().backward()
            out[case + ".dlogits"] = dlogits
            for n, p in peft_model.named_parameters():
                if p.requires_grad:
                    out[case + ".grad." + n.removeprefix("base_model.model.")] = p.grad.detach().clone()
        with torch.no_grad():
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
            out[case + ".merged"] = peft_model.merge_and_unload()(input_ids=ids).logits.contiguous()
        again = PeftModel.from_pretrained(load(args.golden, base), d).eval()
        with torch.no_grad():
            assert torch.allclose(again(input_ids=ids).logits, out[case + ".logits"], atol=1e-6), case

    have_bnb = importlib.util.find_spec("bitsandbytes") is not None
    if have_bnb:
        cpu_loftq_init()
    for i, (case, base, kwargs) in enumerate(INIT_CASES):
        if kwargs["init_lora_weights"] == "loftq" and not have_bnb:
            print(f"skipping {case}: bitsandbytes is not importable (see the docstring)")
            continue
        torch.manual_seed(400 + i)
        model = load(args.golden, base)
        peft_model = get_peft_model(model, LoraConfig(lora_dropout=0.0, **kwargs)).eval()
        gen = torch.Generator().manual_seed(21 + i)
        ids = torch.randint(0, model.config.vocab_size, (B, T), generator=gen)
        save_adapter(peft_model, os.path.join(root, case))
        out[case + ".input_ids"] = ids
        with torch.no_grad():
            out[case + ".logits"] = peft_model(input_ids=ids).logits.contiguous()
        for name, module in peft_model.base_model.model.named_modules():
            if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
                out[f"{case}.{name}.lora_A"] = module.lora_A["default"].weight.detach().contiguous()
                out[f"{case}.{name}.lora_B"] = module.lora_B["default"].weight.detach().contiguous()
                out[f"{case}.{name}.base"] = module.get_base_layer().weight.detach().contiguous()
    save_file(out, os.path.join(args.golden, "peft_variants_golden.safetensors"))

    counts = []
    for base, targets, extra in COUNT_CASES:
        kwargs = dict(r=4, lora_alpha=8, target_modules=targets)
        kwargs.update(extra)
        peft_model = get_peft_model(load(args.golden, base), LoraConfig(**kwargs))
        trainable, total = peft_model.get_nb_trainable_parameters()
        counts.append({"base": base, "config": kwargs, "trainable": trainable, "all": total})
    with open(os.path.join(args.golden, "peft_variants_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
