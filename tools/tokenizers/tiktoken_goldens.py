#!/usr/bin/env python3
"""Golden token ids from Python tiktoken for the parity corpus, for gpt2, cl100k_base and o200k_base.
tiktoken cannot reach the network here, so each Encoding is built by tiktoken's own constructors
(tiktoken_ext.openai_public: same pat_str, special tokens and SHA-256 checks as get_encoding) with their loaders
pointed at the local files that fetch_vocabs.sh wrote. Output, per encoding, one JSON line per corpus case:
{"ordinary": ids of encode_ordinary(text), "all": ids of encode(text, allowed_special="all")}.
Run with the venv that has tiktoken:  /work/venv/bin/python tools/tokenizers/tiktoken_goldens.py"""
import gzip
import json
import os
import sys
import tempfile

import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public as openai_public

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "data/src/test/resources/tokenizer")


def gunzip_to(tmp, rel):
    dst = os.path.join(tmp, os.path.basename(rel)[:-3])
    with gzip.open(os.path.join(RES, rel), "rb") as f, open(dst, "wb") as g:
        g.write(f.read())
    return dst


def encodings(tmp):
    local = {
        "vocab.bpe": gunzip_to(tmp, "gpt2/vocab.bpe.gz"),
        "encoder.json": gunzip_to(tmp, "gpt2/encoder.json.gz"),
        "cl100k_base.tiktoken": gunzip_to(tmp, "cl100k_base.tiktoken.gz"),
        "o200k_base.tiktoken": gunzip_to(tmp, "o200k_base.tiktoken.gz"),
    }
    def loc(url):
        return local[url.rsplit("/", 1)[1]]
    openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: tiktoken.load.load_tiktoken_bpe(
        loc(url), expected_hash)
    openai_public.data_gym_to_mergeable_bpe_ranks = lambda vocab_bpe_file, encoder_json_file, vocab_bpe_hash=None, \
        encoder_json_hash=None: tiktoken.load.data_gym_to_mergeable_bpe_ranks(
            loc(vocab_bpe_file), loc(encoder_json_file), vocab_bpe_hash, encoder_json_hash)
    return {name: tiktoken.Encoding(**getattr(openai_public, name)())
            for name in ("gpt2", "cl100k_base", "o200k_base")}


def main():
    with open(os.path.join(RES, "corpus.jsonl"), encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    os.makedirs(os.path.join(RES, "golden"), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, enc in encodings(tmp).items():
            path = os.path.join(RES, "golden", f"tiktoken_{name}.jsonl")
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                for t in texts:
                    row = {"ordinary": enc.encode_ordinary(t), "all": enc.encode(t, allowed_special="all")}
                    out.write(json.dumps(row, separators=(",", ":")) + "\n")
            print(f"{path}: {len(texts)} cases, pattern {enc._pat_str!r}")


if __name__ == "__main__":
    sys.exit(main())
