#!/usr/bin/env python3
"""How much a freshly initialized BertForSequenceClassification's [CLS] state depends on its input (transformers).

For each initializer_range, a 2-layer, 32-wide BERT (TaskFinetuneCommandTest's shape) reads the first 64 rows of the
embedded sentiment set (tools/corpus/make_sentiment.py), tokenized with TOKENIZER_JSON (a WordPiece tokenizer.json of
those texts, e.g. from `cortado tokenizer train`); printed: the last layer's [CLS] vector's spread across the inputs
(std over rows, averaged over features) next to its scale (std over features, ~1 after LayerNorm), the spread of the
logit difference, and the gradient norms of the parameter groups at the first step. With transformers' default 0.02
the spread is about 0.2% of the scale (the classifier sees nearly one vector for every input: training starts on a
plateau at ln 2); at 1/sqrt(32) ~ 0.18 it is about 17%.

    /work/venv/bin/python tools/train/cls_spread_at_init.py TOKENIZER_JSON
"""
import json
import os
import sys

import torch
from tokenizers import Tokenizer
from transformers import BertConfig, BertForSequenceClassification

DATA = os.path.join(os.path.dirname(__file__), "../../cli/src/main/resources/cortado/tasks/sentiment/train.jsonl")


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    rows = [json.loads(l) for l in open(DATA)][:64]
    enc = [tok.encode(r["text"]).ids for r in rows]
    t = max(map(len, enc))
    ids = torch.tensor([e + [0] * (t - len(e)) for e in enc])
    mask = (ids != 0).long()
    labels = torch.tensor([int(r["label"] == "positive") for r in rows])
    for init in (0.02, 0.05, 0.1, 32 ** -0.5):
        torch.manual_seed(0)
        m = BertForSequenceClassification(BertConfig(
            vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=64, max_position_embeddings=32, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0, num_labels=2, initializer_range=init))
        out = m(input_ids=ids, attention_mask=mask, labels=labels, output_hidden_states=True)
        cls = out.hidden_states[-1][:, 0].detach()
        out.loss.backward()
        groups = {}
        for name, p in m.named_parameters():
            g = next((k for k in ("classifier", "pooler", "embeddings") if k in name), "encoder")
            groups[g] = groups.get(g, 0.0) + p.grad.pow(2).sum().item()
        print("initializer_range %.3f: [CLS] spread across inputs %.5f (scale %.3f), logit-difference std %.6f,"
              " grad norms %s" % (init, cls.std(0).mean(), cls.std(1).mean(),
                                  (out.logits[:, 1] - out.logits[:, 0]).detach().std(),
                                  {k: "%.1e" % v ** 0.5 for k, v in groups.items()}))


if __name__ == "__main__":
    main()
