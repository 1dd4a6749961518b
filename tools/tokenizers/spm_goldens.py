#!/usr/bin/env python3
"""Trains two tiny SentencePiece models with the `sentencepiece` package on tokenizer/train.txt, converts them to
fast tokenizers with transformers (the conversion a checkpoint with only tokenizer.model gets), and writes the
encodings of the mixed-script corpus (tokenizer/hf/corpus.jsonl) as goldens for SentencePieceParityTest.

  spm/llama_bpe.model  BPE with Llama 2's trainer settings (byte_fallback, split_digits, identity normalizer, no
                       whitespace squeezing, <unk> <s> </s> at 0-2; control pieces [INST] [/INST] <|eot_id|>, a
                       user-defined piece <mask>), 700 pieces
  spm/unigram.model    Unigram with the identity normalizer (empty precompiled_charsmap), <pad> </s> <unk> at 0-2
Each case of CASES (written to spm/cases.json) is a directory with tokenizer.model and a tokenizer_config.json and no
tokenizer.json, loaded with from_pretrained by LlamaTokenizerFast (tokenizer_class LlamaTokenizer*: legacy true/false,
add_prefix_space, add_bos_token/add_eos_token) or TokenizersBackend (transformers' generic SentencePiece path).
transformers' T5 conversion is not covered: it needs an nmt_nfkc precompiled_charsmap (Cortado refuses those) and
fails on the identity model's empty one.
Golden rows have the format of hf_pipeline_goldens.py (ids, ordinary, model, decoded, decoded_skip, stream, pair),
computed on the backend tokenizer transformers built; the script checks transformers' own encode/decode agree.
Run: /work/venv/bin/python tools/tokenizers/spm_goldens.py"""
import io
import shutil
import tempfile
import json
import os
import sys

import sentencepiece as spm
import transformers
from transformers import AutoTokenizer, LlamaTokenizerFast, TokenizersBackend

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_pipeline_goldens import HF, TRAIN, corpus, save  # noqa: E402

SPM = os.path.join(os.path.dirname(HF), "spm")  # tokenizer/spm


def train(name, **kw):
    with open(TRAIN, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=out, num_threads=1,
                                   minloglevel=2, **kw)
    path = os.path.join(SPM, name + ".model")
    with open(path, "wb") as f:
        f.write(out.getvalue())
    return path


def check(hf, texts):
    """transformers' own encode/decode must be what the backend tokenizer gives (the goldens use the backend)."""
    be = hf.backend_tokenizer
    for t in texts:
        ids = hf.encode(t)
        assert ids == be.encode(t).ids, t
        assert hf.decode(ids) == be.decode(ids, skip_special_tokens=False), t


def from_dir(cls, model, config):
    """What a checkpoint directory with tokenizer.model, tokenizer_config.json and no tokenizer.json loads as."""
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(model, os.path.join(d, "tokenizer.model"))
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump(config, f)
        return cls.from_pretrained(d)


ADDED = {str(i): {"content": c, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                  "special": True} for i, c in enumerate(["<unk>", "<s>", "</s>"])}
# name -> (model, tokenizer_config.json); the Java test writes the same directory.
CASES = {
    "llama_bpe": ("llama_bpe", {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": False,
                                "legacy": False, "added_tokens_decoder": ADDED}),
    "llama_bpe_legacy": ("llama_bpe", {"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "legacy": True,
                                       "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}),
    "llama_bpe_eos": ("llama_bpe", {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": False,
                                    "add_eos_token": True, "add_prefix_space": False}),
    "generic_bpe": ("llama_bpe", {"tokenizer_class": "TokenizersBackend", "add_bos_token": True}),
    "generic_unigram": ("unigram", {"tokenizer_class": "TokenizersBackend", "add_eos_token": True}),
}


def main():
    print("sentencepiece", spm.__version__, "transformers", transformers.__version__)
    os.makedirs(SPM, exist_ok=True)
    texts = corpus()
    train("llama_bpe", model_type="bpe", vocab_size=700, character_coverage=0.995, byte_fallback=True,
          split_digits=True, allow_whitespace_only_pieces=True, remove_extra_whitespaces=False,
          normalization_rule_name="identity", add_dummy_prefix=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
          max_sentencepiece_length=16, control_symbols=["[INST]", "[/INST]", "<|eot_id|>"],
          user_defined_symbols=["<mask>"])
    train("unigram", model_type="unigram", vocab_size=500, character_coverage=0.995,
          normalization_rule_name="identity", unk_id=2, bos_id=-1, eos_id=1, pad_id=0)
    for name, (model, config) in CASES.items():
        cls = TokenizersBackend if config["tokenizer_class"] == "TokenizersBackend" else LlamaTokenizerFast
        hf = from_dir(cls, os.path.join(SPM, model + ".model"), config)
        check(hf, texts)
        save("spm_" + name, hf.backend_tokenizer, texts, file_text="")
        hf.backend_tokenizer.save(os.path.join("/tmp/spmx", name + ".json"), pretty=True)
    # SentencePieceParityTest.noTokenizerClassIsTheGenericPath: no tokenizer_class and config.json model_type llama
    # gives AutoTokenizer's generic tokenizer, whose ids without special tokens are generic_bpe's.
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(os.path.join(SPM, "llama_bpe.model"), os.path.join(d, "tokenizer.model"))
        for name, text in (("tokenizer_config.json", "{}"), ("config.json", '{"model_type": "llama"}')):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        auto = AutoTokenizer.from_pretrained(d)
        generic = from_dir(TokenizersBackend, os.path.join(SPM, "llama_bpe.model"), CASES["generic_bpe"][1])
        assert type(auto) is TokenizersBackend
        for t in texts:
            assert auto.encode(t, add_special_tokens=False) == generic.encode(t, add_special_tokens=False), t
    with open(os.path.join(SPM, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(CASES, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
