#!/usr/bin/env python3
"""Golden files for Cortado's parity tests, written by PyTorch + transformers (float32, CPU, eager attention).

For a tiny random GPT-2 and a tiny random Llama (grouped-query attention, RoPE) this writes, under --out:

  <model>/config.json, <model>/model.safetensors   the HF checkpoint, saved by save_pretrained
  <model>_golden.safetensors                          input_ids [B,T] (I64), labels [B,T] (I64, -100 = ignored),
                                                      logits [B,T,V], loss [] (HF's causal-LM loss: logits[:, :-1]
                                                      against input_ids[:, 1:], mean over B*(T-1) tokens), and
                                                      grad.<name> for every parameter (HF names)
  <model>_train.safetensors                           tokens [N] (I64) and losses [10]: 10 AdamW steps with
                                                      --data-order sequential (see train_losses)
  <model>_train.bin                                   the same tokens as an llm.c token file
  safetensors_dtypes.safetensors                      one tensor per dtype torch can store (float8 included), each
                                                      with "<dtype>.expected": its values converted by tensor.float()
  safetensors_write_{F32,F16,BF16}.safetensors        the same four tensors saved by safetensors' own writer in each
                                                      dtype, to compare Cortado's writer byte for byte

Weights are re-drawn at larger scales than HF's init (std 0.02 gives near-uniform attention and near-constant logits,
which would hide scaling bugs); norms get weights near 1 and non-zero biases so every parameter matters.

Run (needs torch, transformers, safetensors; CI has none of them, so the outputs are committed):
    /work/venv/bin/python tools/golden/make_golden.py --out tests/src/test/resources/golden
"""
import argparse
import json
import math
import os
import struct

import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

B, T = 2, 16
TRAIN_STEPS = 10
# AdamW / clip settings the Java test repeats (PyTorch defaults otherwise).
LR, WEIGHT_DECAY, BETAS, EPS, GRAD_CLIP = 1e-3, 0.1, (0.9, 0.999), 1e-8, 1.0


def gpt2():
    cfg = GPT2Config(vocab_size=96, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=95, eos_token_id=95,
                     activation_function="gelu_new", layer_norm_epsilon=1e-5)
    cfg._attn_implementation = "eager"
    return GPT2LMHeadModel(cfg)


def llama():
    cfg = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                      rms_norm_eps=1e-5, tie_word_embeddings=False, attention_dropout=0.0,
                      bos_token_id=1, eos_token_id=2)
    cfg._attn_implementation = "eager"
    return LlamaForCausalLM(cfg)


@torch.no_grad()
def redraw(model, gen):
    """Weights at scales where every path of the network changes the output noticeably."""
    for name, p in model.named_parameters():
        if p.dim() == 1:
            if name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:  # LayerNorm / RMSNorm weight
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
        elif "wte" in name or "wpe" in name or "embed_tokens" in name:
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
        else:
            fan_in = p.shape[0] if "transformer.h." in name else p.shape[1]  # GPT-2 Conv1D stores [in, out]
            p.copy_(torch.randn(p.shape, generator=gen) * (1.5 / math.sqrt(fan_in)))


def forward_backward(model, ids):
    labels = ids.clone()
    model.zero_grad(set_to_none=True)
    out = model(input_ids=ids, labels=labels)  # HF shifts inside: logits[:, :-1] vs labels[:, 1:]
    out.loss.backward()
    # The same loss written with ignore_index: position t predicts ids[t+1]; the last position is ignored.
    shifted = torch.full_like(ids, -100)
    shifted[:, :-1] = ids[:, 1:]
    ref = torch.nn.functional.cross_entropy(out.logits.reshape(-1, out.logits.size(-1)), shifted.reshape(-1),
                                            ignore_index=-100)
    assert torch.allclose(ref, out.loss), (ref, out.loss)
    return out.logits.detach(), out.loss.detach(), shifted


