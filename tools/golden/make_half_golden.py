#!/usr/bin/env python3
"""Golden files for models stored in 16 bits (bf16 and f16), written by transformers on tiny random configs.

Cortado keeps such weights in 16 bits in memory and widens them inside its kernels; the reference is transformers in
float32 on exactly the same (16-bit-rounded) weights, so the two differ only by float32 accumulation order.

For each case NAME (llama_bf16, llama_f16, gpt2_bf16, gpt2_f16) this writes, under --out:

  NAME/config.json, NAME/model.safetensors   save_pretrained of the model in that dtype (transformers' own layout:
                                             GPT-2's Conv1D weights [in, out], Llama's tied head stored once)
  NAME_golden.safetensors                    input_ids [B,T] (I64) and logits [B,T,V] (F32) of the float32 model

Widths are multiples of 32 so the kernels' paired vector path runs (their scalar tails are covered by the kernel
tests). The Llama ties its head (one 16-bit table for the lookup and the head), the GPT-2 does too (as GPT-2 does).

Run (needs torch, transformers, safetensors; CI has none of them, so the outputs are committed):
    /work/venv/bin/python tools/golden/make_half_golden.py --out tests/src/test/resources/golden/half
"""
import argparse
import os

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

from make_golden import redraw

B, T = 2, 16
LLAMA = dict(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, attention_dropout=0.0,
             tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)
GPT2 = dict(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0,
            attn_pdrop=0.0, tie_word_embeddings=True, bos_token_id=0, eos_token_id=0)
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


def make(name, cls, cfg, dtype, out, seed):
    cfg._attn_implementation = "eager"
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = cls(cfg)
    with torch.no_grad():
        redraw(model, gen)
        for p in model.parameters():
            p.copy_(p.to(dtype).to(torch.float32))  # the float32 model holds exactly the 16-bit values
    model.eval()
    ids = torch.randint(0, cfg.vocab_size, (B, T), generator=gen)
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    save_file({"input_ids": ids, "logits": logits.contiguous()}, os.path.join(out, name + "_golden.safetensors"),
              metadata={"generator": "tools/golden/make_half_golden.py", "torch": torch.__version__,
                        "weights": str(dtype), "logits": "float32 forward on the 16-bit-rounded weights"})
    model.to(dtype).save_pretrained(os.path.join(out, name), safe_serialization=True)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} params, logits max {logits.abs().max():.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/src/test/resources/golden/half")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for i, (tag, dtype) in enumerate(DTYPES.items()):
        make("llama_" + tag, LlamaForCausalLM, LlamaConfig(**LLAMA), dtype, args.out, seed=200 + i)
        make("gpt2_" + tag, GPT2LMHeadModel, GPT2Config(**GPT2), dtype, args.out, seed=210 + i)


if __name__ == "__main__":
    main()
