#!/usr/bin/env python3
"""Builds tokenizer.json files of every style with Hugging Face `tokenizers` (and transformers for GPT-2), trained on
tokenizer/train.txt, and writes HF's encodings of the mixed-script corpus (tokenizer/hf/corpus.jsonl, written by
make_hf_corpus.py) as golden files for HfPipelineParityTest.

Tokenizers (tokenizer/hf/NAME.json.gz, goldens tokenizer/hf/NAME.golden.jsonl.gz):
  gpt2_t5       GPT-2's own vocabulary as transformers 5 saves it (continuing_subword_prefix and end_of_word_suffix
                as empty strings, TemplateProcessing without specials). Only the pipeline is committed
                (gpt2_t5.skeleton.json, vocab and merges emptied); the test fills them from gpt2/encoder.json and
                gpt2/vocab.bpe, the files transformers read.
  llama3        byte-level BPE, Split(Llama 3 regex) + ByteLevel, ignore_merges, TemplateProcessing BOS
  llama2        SentencePiece-style BPE as Llama 2's tokenizer.json (legacy): Prepend + Replace normalizer, no
                pre-tokenizer, byte_fallback, fuse_unk, <0xXX> byte tokens, Replace/ByteFallback/Fuse/Strip decoder
  mistral       the same model as Mistral/TinyLlama's newer files: Metaspace(prepend_scheme first, split false)
  qwen2         NFC + Split(Qwen2 regex) + ByteLevel, ChatML added tokens
  bert_uncased  BERT WordPiece trained by BertWordPieceTokenizer (lowercase), BertProcessing, an extra
                non-special normalized added token
  bert_cased    the same, cased
  roberta       ByteLevel(add_prefix_space) BPE, RobertaProcessing, <mask> with lstrip
  unigram       Unigram with NFKC + Metaspace, Metaspace decoder
  charbpe       char-level BPE with ## prefix and </w> suffix, unk, normalizer Sequence[NFKD, StripAccents,
                Lowercase, Strip, Replace(regex)], pre-tokenizer Sequence[WhitespaceSplit, Digits, Punctuation,
                Split(string, merged_with_next)], BPEDecoder; charbpe_fused: the same with fuse_unk
  wordpiece_misc WordPiece with Whitespace pre-tokenizer and added tokens using lstrip, rstrip, single_word
Golden row per corpus line: ids (added tokens matched, add_special_tokens=False), ordinary (special tokens as text,
encode_special_tokens=True), model (add_special_tokens=True), decoded (decode(model), skip_special_tokens=False),
decoded_skip (decode(model), skip_special_tokens=True), stream (DecodeStream over model ids, concatenated), and for
the first 40 lines pair (encode(line, next line).ids / type_ids with special tokens).
Run: /work/venv/bin/python tools/tokenizers/hf_pipeline_goldens.py"""
import gzip
import json
import os
import tempfile

import tokenizers
from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors,
                        trainers)
from tokenizers.decoders import DecodeStream

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "data/src/test/resources/tokenizer")
HF = os.path.join(RES, "hf")
TRAIN = os.path.join(RES, "train.txt")

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
         r"|\s+(?!\S)|\s+")


def corpus():
    with open(os.path.join(HF, "corpus.jsonl"), encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def byte_level_bpe(pre, vocab_size, specials, ignore_merges=False):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    tok.train([TRAIN], trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=specials,
                                            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    return tok


def llama3():
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>"]
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]), 700, specials, True)
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])])
    return tok


def qwen2():
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)]), 600, specials)
    tok.normalizer = normalizers.NFC()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def roberta():
    tok = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=True), 600, ["<s>", "<pad>", "</s>", "<unk>"])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    return tok


def sentencepiece_bpe():
    """A Llama-2-shaped BPE: trained with the Prepend/Replace normalizer, then <unk> <s> </s> and the 256 byte
    tokens placed first (ids 0-258) as Llama 2's vocabulary has them; alphabet limited so byte fallback happens."""
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.train([TRAIN], trainers.BpeTrainer(vocab_size=600, min_frequency=2, limit_alphabet=60, show_progress=False))
    trained = json.loads(tok.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = 3 + b
    for t, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1]):
        vocab.setdefault(t, len(vocab))
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    return vocab, merges


def llama2(vocab, merges):
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in ("<unk>", "<s>", "</s>")])
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    return tok


def mistral(vocab, merges):
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in ("<unk>", "<s>", "</s>")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A </s> <s> $B </s>",
                                                       special_tokens=[("<s>", 1), ("</s>", 2)])
    return tok


def bert(lowercase):
    from tokenizers import BertWordPieceTokenizer
    wp = BertWordPieceTokenizer(lowercase=lowercase)
    wp.train([TRAIN], vocab_size=700, min_frequency=2, show_progress=False)
    tok = Tokenizer.from_str(wp.to_str())
    tok.add_tokens([AddedToken("[DAY]", normalized=True), AddedToken("hello world", normalized=True)])
    return tok


