#!/usr/bin/env python3
"""Golden files for Cortado's task heads (transformers 5.18, float32, CPU, eager attention).

Tiny random models of each head class, saved with save_pretrained under --out/heads/<name>/, and one
heads_golden.safetensors holding, for each model, its inputs, labels, logits and loss as transformers computes them:

  bert_seq_cls    BertForSequenceClassification (num_labels 3): logits [B, 3], CE loss
  bert_token_cls  BertForTokenClassification (num_labels 5): logits [B, T, 5], CE loss (-100 ignored)
  bert_qa         BertForQuestionAnswering: start/end logits [B, T], loss (CE(start) + CE(end)) / 2, one start
                  position past T (transformers clamps it to T and ignores it)
  bert_choice     BertForMultipleChoice (C = 3 choices): logits [B, C], CE loss
  gpt2_token_cls  GPT2ForTokenClassification (classifier.*), llama_token_cls LlamaForTokenClassification (score.*)
  gpt2_qa         GPT2ForQuestionAnswering, llama_qa LlamaForQuestionAnswering (qa_outputs.*)

Weights are redrawn at larger scales than HF's init (as make_bert_golden.py does) so every parameter moves the
output. Encoder batches have right padding and two segments; decoder tagging batches are right-padded (their real
positions never attend to later padding, so their logits do not depend on the mask; padded positions are labelled
-100); decoder QA batches are unpadded, since the span softmax runs over every position.

Run (the outputs are committed; CI has no torch):
    /work/venv/bin/python tools/golden/heads/make_task_heads_golden.py --out tests/src/test/resources/golden
"""
import argparse
import math
import os

import torch
from safetensors.torch import save_file
from transformers import (BertConfig, BertForMultipleChoice, BertForQuestionAnswering, BertForSequenceClassification,
                          BertForTokenClassification, GPT2Config, GPT2ForQuestionAnswering, GPT2ForTokenClassification,
                          LlamaConfig, LlamaForQuestionAnswering, LlamaForTokenClassification)

B, T, C, V = 3, 9, 3, 61


def bert_config(**extra):
    cfg = BertConfig(vocab_size=V, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=23, max_position_embeddings=32, type_vocab_size=2,
                     hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, layer_norm_eps=1e-12,
                     hidden_act="gelu", pad_token_id=0, **extra)
    cfg._attn_implementation = "eager"
    return cfg


def gpt2_config(**extra):
    cfg = GPT2Config(vocab_size=V, n_positions=32, n_embd=16, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0,
                     attn_pdrop=0.0, classifier_dropout=0.0, **extra)
    cfg._attn_implementation = "eager"
    return cfg


def llama_config(**extra):
    cfg = LlamaConfig(vocab_size=V, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=32,
                      classifier_dropout=0.0, **extra)
    cfg._attn_implementation = "eager"
    return cfg


