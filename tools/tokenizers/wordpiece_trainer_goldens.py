#!/usr/bin/env python3
"""Goldens for WordPieceTrainerParityTest: tokenizer.json files trained by HF `tokenizers`' WordPieceTrainer on the
repo's corpora under several settings, each with the pipeline Cortado's trainer writes (BertNormalizer, BertPreTokenizer,
BertProcessing when [CLS] and [SEP] exist, WordPiece decoder), so the whole file can be compared.

HF's WordPieceTrainer is not deterministic: the ##c tokens get their ids in the iteration order of a hash map of
words (random per run), and ids break ties between equal pair counts, so runs on one corpus differ (even in size).
Each case is therefore trained several times and up to RUNS distinct results are kept; the Java test reads each one's
##c order out of its vocabulary, passes it to Cortado's trainer, and expects that very file.

The alphabet limit removes the rarest characters, and HF breaks ties between equally rare ones in hash order too;
the limits below are checked to fall between two different counts (the script fails otherwise).

Writes data/src/test/resources/tokenizer/wordpiece_trainer/{cases.json, <case>.<run>.json.gz}.
Corpora: train.txt (its lines, each with its "\\n", as Cortado's trainer reads a file) and hf/corpus.jsonl (the
mixed-script corpus: prose, code, emoji with ZWJ sequences, CJK, RTL, rare and private-use code points).
Run: /work/venv/bin/python tools/tokenizers/wordpiece_trainer_goldens.py"""
import collections
import gzip
import json
import os

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "data/src/test/resources/tokenizer")
OUT = os.path.join(RES, "wordpiece_trainer")
RUNS = 2
TRIES = 12

BERT = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CASES = [
    # name, corpus, vocab_size, min_frequency, lowercase, limit_alphabet, initial_alphabet, special tokens
    ("train_uncased_800", "train.txt", 800, 2, True, None, "", BERT),
    ("train_cased_1500_min3", "train.txt", 1500, 3, False, None, "", ["[UNK]", "[SEP]", "[CLS]", "[UNK]"]),
    ("mixed_uncased_700_min1", "hf/corpus.jsonl", 700, 1, True, None, "", BERT),
    ("mixed_cased_limit", "hf/corpus.jsonl", 600, 2, False, 119, "", ["[UNK]", "<extra>"]),
    ("mixed_uncased_initial_limit", "hf/corpus.jsonl", 500, 1, True, 89, "qzé€\u4e2d", ["[UNK]", "[CLS]", "[SEP]"]),
    ("train_exhausted", "train.txt", 20000, 4, True, None, "", BERT),
]


def texts(corpus):
    path = os.path.join(RES, corpus)
    with open(path, encoding="utf-8", newline="") as f:
        raw = f.read()
    if corpus.endswith(".jsonl"):
        return [json.loads(line)["text"] for line in raw.split("\n") if line]
    lines = [line + "\n" for line in raw.split("\n")]  # split on "\n" only, keeping it, as Cortado reads a file
    lines[-1] = lines[-1][:-1]
    return [line for line in lines if line]


def pipeline(lowercase):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=lowercase,
                                                lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return tok


def check_limit(tok, lines, limit, initial):
    """Fails unless the alphabet limit cuts between two different character counts (no hash-order tie)."""
    counts = collections.Counter()
    for t in lines:
        for w, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(t)):
            counts.update(w)
    for c in initial:
        counts[c] = float("inf")
    ranked = sorted(counts.values())
    cut = len(ranked) - limit
    assert cut > 0 and ranked[cut - 1] != ranked[cut], f"limit {limit} cuts a tie ({len(ranked)} chars)"


def train(corpus, vocab_size, min_frequency, lowercase, limit, initial, specials):
    lines = texts(corpus)
    tok = pipeline(lowercase)
    if limit is not None:
        check_limit(tok, lines, limit, initial)
    kw = {} if limit is None else {"limit_alphabet": limit}
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
                                        initial_alphabet=list(initial), show_progress=False, **kw)
    tok.train_from_iterator(lines, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if cls is not None and sep is not None:
        tok.post_processor = processors.BertProcessing(("[SEP]", sep), ("[CLS]", cls))
    return tok.to_str()


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for name, corpus, vocab_size, min_freq, lowercase, limit, initial, specials in CASES:
        runs = []
        for _ in range(TRIES):
            s = train(corpus, vocab_size, min_freq, lowercase, limit, initial, specials)
            if s not in runs:
                runs.append(s)
            if len(runs) == RUNS:
                break
        files = []
        for i, s in enumerate(runs):
            fname = f"{name}.{i}.json.gz"
            with gzip.GzipFile(os.path.join(OUT, fname), "wb", mtime=0) as f:
                f.write(s.encode("utf-8"))
            files.append(fname)
        sizes = [len(json.loads(s)["model"]["vocab"]) for s in runs]
        print(f"{name}: {len(runs)} distinct HF result(s), vocab sizes {sizes}")
        manifest.append({"name": name, "corpus": corpus, "vocab_size": vocab_size, "min_frequency": min_freq,
                         "lowercase": lowercase, "limit_alphabet": limit or 0, "initial_alphabet": initial,
                         "special_tokens": specials, "hf_files": files})
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