def unigram():
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train([TRAIN], trainers.UnigramTrainer(vocab_size=500, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>",
                                                show_progress=False))
    return tok


def charbpe():
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(),
                                           normalizers.Strip(), normalizers.Replace(Regex(r"\s+"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.Punctuation(behavior="contiguous"),
                                                 pre_tokenizers.Split("-", behavior="merged_with_next")])
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tok.train([TRAIN], trainers.BpeTrainer(vocab_size=500, min_frequency=2, special_tokens=["[UNK]"], limit_alphabet=80,
                                            continuing_subword_prefix="##", end_of_word_suffix="</w>", show_progress=False))
    return tok


def fused(tok):
    """The same tokenizer with fuse_unk on: runs of unknown characters become one unknown token."""
    j = json.loads(tok.to_str())
    j["model"]["fuse_unk"] = True
    return Tokenizer.from_str(json.dumps(j))


def wordpiece_misc():
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=False)])
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    tok.train([TRAIN], trainers.WordPieceTrainer(vocab_size=500, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
                                                  show_progress=False))
    tok.add_tokens([AddedToken("<extra>", lstrip=True, rstrip=True), AddedToken("hello world", single_word=True),
                    AddedToken("World", single_word=True, normalized=False)])
    tok.add_special_tokens([AddedToken("[MASK]", lstrip=True, single_word=True, special=True)])
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    return tok


def stream(tok, ids):
    ds = DecodeStream(skip_special_tokens=False)
    out = []
    for i in ids:
        s = ds.step(tok, i)
        if s is not None:
            out.append(s)
    return "".join(out)


def goldens(tok, texts):
    rows = []
    for i, t in enumerate(texts):
        tok.encode_special_tokens = True
        ordinary = tok.encode(t, add_special_tokens=False).ids
        tok.encode_special_tokens = False
        ids = tok.encode(t, add_special_tokens=False).ids
        model = tok.encode(t).ids
        row = {"ids": ids, "model": model, "decoded": tok.decode(model, skip_special_tokens=False),
               "decoded_skip": tok.decode(model, skip_special_tokens=True), "stream": stream(tok, model)}
        if ordinary != ids:
            row["ordinary"] = ordinary
        if i < 40:
            e = tok.encode(t, texts[(i + 1) % len(texts)])
            row["pair"] = {"ids": e.ids, "type_ids": e.type_ids}
        rows.append(row)
    return rows


def write_gz(path, text):
    with gzip.GzipFile(path, "wb", mtime=0) as g:
        g.write(text.encode("utf-8"))


def save(name, tok, texts, file_text=None):
    if file_text is None:
        file_text = tok.to_str()
        write_gz(os.path.join(HF, name + ".json.gz"), file_text)
    rows = goldens(tok, texts)
    write_gz(os.path.join(HF, name + ".golden.jsonl.gz"),
             "".join(json.dumps(r, ensure_ascii=True, separators=(",", ":")) + "\n" for r in rows))
    print(f"{name}: {len(rows)} rows, vocab {tok.get_vocab_size()}")


def gpt2_t5(texts):
    """transformers 5's GPT-2 tokenizer.json from the committed encoder.json/vocab.bpe; only its pipeline is kept."""
    from transformers import GPT2TokenizerFast
    with tempfile.TemporaryDirectory() as d:
        for src, dst in (("gpt2/encoder.json.gz", "vocab.json"), ("gpt2/vocab.bpe.gz", "merges.txt")):
            with gzip.open(os.path.join(RES, src), "rb") as f, open(os.path.join(d, dst), "wb") as g:
                g.write(f.read())
        with open(os.path.join(d, "config.json"), "w") as f:
            f.write('{"model_type": "gpt2"}')
        GPT2TokenizerFast.from_pretrained(d).save_pretrained(os.path.join(d, "out"))
        path = os.path.join(d, "out", "tokenizer.json")
        tok = Tokenizer.from_file(path)
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
    j["model"]["vocab"] = {}
    j["model"]["merges"] = []
    with open(os.path.join(HF, "gpt2_t5.skeleton.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(j, f, ensure_ascii=True, indent=1)
        f.write("\n")
    save("gpt2_t5", tok, texts, file_text="")


def main():
    print("tokenizers", tokenizers.__version__)
    texts = corpus()
    gpt2_t5(texts)
    save("llama3", llama3(), texts)
    vocab, merges = sentencepiece_bpe()
    save("llama2", llama2(vocab, merges), texts)
    save("mistral", mistral(vocab, merges), texts)
    save("qwen2", qwen2(), texts)
    save("bert_uncased", bert(True), texts)
    save("bert_cased", bert(False), texts)
    save("roberta", roberta(), texts)
    save("unigram", unigram(), texts)
    cb = charbpe()
    save("charbpe", cb, texts)
    save("charbpe_fused", fused(cb), texts)
    save("wordpiece_misc", wordpiece_misc(), texts)


if __name__ == "__main__":
    main()
