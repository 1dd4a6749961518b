#!/usr/bin/env python3
"""Golden file pinning down where each family applies its dropout, written by transformers (float32, CPU, eager
attention) in training mode with every dropout replaced by a fixed scaling, so the result is deterministic:

  GPT-2 (golden/gpt2):  transformer.drop x0.9, attention probabilities x0.8 (attn_pdrop, applied functionally by
                        eager_attention_forward), h.N.attn.resid_dropout x0.7, h.N.mlp.dropout x0.6
  Llama (golden/llama): attention probabilities x0.8 (attention_dropout 0.5, functional)
  BERT (golden/bert_cls): bert.embeddings.dropout x0.9, attention probabilities x0.8 (attention_probs_dropout_prob,
                        functional), attention.output.dropout x0.7, output.dropout x0.6, the classifier's dropout x0.5

A factor put in the wrong place (before a bias, a norm or a residual add instead of after, or on the attention output
instead of its probabilities) changes the result, so Cortado's test, replacing its dropout layers by name with the same
scalings, checks each placement. Writes dropout_golden.safetensors under --golden (about 10 KB):

  gpt2.input_ids [2,8], gpt2.logits [2,8,V]; llama.input_ids, llama.logits; bert.input_ids [2,8],
  bert.last_hidden_state [2,8,C], bert.logits [2,labels]

Run (needs torch, transformers, safetensors; the output is committed):
    /work/venv/bin/python tools/golden/make_dropout_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, BertForSequenceClassification

B, T = 2, 8
PROBS = 0.8   # the factor standing in for dropout on attention probabilities


class Scale(torch.nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def fixed_functional_dropout(input, p=0.5, training=True, inplace=False):
    """torch.nn.functional.dropout as eager attention calls it on the probabilities, made deterministic."""
    return input * PROBS if training and p > 0 else input


def with_fixed_probability_dropout(fn):
    saved = torch.nn.functional.dropout
    torch.nn.functional.dropout = fixed_functional_dropout
    try:
        return fn()
    finally:
        torch.nn.functional.dropout = saved


def gpt2(golden, ids):
    m = AutoModelForCausalLM.from_pretrained(os.path.join(golden, "gpt2"), attn_implementation="eager")
    m.transformer.drop = Scale(0.9)
    for block in m.transformer.h:
        block.attn.attn_dropout = torch.nn.Dropout(0.5)   # its p turns the functional dropout on
        block.attn.resid_dropout = Scale(0.7)
        block.mlp.dropout = Scale(0.6)
    m.train()
    with torch.no_grad():
        return with_fixed_probability_dropout(lambda: m(input_ids=ids).logits)


def llama(golden, ids):
    m = AutoModelForCausalLM.from_pretrained(os.path.join(golden, "llama"), attn_implementation="eager")
    for layer in m.model.layers:
        layer.self_attn.attention_dropout = 0.5
    m.train()
    with torch.no_grad():
        return with_fixed_probability_dropout(lambda: m(input_ids=ids).logits)


def bert(golden, ids):
    m = BertForSequenceClassification.from_pretrained(os.path.join(golden, "bert_cls"), attn_implementation="eager")
    m.bert.embeddings.dropout = Scale(0.9)
    for layer in m.bert.encoder.layer:
        layer.attention.self.dropout = torch.nn.Dropout(0.5)
        layer.attention.output.dropout = Scale(0.7)
        layer.output.dropout = Scale(0.6)
    m.dropout = Scale(0.5)
    m.train()
    with torch.no_grad():
        out = with_fixed_probability_dropout(lambda: m(input_ids=ids, output_hidden_states=True))
    return out.hidden_states[-1], out.logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True, help="directory holding gpt2/, llama/ and bert_cls/")
    args = ap.parse_args()
    gen = torch.Generator().manual_seed(77)
    out = {}
    for name, fn, vocab in [("gpt2", gpt2, 96), ("llama", llama, 96)]:
        ids = torch.randint(0, vocab, (B, T), generator=gen)
        out[name + ".input_ids"] = ids
        out[name + ".logits"] = fn(args.golden, ids)
    ids = torch.randint(0, 99, (B, T), generator=gen)
    out["bert.input_ids"] = ids
    out["bert.last_hidden_state"], out["bert.logits"] = bert(args.golden, ids)
    path = os.path.join(args.golden, "dropout_golden.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
