#!/usr/bin/env python3
"""Golden file for the inputs_embeds path, written by transformers (float32, CPU, eager attention, dropout 0) from the
tiny GPT-2 and Llama checkpoints make_golden.py wrote (tests/src/test/resources/golden/{gpt2,llama}).

For each model this writes <model>_inputs_embeds.safetensors under --out:

  input_ids [B,T] (I64)         random ids
  logits_ids [B,T,V]            model(input_ids).logits
  logits_rows [B,T,V]           model(inputs_embeds=<the token embedding's rows of input_ids>).logits
  inputs_embeds [B,T,C]         arbitrary embeddings (normal, the scale of the token embedding's entries)
  labels [B,T] (I64)            targets as Cortado takes them: input_ids shifted left, the last position -100
  logits_embeds [B,T,V]         model(inputs_embeds=inputs_embeds).logits
  loss_embeds []                cross-entropy of logits_embeds against labels (mean over the counted positions)
  grad.inputs_embeds [B,T,C]    d loss_embeds / d inputs_embeds (what prompt tuning trains)
  logits_cached [B,T-P,V]       a prefill of inputs_embeds[:, :P] with a KV cache, then inputs_embeds[:, P:] through
                                the cache (past_key_values), as generate(inputs_embeds=...) continues

GPT-2 adds its learned position embeddings to inputs_embeds, Llama applies RoPE: transformers does both whether the
embeddings come from ids or not, and these logits pin that down.

For BERT (golden/bert, a BertModel) it writes bert_inputs_embeds.safetensors: input_ids, token_type_ids and
attention_mask [B,T] (I64; row 1 padded), hidden_rows [B,T,C] (last_hidden_state from the word embedding's rows of
input_ids), inputs_embeds [B,T,C], hidden_embeds and pooler_embeds (from inputs_embeds): BertEmbeddings still adds
the token type and position embeddings, then LayerNorm.

Run (needs torch, transformers, safetensors; CI has none of them, so the output is committed, about 40 KB):
    /work/venv/bin/python tools/golden/make_inputs_embeds_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, BertModel, DynamicCache

B, T, P = 2, 8, 5


def golden(model_dir, seed):
    model = AutoModelForCausalLM.from_pretrained(model_dir, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    vocab = model.config.vocab_size
    ids = torch.randint(0, vocab, (B, T), generator=gen)
    table = model.get_input_embeddings().weight
    out = {"input_ids": ids}
    with torch.no_grad():
        out["logits_ids"] = model(input_ids=ids).logits
        out["logits_rows"] = model(inputs_embeds=table[ids]).logits
    embeds = (torch.randn(B, T, table.shape[1], generator=gen) * table.std()).detach()
    out["inputs_embeds"] = embeds.clone()
    labels = torch.full((B, T), -100, dtype=torch.long)
    labels[:, :-1] = ids[:, 1:]
    out["labels"] = labels
    x = embeds.clone().requires_grad_(True)
    logits = model(inputs_embeds=x).logits
    loss = F.cross_entropy(logits.reshape(B * T, vocab), labels.reshape(B * T), ignore_index=-100)
    loss.backward()
    out["logits_embeds"] = logits.detach()
    out["loss_embeds"] = loss.detach()
    out["grad.inputs_embeds"] = x.grad
    with torch.no_grad():
        cache = DynamicCache(config=model.config)
        model(inputs_embeds=embeds[:, :P], past_key_values=cache, use_cache=True)
        positions = torch.arange(P, T).unsqueeze(0).expand(B, -1)
        out["logits_cached"] = model(inputs_embeds=embeds[:, P:], past_key_values=cache, use_cache=True,
                                     position_ids=positions).logits
    return {k: v.contiguous() for k, v in out.items()}


def bert_golden(model_dir, seed):
    model = BertModel.from_pretrained(model_dir, attn_implementation="eager", dtype=torch.float32)
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(1, model.config.vocab_size, (B, T), generator=gen)
    types = torch.zeros(B, T, dtype=torch.long)
    types[:, T // 2:] = 1
    mask = torch.ones(B, T, dtype=torch.long)
    mask[1, -3:] = 0
    table = model.get_input_embeddings().weight
    embeds = (torch.randn(B, T, table.shape[1], generator=gen) * table.std()).detach()
    out = {"input_ids": ids, "token_type_ids": types, "attention_mask": mask, "inputs_embeds": embeds}
    with torch.no_grad():
        out["hidden_rows"] = model(inputs_embeds=table[ids], token_type_ids=types,
                                   attention_mask=mask).last_hidden_state
        r = model(inputs_embeds=embeds, token_type_ids=types, attention_mask=mask)
        out["hidden_embeds"] = r.last_hidden_state
        out["pooler_embeds"] = r.pooler_output
    return {k: v.contiguous() for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True, help="directory holding gpt2/ and llama/ (make_golden.py's output)")
    args = ap.parse_args()
    torch.manual_seed(0)
    for i, name in enumerate(["gpt2", "llama"]):
        tensors = golden(os.path.join(args.golden, name), 1234 + i)
        path = os.path.join(args.golden, name + "_inputs_embeds.safetensors")
        save_file(tensors, path)
        print(path, os.path.getsize(path), "bytes")
    path = os.path.join(args.golden, "bert_inputs_embeds.safetensors")
    save_file(bert_golden(os.path.join(args.golden, "bert"), 1300), path)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
