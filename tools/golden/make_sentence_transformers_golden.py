#!/usr/bin/env python3
"""Golden files for Cortado's sentence-transformers test, written by sentence-transformers 6.0 (float32, CPU).

Builds a tiny random BERT (2 layers, width 32) and a WordPiece tokenizer (a hand-written vocab.txt of ~130 pieces,
uncased, through transformers' BertTokenizerFast), wraps them as SentenceTransformer models and saves, under --out:

  st_mean/      as sentence-transformers 6 saves it (max_seq_length in tokenizer_config.json's model_max_length):
                Transformer (max_seq_length 12, so long lines are truncated) -> Pooling mean -> Normalize
  st_cls_max/   rewritten in the layout of sentence-transformers 2-5 that most hub models use (modules.json types
                sentence_transformers.models.*, sentence_bert_config.json {max_seq_length, do_lower_case},
                1_Pooling/config.json pooling_mode_* flags), then loaded back by sentence-transformers 6 for the golden:
                a cased tokenizer with do_lower_case true, max_seq_length 32, Pooling cls + max (concatenated)
  st_weighted_dense/  ST 6 layout: Pooling weightedmean + lasttoken (concatenated) -> Dense 64->24 (Tanh, bias) ->
                Dense 24->16 (GELU, no bias, use_residual through its own 24->16 projection) -> Normalize
  st_prompt/    ST 6 layout: Pooling mean + mean_sqrt_len_tokens + cls with include_prompt false -> Dense 96->96
                (Identity, use_residual) -> Normalize; config_sentence_transformers.json names a default prompt
                ("query: "), which encode() applies and whose tokens the pooling leaves out
  st_golden.json  {"sentences": [...], "<model>": [[...]...] per model}: model.encode(sentences) with batch_size 4
                  (so batches are padded), float32 values written with repr (round-trip exact)

Run (needs torch, transformers, sentence-transformers; CI has none, so the outputs are committed):
    /work/venv/bin/python tools/golden/make_sentence_transformers_golden.py --out tests/src/test/resources/golden
"""
import argparse
import json
import math
import os
import shutil
import tempfile

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import Dense, Normalize, Transformer
from sentence_transformers.sentence_transformer.modules import Pooling
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordPiece
from transformers import BertConfig, BertModel, BertTokenizerFast

WORDS = ("the a an of to and in is it that was for on are with as his they be at one have this from or had by "
         "word but what some we can out other were all there when up use your how said each she which do their time "
         "if will way about many then them write would like so these her long make thing see him two has look more "
         "day could go come did number sound no most people my over know water than call first who may down side "
         "been now find cat dog tree embed vector").split()
PIECES = ["##s", "##ed", "##ing", "##er", "##ly", "##e", "##a", "##t", "##n", "##o", "##r", "##i"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'")
SENTENCES = [
    "The cat sat on the tree.",
    "A dog was there",
    "How many people can write this way about water, and then look at the long day?",
    "Embed vectors",
    "WHAT DID SHE SAY?",
    "unknownwordzzz and 42 things",
    "one",
    "Their first number could be the most important thing they had in all of this time, if we call it so.",
]


@torch.no_grad()
def redraw(model, gen):
    for name, p in model.named_parameters():
        if name.endswith("LayerNorm.weight"):
            p.copy_(1 + 0.2 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif name.endswith("bias"):
            p.copy_(0.1 * (2 * torch.rand(p.shape, generator=gen) - 1))
        elif "embeddings" in name:
            p.copy_(0.5 * torch.randn(p.shape, generator=gen))
        else:
            p.copy_(1.5 / math.sqrt(p.shape[-1]) * torch.randn(p.shape, generator=gen))


def build(tmp, gen, max_seq_length, do_lower_case, pooling, normalize, cased, include_prompt=True, dense=(),
          prompts=None):
    vocab = list(dict.fromkeys(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + LETTERS + ["##" + c for c in LETTERS]
                               + WORDS + PIECES))
    os.makedirs(tmp, exist_ok=True)
    # the pipeline BERT's tokenizer.json has (what BertTokenizerFast converts vocab.txt to)
    wp = Tokenizer(WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    wp.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                               lowercase=not cased)
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                      special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    from tokenizers import decoders
    wp.decoder = decoders.WordPiece(prefix="##")
    tok = BertTokenizerFast(tokenizer_object=wp, do_lower_case=not cased, unk_token="[UNK]", sep_token="[SEP]",
                            pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]")
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=37, max_position_embeddings=40, hidden_dropout_prob=0.0,
                     attention_probs_dropout_prob=0.0)
    bert = BertModel(cfg, add_pooling_layer=False).eval()
    redraw(bert, gen)
    bert.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    transformer = Transformer(tmp, max_seq_length=max_seq_length, do_lower_case=do_lower_case)
    modules = [transformer, Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling,
                                    include_prompt=include_prompt)]
    width = modules[-1].get_embedding_dimension()
    for out_features, bias, activation, residual in dense:
        torch.manual_seed(len(modules))   # nn.Linear's default init draws from the global generator
        modules.append(Dense(width, out_features, bias=bias, activation_function=activation, use_residual=residual))
        width = out_features
    if normalize:
        modules.append(Normalize())
    if prompts is None:
        return SentenceTransformer(modules=modules, device="cpu")
    return SentenceTransformer(modules=modules, device="cpu", prompts=prompts, default_prompt_name=next(iter(prompts)))