@torch.no_grad()
def redraw(model, gen):
    for name, p in model.named_parameters():
        if name.endswith("LayerNorm.weight") or name.endswith("ln_1.weight") or name.endswith("ln_2.weight") \
                or name.endswith("ln_f.weight") or name.endswith("norm.weight") or "layernorm" in name:
            p.copy_(1 + 0.2 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif name.endswith("bias"):
            p.copy_(0.1 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif p.dim() == 1:
            p.copy_(1 + 0.2 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif "emb" in name or "wte" in name or "wpe" in name:
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
        else:
            fan_in = p.shape[0] if "transformer.h." in name and ("c_attn" in name or "c_proj" in name or "c_fc" in name) \
                else p.shape[-1]   # GPT-2's Conv1D holds [in, out]
            p.copy_(1.5 / math.sqrt(fan_in) * torch.randn(p.shape, generator=gen))


def encoder_batch(gen, rows, seq):
    ids = torch.randint(5, V, (rows, seq), generator=gen)
    mask = torch.ones(rows, seq, dtype=torch.long)
    types = torch.zeros(rows, seq, dtype=torch.long)
    for r in range(rows):
        n = seq - (r * 2) % 5          # right padding of 0, 2, 4, ... tokens
        mask[r, n:] = 0
        types[r, n // 2:n] = 1         # the second segment
    ids[mask == 0] = 0
    return ids, mask, types


def decoder_batch(gen, padded):
    ids = torch.randint(1, V, (B, T), generator=gen)
    mask = torch.ones(B, T, dtype=torch.long)
    if padded:
        mask[0, 6:] = 0
        mask[1, 8:] = 0
    ids[mask == 0] = 0
    return ids, mask


def save(model, out, name, gen):
    model.eval()
    redraw(model, gen)
    model.save_pretrained(os.path.join(out, "heads", name))


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    gen = torch.Generator().manual_seed(11)
    g = {}
    labels5 = {str(i): n for i, n in enumerate(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])}

    m = BertForSequenceClassification(bert_config(num_labels=3))
    save(m, out, "bert_seq_cls", gen)
    ids, mask, types = encoder_batch(gen, B, T)
    y = torch.tensor([2, 0, 1])
    o = m(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=y)
    g.update({"bert_seq_cls.input_ids": ids, "bert_seq_cls.attention_mask": mask, "bert_seq_cls.token_type_ids": types,
              "bert_seq_cls.labels": y, "bert_seq_cls.logits": o.logits, "bert_seq_cls.loss": o.loss.reshape(1)})

    m = BertForTokenClassification(bert_config(id2label=labels5, label2id={v: int(k) for k, v in labels5.items()}))
    save(m, out, "bert_token_cls", gen)
    ids, mask, types = encoder_batch(gen, B, T)
    y = torch.randint(0, 5, (B, T), generator=gen)
    y[mask == 0] = -100
    y[:, 0] = -100   # [CLS]
    o = m(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=y)
    g.update({"bert_token_cls.input_ids": ids, "bert_token_cls.attention_mask": mask,
              "bert_token_cls.token_type_ids": types, "bert_token_cls.labels": y,
              "bert_token_cls.logits": o.logits, "bert_token_cls.loss": o.loss.reshape(1)})

    m = BertForQuestionAnswering(bert_config())
    save(m, out, "bert_qa", gen)
    ids, mask, types = encoder_batch(gen, B, T)
    start, end = torch.tensor([5, 2, 40]), torch.tensor([6, 4, 41])   # row 2: past T, clamped and ignored
    o = m(input_ids=ids, attention_mask=mask, token_type_ids=types, start_positions=start, end_positions=end)
    g.update({"bert_qa.input_ids": ids, "bert_qa.attention_mask": mask, "bert_qa.token_type_ids": types,
              "bert_qa.start_positions": start, "bert_qa.end_positions": end,
              "bert_qa.start_logits": o.start_logits, "bert_qa.end_logits": o.end_logits,
              "bert_qa.loss": o.loss.reshape(1)})

    m = BertForMultipleChoice(bert_config())
    save(m, out, "bert_choice", gen)
    ids, mask, types = encoder_batch(gen, B * C, T)
    ids, mask, types = ids.view(B, C, T), mask.view(B, C, T), types.view(B, C, T)
    y = torch.tensor([1, 2, 0])
    o = m(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=y)
    g.update({"bert_choice.input_ids": ids, "bert_choice.attention_mask": mask, "bert_choice.token_type_ids": types,
              "bert_choice.labels": y, "bert_choice.logits": o.logits, "bert_choice.loss": o.loss.reshape(1)})

    for fam, cfg in (("gpt2", gpt2_config), ("llama", llama_config)):
        tok_cls = {"gpt2": GPT2ForTokenClassification, "llama": LlamaForTokenClassification}[fam]
        qa_cls = {"gpt2": GPT2ForQuestionAnswering, "llama": LlamaForQuestionAnswering}[fam]
        m = tok_cls(cfg(id2label=labels5, label2id={v: int(k) for k, v in labels5.items()}))
        save(m, out, fam + "_token_cls", gen)
        ids, mask = decoder_batch(gen, True)
        y = torch.randint(0, 5, (B, T), generator=gen)
        y[mask == 0] = -100
        o = m(input_ids=ids, attention_mask=mask, labels=y)
        p = fam + "_token_cls."
        g.update({p + "input_ids": ids, p + "attention_mask": mask, p + "labels": y, p + "logits": o.logits,
                  p + "loss": o.loss.reshape(1)})

        m = qa_cls(cfg())
        save(m, out, fam + "_qa", gen)
        ids, mask = decoder_batch(gen, False)   # the span softmax covers every position: no padding
        start, end = torch.tensor([1, 3, 20]), torch.tensor([4, 3, 20])
        o = m(input_ids=ids, attention_mask=mask, start_positions=start, end_positions=end)
        p = fam + "_qa."
        g.update({p + "input_ids": ids, p + "attention_mask": mask, p + "start_positions": start,
                  p + "end_positions": end, p + "start_logits": o.start_logits, p + "end_logits": o.end_logits,
                  p + "loss": o.loss.reshape(1)})

    g = {k: v.contiguous() for k, v in g.items()}
    save_file(g, os.path.join(out, "heads_golden.safetensors"))
    for k, v in g.items():
        print(k, tuple(v.shape), v.flatten()[:1].tolist() if v.numel() < 2 else "")


if __name__ == "__main__":
    main()
