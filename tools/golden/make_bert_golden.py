#!/usr/bin/env python3
"""Golden files for Cortado's BERT parity test, written by PyTorch + transformers (float32, CPU, eager attention).

For one tiny random BERT config this writes, under --out:

  bert/                  BertModel            (config.json + model.safetensors, save_pretrained)
  bert_mlm/              BertForMaskedLM      (the same encoder weights, no pooler, the cls.predictions head)
  bert_cls/              BertForSequenceClassification (num_labels 3)
  bert_golden.safetensors
      input_ids, attention_mask, token_type_ids [B, T] (I64): a padded batch (right padding, one left-padded row,
      one full row) with two segments;
      last_hidden_state [B, T, C], pooler_output [B, C] (BertModel), mlm_logits [B, T, V], cls_logits [B, 3].

Weights are redrawn at larger scales than HF's init (as make_golden.py does) so that attention is far from uniform and
every parameter moves the output. Padding rows of the hidden states are compared too: BERT's padding mask hides keys,
not queries, so a padded position still gets a well-defined (if meaningless) output in transformers.

Run (needs torch, transformers, safetensors; CI has none, so the outputs are committed):
    /work/venv/bin/python tools/golden/make_bert_golden.py --out tests/src/test/resources/golden
"""
import argparse
import math
import os

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel

B, T = 3, 11


def config(**extra):
    cfg = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=37, max_position_embeddings=40, type_vocab_size=2,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12,
                     hidden_act="gelu", pad_token_id=0, **extra)
    cfg._attn_implementation = "eager"
    return cfg


@torch.no_grad()
def redraw(model, gen):
    for name, p in model.named_parameters():
        if "decoder" in name:   # the MLM decoder's weight is the word embedding (tied), its bias cls.predictions.bias
            continue
        if name.endswith("LayerNorm.weight"):
            p.copy_(1 + 0.2 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif name.endswith("bias"):
            p.copy_(0.1 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif "embeddings" in name:
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
        else:
            p.copy_(1.5 / math.sqrt(p.shape[-1]) * torch.randn(p.shape, generator=gen))


def batch(gen):
    ids = torch.randint(1, 99, (B, T), generator=gen)
    mask = torch.ones(B, T, dtype=torch.long)
    mask[0, 7:] = 0          # right padding
    mask[1, :3] = 0          # left padding
    types = torch.zeros(B, T, dtype=torch.long)
    types[0, 4:7] = 1
    types[1, 8:] = 1
    types[2, 5:] = 1
    ids[mask == 0] = 0       # [PAD]
    return ids, mask, types


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    gen = torch.Generator().manual_seed(7)

    base = BertModel(config()).eval()
    redraw(base, gen)
    base.save_pretrained(os.path.join(out, "bert"))

    mlm = BertForMaskedLM(config()).eval()
    mlm.bert.load_state_dict(base.state_dict(), strict=False)   # BertForMaskedLM's encoder has no pooler
    redraw(mlm.cls, gen)
    mlm.tie_weights()
    mlm.save_pretrained(os.path.join(out, "bert_mlm"))

    cls = BertForSequenceClassification(config(num_labels=3)).eval()
    cls.bert.load_state_dict(base.state_dict())
    redraw(cls.classifier, gen)
    cls.save_pretrained(os.path.join(out, "bert_cls"))

    ids, mask, types = batch(gen)
    o = base(input_ids=ids, attention_mask=mask, token_type_ids=types)
    golden = {
        "input_ids": ids, "attention_mask": mask, "token_type_ids": types,
        "last_hidden_state": o.last_hidden_state.contiguous(), "pooler_output": o.pooler_output.contiguous(),
        "mlm_logits": mlm(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.contiguous(),
        "cls_logits": cls(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.contiguous(),
    }
    save_file(golden, os.path.join(out, "bert_golden.safetensors"))
    for k, v in golden.items():
        print(k, tuple(v.shape), v.dtype)


if __name__ == "__main__":
    main()