def to_legacy_layout(target, max_seq_length, do_lower_case, modes):
    with open(os.path.join(target, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}], f,
                  indent=2)
    with open(os.path.join(target, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": max_seq_length, "do_lower_case": do_lower_case}, f, indent=2)
    with open(os.path.join(target, "1_Pooling", "config.json")) as f:
        dim = json.load(f)["embedding_dimension"]
    flags = {"word_embedding_dimension": dim}
    for key, mode in [("pooling_mode_cls_token", "cls"), ("pooling_mode_mean_tokens", "mean"),
                      ("pooling_mode_max_tokens", "max"), ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
                      ("pooling_mode_weightedmean_tokens", "weightedmean"), ("pooling_mode_lasttoken", "lasttoken")]:
        flags[key] = mode in modes
    with open(os.path.join(target, "1_Pooling", "config.json"), "w") as f:
        json.dump(flags, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out
    gen = torch.Generator().manual_seed(11)
    golden = {"sentences": SENTENCES}
    with tempfile.TemporaryDirectory() as tmp:
        for name, seq, lower, pooling, norm, cased, legacy, extra in [
                ("st_mean", 12, False, "mean", True, False, False, {}),
                ("st_cls_max", 32, True, ("cls", "max"), False, True, True, {}),
                ("st_weighted_dense", 32, False, ("weightedmean", "lasttoken"), True, False, False,
                 {"dense": [(24, True, torch.nn.Tanh(), False), (16, False, torch.nn.GELU(), True)]}),
                ("st_prompt", 32, False, ("mean", "mean_sqrt_len_tokens", "cls"), True, False, False,
                 {"include_prompt": False, "dense": [(96, True, torch.nn.Identity(), True)],
                  "prompts": {"query": "query: ", "document": ""}})]:
            model = build(os.path.join(tmp, name), gen, seq, lower, pooling, norm, cased, **extra)
            target = os.path.join(out, name)
            shutil.rmtree(target, ignore_errors=True)
            model.save(target)
            os.remove(os.path.join(target, "README.md"))   # a generated model card, not needed to load
            if legacy:
                # the tokenizer as older sentence-transformers left it (they lowercased the text themselves; 6.0 writes
                # a Lowercase normalizer into tokenizer.json instead, and applies it again when loading this layout)
                for f in ("tokenizer.json", "tokenizer_config.json"):
                    shutil.copy(os.path.join(tmp, name, f), os.path.join(target, f))
                to_legacy_layout(target, seq, lower, pooling)
            model = SentenceTransformer(target, device="cpu")   # the golden comes from loading the saved directory
            emb = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True)
            golden[name] = [[float(x) for x in row] for row in emb]
            print(name, emb.shape, sorted(os.listdir(target)))
    with open(os.path.join(out, "st_golden.json"), "w") as f:
        json.dump(golden, f)
        f.write("\n")


if __name__ == "__main__":
    main()
