#!/usr/bin/env python3
"""Tiny Hugging Face checkpoints for the GGUF checks: a GPT-2 and a Llama (grouped-query attention, untied head),
each with a 400-token byte-level BPE tokenizer (GPT-2's pre-tokenizer) copied from the test resources.

Widths are 256 so every matrix row is whole k-quant super-blocks of 256 (llama-quantize falls back to other types
otherwise). Each model is drawn from a fixed seed and then trained --train-steps AdamW steps on the start of the demo
corpus (cli/src/main/resources/cortado/demo/corpus.txt): a random model's next-token logits are nearly flat, so
greedy decoding sits on near-ties that any rounding flips, while a trained one predicts with margins, as real models
do. Deterministic on one machine (torch's CPU kernels, one thread).

    /work/venv/bin/python tools/gguf/make_tiny_models.py --out /tmp/gguf-work [--width 256 --layers 2]
"""
import argparse
import json
import os
import shutil

import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GPT2_TOK = os.path.join(ROOT, "serve/src/test/resources/serve/tiny-chat")
LLAMA_TOK = os.path.join(ROOT, "eval/src/test/resources/eval/tiny_llama")


CORPUS = os.path.join(ROOT, "cli/src/main/resources/cortado/demo/corpus.txt")


def train(model, tok_dir, steps, seed, seq=64, batch=16, lr=3e-3):
    if steps == 0:
        return
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(tok_dir, "tokenizer.json"))
    with open(CORPUS, encoding="utf-8") as f:
        ids = torch.tensor(tok.encode(f.read(200_000), add_special_tokens=False).ids)
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    for step in range(steps):
        starts = torch.randint(0, len(ids) - seq - 1, (batch,), generator=g)
        x = torch.stack([ids[s:s + seq] for s in starts])
        loss = model(input_ids=x, labels=x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"  step {step} loss {loss.item():.3f}", flush=True)
    model.eval()


def copy_tokenizer(src, dst):
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(src, f), os.path.join(dst, f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--train-steps", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--positions", type=int, default=256)
    a = ap.parse_args()
    w = a.width

    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=400, n_positions=a.positions, n_embd=w, n_layer=a.layers, n_head=4,
                                      n_inner=4 * w, bos_token_id=0, eos_token_id=0))
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    train(gpt2, GPT2_TOK, a.train_steps, a.seed)
    d = os.path.join(a.out, "gpt2")
    gpt2.save_pretrained(d)
    # convert_hf_to_gguf.py (Feb 2025) reads GPT-2's context from n_ctx, which transformers 5 no longer saves.
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    cfg["n_ctx"] = cfg["n_positions"]
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    copy_tokenizer(GPT2_TOK, d)

    llama = LlamaForCausalLM(LlamaConfig(vocab_size=400, hidden_size=w, intermediate_size=2 * w,
                                         num_hidden_layers=a.layers, num_attention_heads=4, num_key_value_heads=2,
                                         max_position_embeddings=a.positions, rms_norm_eps=1e-5, tie_word_embeddings=False,
                                         bos_token_id=0, eos_token_id=4))
    torch.manual_seed(a.seed + 1)
    train(llama, LLAMA_TOK, a.train_steps, a.seed + 1)
    d = os.path.join(a.out, "llama")
    llama.save_pretrained(d)
    copy_tokenizer(LLAMA_TOK, d)
    print("wrote", os.path.join(a.out, "gpt2"), os.path.join(a.out, "llama"))


if __name__ == "__main__":
    main()