def make_optimizer(model):
    """PyTorch AdamW; no weight decay on tensors of rank < 2 (biases, norm weights) as nanoGPT/llm.c do."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=LR, betas=BETAS, eps=EPS, foreach=False)


def train_losses(model, tokens):
    """10 steps; batch i = tokens[i*B*T : (i+1)*B*T] as inputs and the same window shifted by one as targets
    (llm.c's loader without shuffling); mean cross-entropy over all B*T positions; global-norm clip; constant lr.
    The loss recorded for step i is the one computed before step i's update."""
    opt = make_optimizer(model)
    losses = []
    for i in range(TRAIN_STEPS):
        window = tokens[i * B * T: (i + 1) * B * T + 1]
        x = window[:-1].view(B, T)
        y = window[1:].view(B, T)
        opt.zero_grad(set_to_none=True)
        logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        opt.step()
        losses.append(loss.item())
    return torch.tensor(losses, dtype=torch.float32)


def write_llmc_bin(path, tokens):
    """llm.c token file: 256 int32 header (magic 20240520, version 1, token count), then uint16 tokens."""
    header = [0] * 256
    header[0], header[1], header[2] = 20240520, 1, len(tokens)
    with open(path, "wb") as f:
        f.write(struct.pack("<256i", *header))
        f.write(struct.pack("<%dH" % len(tokens), *tokens.tolist()))


def make(name, build, out, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build()
    redraw(model, gen)
    model.train()  # dropout probabilities are all 0, so train and eval modes compute the same thing
    vocab = model.config.vocab_size

    model.save_pretrained(os.path.join(out, name), safe_serialization=True)

    ids = torch.randint(0, vocab, (B, T), generator=gen)
    logits, loss, labels = forward_backward(model, ids)
    golden = {"input_ids": ids, "labels": labels, "logits": logits.contiguous(), "loss": loss.reshape(())}
    for pname, p in model.named_parameters():
        golden["grad." + pname] = p.grad.detach().clone().contiguous()
    meta = {"generator": "tools/golden/make_golden.py", "torch": torch.__version__,
            "B": str(B), "T": str(T), "loss": "HF causal-LM loss (labels = input_ids, shifted inside the model)"}
    save_file(golden, os.path.join(out, name + "_golden.safetensors"), metadata=meta)

    # Training golden starts from the same saved weights.
    train_model = build()
    train_model.load_state_dict(model.state_dict())
    train_model.train()
    n_tokens = 16 * B * T + 1  # 10 training windows from the head; room for a held-out tail
    tokens = torch.randint(0, vocab, (n_tokens,), generator=gen)
    losses = train_losses(train_model, tokens)
    tmeta = {"generator": "tools/golden/make_golden.py", "B": str(B), "T": str(T), "steps": str(TRAIN_STEPS),
             "lr": str(LR), "weight_decay": str(WEIGHT_DECAY), "betas": json.dumps(BETAS), "eps": str(EPS),
             "grad_clip": str(GRAD_CLIP), "schedule": "constant",
             "data_order": "sequential (batch i = tokens[i*B*T .. (i+1)*B*T], targets shifted by one)"}
    save_file({"tokens": tokens, "losses": losses}, os.path.join(out, name + "_train.safetensors"), metadata=tmeta)
    write_llmc_bin(os.path.join(out, name + "_train.bin"), tokens)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} params, loss {loss.item():.6f}, "
          f"train losses {[round(x, 4) for x in losses.tolist()]}")


def safetensors_reference(out):
    gen = torch.Generator().manual_seed(42)
    base = torch.randn(2, 3, 4, generator=gen) * 3
    base[0, 0, :4] = torch.tensor([1.0, -0.0, 1.00390625, 65504.0])  # exact, signed zero, bf16 tie, f16 max
    dtypes = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "F8_E4M3": torch.float8_e4m3fn, "F8_E5M2": torch.float8_e5m2,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
              "BOOL": torch.bool, "U16": torch.uint16, "U32": torch.uint32, "U64": torch.uint64}
    tensors = {}
    for name, dt in dtypes.items():
        if dt.is_floating_point:
            src = base.clamp(-400, 400) if name.startswith("F8") else base
            t = src.to(dt)
        elif dt == torch.bool:
            t = base > 0
        else:
            lo = 0 if name.startswith("U") else -100
            t = (base * 30).round().clamp(lo, 200).to(torch.int64).to(dt)
        tensors[name] = t.contiguous()
        tensors[name + ".expected"] = t.to(torch.float32).clone()
    save_file(tensors, os.path.join(out, "safetensors_dtypes.safetensors"), metadata={"format": "pt", "note": "dtypes"})

    ref = {"w": torch.randn(3, 5, generator=gen), "b": torch.randn(5, generator=gen),
           "emb": torch.randn(4, 3, generator=gen) * 1000, "s": torch.tensor(0.1)}
    for name, dt in (("F32", torch.float32), ("F16", torch.float16), ("BF16", torch.bfloat16)):
        save_file({k: v.to(dt) for k, v in ref.items()}, os.path.join(out, f"safetensors_write_{name}.safetensors"),
                  metadata={"format": "pt"})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/src/test/resources/golden")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # deterministic accumulation order
    make("gpt2", gpt2, args.out, seed=1234)
    make("llama", llama, args.out, seed=5678)
    safetensors_reference(args.out)


if __name__ == "__main__":
    main()
