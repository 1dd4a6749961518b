#!/usr/bin/env python3
"""Golden files for the Llama family (llama with every rope_scaling type, mistral, qwen2, qwen3), written by
transformers (float32, CPU, eager attention) on tiny random configs.

For each case NAME this writes, under --out:

  NAME/config.json, NAME/model.safetensors   save_pretrained of the model (weights rounded to bfloat16 values and saved
                                             as BF16 to keep the files small; the golden is computed in float32 from
                                             exactly those values)
  NAME_golden.safetensors                    input_ids [B,T] (I64); logits [B,T,V] (or, for the long case, logits at
                                             the positions in logit_positions); loss [] (HF's causal-LM loss);
                                             inv_freq (the rotary embedding's buffer after the forward pass) and
                                             attention_scaling []; grad.<name> for every parameter where the case
                                             asks for gradients; for dynamic scaling also cached_logits [B,T,V]:
                                             a prefill of the first PREFILL tokens with a KV cache, then one token at
                                             a time (what generate computes past max_position_embeddings)

Run (needs torch, transformers, safetensors; CI has none of them, so the outputs are committed):
    /work/venv/bin/python tools/golden/make_family_golden.py --out tests/src/test/resources/golden/families
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

from make_golden import redraw

B, T = 2, 16
PREFILL = 12
# Tiny: width 16, 2 query heads over 1 key/value head of 8, 2 layers: about 6k parameters per model.
TINY = dict(vocab_size=48, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
            num_key_value_heads=1, max_position_embeddings=64, rms_norm_eps=1e-5, attention_dropout=0.0,
            tie_word_embeddings=False)
LLAMA_IDS = dict(bos_token_id=1, eos_token_id=2)


def llama(**kw):
    return LlamaForCausalLM, LlamaConfig(**{**TINY, **LLAMA_IDS, **kw})


# name -> (builder, gradients?, T). Gradients where the backward differs: a scaled table (dynamic, yarn), biases and
# tying, qwen2's biases, qwen3's q/k norms; the other rope types differ from those only in inv_freq.
CASES = {
    "llama_linear": (lambda: llama(rope_scaling={"rope_type": "linear", "factor": 2.0}), False, T),
    # max_position_embeddings 16 and T = 24: the forward pass grows past it, so transformers recomputes inv_freq.
    "llama_dynamic": (lambda: llama(max_position_embeddings=16, rope_theta=500.0,
                                    rope_scaling={"rope_type": "dynamic", "factor": 2.0}), True, 24),
    # Llama 3.1's scheme; original context 16 puts one frequency in the smoothed band and the rest below it.
    "llama_llama3": (lambda: llama(rope_theta=500000.0, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 16}), False, T),
    # YaRN with a ramp over the middle dimensions (original 1024, factor 4) and the default attention factor.
    "llama_yarn": (lambda: llama(max_position_embeddings=4096, rope_scaling={
        "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 1024}), True, T),
    # YaRN with every option: mscale ratio, betas, no truncation.
    "llama_yarn_options": (lambda: llama(max_position_embeddings=4096, rope_theta=1000.0, rope_scaling={
        "rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 512, "mscale": 2.0,
        "mscale_all_dim": 1.0, "beta_fast": 16.0, "beta_slow": 2.0, "truncate": False}), False, T),
    # Biases everywhere, an explicit head_dim (12, not 16 / 2), tied head.
    "llama_biases": (lambda: llama(attention_bias=True, mlp_bias=True, head_dim=12, tie_word_embeddings=True),
                     True, T),
    "mistral": (lambda: (MistralForCausalLM, MistralConfig(**{**TINY, **LLAMA_IDS, "sliding_window": 32})), False, T),
    "mistral_window": (lambda: (MistralForCausalLM, MistralConfig(**{**TINY, **LLAMA_IDS, "sliding_window": 6})),
                       False, T),
    "qwen2": (lambda: (Qwen2ForCausalLM, Qwen2Config(**TINY)), True, T),
    # Layer 0 full, layer 1 windowed (max_window_layers 1).
    "qwen2_window": (lambda: (Qwen2ForCausalLM, Qwen2Config(**{**TINY, "use_sliding_window": True,
                                                                "sliding_window": 6, "max_window_layers": 1})),
                     False, T),
    "qwen3": (lambda: (Qwen3ForCausalLM, Qwen3Config(**{**TINY, "head_dim": 8})), True, T),
}

# Long case: T = 256 spans several attention key tiles and query blocks, and B*T = 1024 rows make the MLP and head
# GEMMs large enough (>= 2^23 multiply-adds) to run multi-threaded in Cortado's sgemm. One layer keeps it small.
LONG = ("llama_long", dict(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                           rms_norm_eps=1e-5, attention_dropout=0.0, tie_word_embeddings=True, **LLAMA_IDS), 4, 256)


@torch.no_grad()
def round_to_bf16(model):
    for p in model.parameters():
        p.copy_(p.to(torch.bfloat16).to(torch.float32))


def build(cls, cfg, seed):
    cfg._attn_implementation = "eager"
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = cls(cfg)
    redraw(model, gen)
    round_to_bf16(model)
    return model, gen


def save_model(model, path):
    model.to(torch.bfloat16).save_pretrained(path, safe_serialization=True)
    model.to(torch.float32)


def loss_of(model, ids, grads):
    model.zero_grad(set_to_none=True)
    out = model(input_ids=ids, labels=ids)
    if grads:
        out.loss.backward()
    return out


def cached_logits(cls, cfg, state, ids):
    """Prefill PREFILL tokens with a KV cache, then feed one token at a time, as generate does."""
    model = cls(cfg)
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        out = model(input_ids=ids[:, :PREFILL], use_cache=True)
        rows, past = [out.logits], out.past_key_values
        for t in range(PREFILL, ids.shape[1]):
            out = model(input_ids=ids[:, t:t + 1], past_key_values=past, use_cache=True)
            rows.append(out.logits)
            past = out.past_key_values
    return torch.cat(rows, dim=1), model.model.rotary_emb.inv_freq.clone()


def make(name, cls, cfg, grads, t, out, seed, batch=B, positions=None):
    model, gen = build(cls, cfg, seed)
    ids = torch.randint(0, cfg.vocab_size, (batch, t), generator=gen)
    model.train()  # dropout is 0 everywhere
    state = {k: v.clone() for k, v in model.state_dict().items()}
    res = loss_of(model, ids, grads)
    rotary = model.model.rotary_emb
    golden = {"input_ids": ids, "loss": res.loss.detach().reshape(()),
              "inv_freq": rotary.inv_freq.detach().clone().contiguous(),
              "attention_scaling": torch.tensor(float(rotary.attention_scaling))}
    logits = res.logits.detach()
    if positions is None:
        golden["logits"] = logits.contiguous()
    else:
        golden["logit_positions"] = torch.tensor(positions, dtype=torch.int64)
        golden["logits"] = logits[:, positions, :].contiguous()
    if grads:
        for pname, p in model.named_parameters():
            golden["grad." + pname] = p.grad.detach().clone().contiguous()
    if cfg.rope_parameters.get("rope_type") == "dynamic":
        golden["cached_logits"], golden["cached_inv_freq"] = cached_logits(cls, cfg, state, ids)
        golden["cached_logits"] = golden["cached_logits"].contiguous()
        golden["original_inv_freq"] = rotary.original_inv_freq.clone().contiguous()
    meta = {"generator": "tools/golden/make_family_golden.py", "torch": torch.__version__,
            "B": str(batch), "T": str(t), "model_type": cfg.model_type,
            "rope_parameters": json.dumps(cfg.rope_parameters),
            "loss": "HF causal-LM loss (labels = input_ids, shifted inside the model)"}
    save_file(golden, os.path.join(out, name + "_golden.safetensors"), metadata=meta)
    # Saved last: converting to bfloat16 would also round the inv_freq buffer the forward pass above used.
    model.zero_grad(set_to_none=True)
    save_model(model, os.path.join(out, name))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} params, loss {res.loss.item():.6f}, "
          f"inv_freq {rotary.inv_freq.tolist()}, scaling {rotary.attention_scaling}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/src/test/resources/golden/families")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic accumulation order
    for i, (name, (builder, grads, t)) in enumerate(CASES.items()):
        cls, cfg = builder()
        make(name, cls, cfg, grads, t, args.out, seed=100 + i)
    name, kw, batch, t = LONG
    positions = sorted(set(list(range(0, t, 32)) + [t - 2, t - 1]))
    make(name, LlamaForCausalLM, LlamaConfig(**kw), False, t, args.out, seed=99, batch=batch, positions=positions)


if __name__ == "__main__":
    main()
