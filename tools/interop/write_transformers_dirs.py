#!/usr/bin/env python3
"""Interop, transformers -> Cortado: writes, under OUT, one directory per family as transformers' save_pretrained writes
it today (the interop venv's transformers), tiny and random, with the logits transformers computes beside it:

  OUT/NAME/config.json, model.safetensors   save_pretrained (float32)
  OUT/NAME/hf_logits.safetensors            input_ids [2, 12] and logits [2, 12, V] (float32, eager attention)

The families: gpt2; llama plain, with every rope_scaling type, and with biases + head_dim + a tied head; mistral and
qwen2 with and without a sliding window shorter than the 12 tokens; qwen3.

The Java side (TransformersInteropTest) loads each directory with HfCheckpoint.load and compares its logits.

    PYTHON tools/interop/write_transformers_dirs.py OUT
"""
import math
import os
import sys
import warnings

import torch
from safetensors.torch import save_file
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)
from transformers.utils import logging

SMALL = dict(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=1, max_position_embeddings=64)


def families():
    yield "gpt2", GPT2LMHeadModel(GPT2Config(vocab_size=40, n_positions=32, n_embd=16, n_layer=2, n_head=2))
    yield "llama", LlamaForCausalLM(LlamaConfig(**SMALL))
    yield "llama_tied_biases", LlamaForCausalLM(LlamaConfig(**SMALL, tie_word_embeddings=True, attention_bias=True,
                                                            mlp_bias=True, head_dim=12))
    for kind, extra in (("linear", {"factor": 2.0}), ("dynamic", {"factor": 2.0}),
                        ("llama3", {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                    "original_max_position_embeddings": 16}),
                        ("yarn", {"factor": 4.0, "original_max_position_embeddings": 16})):
        yield "llama_" + kind, LlamaForCausalLM(LlamaConfig(**SMALL, rope_scaling={"rope_type": kind, **extra}))
    yield "mistral", MistralForCausalLM(MistralConfig(**SMALL, sliding_window=32))
    yield "mistral_window", MistralForCausalLM(MistralConfig(**SMALL, sliding_window=5))
    yield "qwen2", Qwen2ForCausalLM(Qwen2Config(**SMALL))
    yield "qwen2_window", Qwen2ForCausalLM(Qwen2Config(**SMALL, use_sliding_window=True, sliding_window=5,
                                                       max_window_layers=1))
    yield "qwen3", Qwen3ForCausalLM(Qwen3Config(**SMALL, head_dim=8))


@torch.no_grad()
def redraw(model, gen):
    """Weights at scales where every part of the network moves the logits (HF's std 0.02 would hide mistakes)."""
    for name, p in model.named_parameters():
        if p.dim() == 1:
            p.copy_((0.1 if name.endswith("bias") else 0.2) * torch.randn(p.shape, generator=gen)
                    + (0.0 if name.endswith("bias") else 1.0))
        else:
            fan_in = p.shape[0] if name.startswith("transformer.h.") else p.shape[1]
            p.copy_(torch.randn(p.shape, generator=gen) * (1.5 / math.sqrt(fan_in)))


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    gen = torch.Generator().manual_seed(7)
    for name, model in families():
        model.config._attn_implementation = "eager"
        redraw(model, gen)
        model.eval()
        path = os.path.join(out, name)
        model.save_pretrained(path, safe_serialization=True)
        ids = torch.randint(0, model.config.vocab_size, (2, 12), generator=gen)
        with torch.no_grad():
            logits = model(input_ids=ids).logits
        save_file({"input_ids": ids, "logits": logits.contiguous()}, os.path.join(path, "hf_logits.safetensors"))
        print(name)


if __name__ == "__main__":
    main()
