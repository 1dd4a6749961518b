#!/usr/bin/env python3
"""Golden files from Hugging Face `tokenizers` for the WordPiece and tokenizer.json parity tests.

  golden/bert_uncased.jsonl, golden/bert_cased.jsonl  BertWordPieceTokenizer over bert-base-uncased's vocab.txt:
      per corpus case "ordinary" (special-token strings as text), "all" (special tokens recognised), and
      "pair": case i with case i+1 through [CLS] A [SEP] B [SEP], truncated (longest_first) and padded to 64:
      ids, type_ids, attention_mask.
  hf_trained_bpe.json, hf_trained_wordpiece.json  tokenizers trained by HF on train.txt (byte-level BPE, 1000
      tokens; BERT WordPiece, 800), with golden/hf_trained_*.jsonl: HF's own ids for the corpus.
  golden/cortado_trained_*.jsonl  HF's ids for the corpus under the tokenizer.json files that Cortado trained
      (cortado_trained_bpe.json, cortado_trained_bpe_llama3.json with Llama 3's Split regex and ignore_merges,
      cortado_trained_wordpiece.json; written by tools/tokenizers/write_trained.sh), proving HF loads them and
      encodes as Cortado does.
Run: /work/venv/bin/python tools/tokenizers/hf_goldens.py"""
import gzip
import json
import os
import tempfile

from tokenizers import BertWordPieceTokenizer, Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "data/src/test/resources/tokenizer")


def corpus():
    with open(os.path.join(RES, "corpus.jsonl"), encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def write_rows(name, rows):
    path = os.path.join(RES, "golden", name)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for r in rows:
            out.write(json.dumps(r, separators=(",", ":")) + "\n")
    print(f"{path}: {len(rows)} rows")


def ids_rows(tok, texts, add_special):
    rows = []
    inner = getattr(tok, "_tokenizer", tok)  # the implementation wrappers hold the Tokenizer that has the flag
    for t in texts:
        inner.encode_special_tokens = True
        ordinary = tok.encode(t, add_special_tokens=add_special).ids
        inner.encode_special_tokens = False
        rows.append({"ordinary": ordinary, "all": tok.encode(t, add_special_tokens=add_special).ids})
    return rows


def bert(texts, vocab, lowercase):
    tok = BertWordPieceTokenizer(vocab, lowercase=lowercase)
    rows = ids_rows(tok, texts, False)
    tok.enable_truncation(max_length=64, strategy="longest_first")
    tok.enable_padding(length=64, pad_id=0, pad_token="[PAD]")
    for i, t in enumerate(texts):
        e = tok.encode(t, texts[(i + 1) % len(texts)])
        rows[i]["pair"] = {"ids": e.ids, "type_ids": e.type_ids, "attention_mask": e.attention_mask}
    return rows


def train_hf():
    train = os.path.join(RES, "train.txt")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train([train], trainers.BpeTrainer(vocab_size=1000, min_frequency=2, special_tokens=["<|endoftext|>"],
                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    bpe.save(os.path.join(RES, "hf_trained_bpe.json"))
    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train([train], vocab_size=800, min_frequency=2, show_progress=False)
    wp.save(os.path.join(RES, "hf_trained_wordpiece.json"))


def main():
    texts = corpus()
    os.makedirs(os.path.join(RES, "golden"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vocab = os.path.join(tmp, "vocab.txt")
        with gzip.open(os.path.join(RES, "bert-base-uncased/vocab.txt.gz"), "rb") as f, open(vocab, "wb") as g:
            g.write(f.read())
        write_rows("bert_uncased.jsonl", bert(texts, vocab, True))
        write_rows("bert_cased.jsonl", bert(texts, vocab, False))
    train_hf()
    for kind in ("bpe", "bpe_llama3", "wordpiece"):
        for who in ("hf", "cortado"):
            path = os.path.join(RES, f"{who}_trained_{kind}.json")
            if who == "hf" and kind == "bpe_llama3":
                continue
            if not os.path.exists(path):
                print(f"skip {path}: not there yet (run `cortado tokenizer train`, see make_goldens.sh)")
                continue
            tok = Tokenizer.from_file(path)
            write_rows(f"{who}_trained_{kind}.jsonl", ids_rows(tok, texts, False))


if __name__ == "__main__":
    main()
