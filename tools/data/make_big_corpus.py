#!/usr/bin/env python3
"""Writes a large JSONL corpus for measuring `cortado prepare` (memory and speed), with planted problems.

    python3 tools/data/make_big_corpus.py --out /tmp/big.jsonl --size-gb 2

Documents are English-like: sentences of Zipf-distributed words (common English function words mixed with synthetic
content words), grouped into paragraphs, 0.5-8 KB each, so Gopher's rules keep most of them. Planted, at the given
rates: exact duplicates (an earlier document again, re-cased and re-spaced), near duplicates (an earlier document with
a few words edited), invalid UTF-8 bytes inside a document's text, and malformed JSON lines. The counts go to
OUT.planted.json, to compare with prepare's report.json. Only the standard library; deterministic for a seed.
"""
import argparse
import json
import random


COMMON = ("the of and to in a is that for it as was with be by on not he i this are or his from at which but have "
          "an they you were her she there been one all we their has would when if so no will more can out who up").split()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup-rate", type=float, default=0.02)
    ap.add_argument("--near-dup-rate", type=float, default=0.02)
    ap.add_argument("--bad-utf8-rate", type=float, default=0.001)
    ap.add_argument("--malformed-rate", type=float, default=0.0002)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5,
               1.0, 0.8, 0.2, 0.2, 0.1, 0.1]
    content = ["".join(rnd.choices(letters, weights, k=rnd.randint(3, 10))) for _ in range(20000)]
    # Zipf-like weights: rank r gets 1/(r+5)
    vocab = COMMON + content
    cum = []
    total = 0.0
    for r in range(len(vocab)):
        total += 1.0 / (r + 5)
        cum.append(total)
    sentences = []
    for _ in range(60000):
        words = rnd.choices(vocab, cum_weights=cum, k=rnd.randint(6, 28))
        s = " ".join(words)
        sentences.append(s[0].upper() + s[1:] + rnd.choice(".......!?"))

    target = int(a.size_gb * (1 << 30))
    written = 0
    recent = []  # a window of earlier documents to duplicate
    counts = {"documents": 0, "exact_duplicates": 0, "near_duplicates": 0, "bad_utf8_documents": 0,
              "malformed_lines": 0, "bytes": 0}
    with open(a.out, "wb", buffering=1 << 22) as f:
        line_no = 0
        while written < target:
            u = rnd.random()
            if recent and u < a.dup_rate:
                text = rnd.choice(recent)
                text = text.upper() if rnd.random() < 0.5 else text.replace(" ", "  ")
                counts["exact_duplicates"] += 1
            elif recent and u < a.dup_rate + a.near_dup_rate:
                words = rnd.choice(recent).split(" ")
                for _ in range(max(1, len(words) // 200)):  # ~0.5% of words edited: Jaccard ~0.95 on 5-shingles
                    words[rnd.randrange(len(words))] = rnd.choice(content)
                text = " ".join(words)
                counts["near_duplicates"] += 1
            else:
                paras = []
                for _ in range(rnd.randint(1, 8)):
                    paras.append(" ".join(rnd.choices(sentences, k=rnd.randint(3, 9))))
                text = "\n\n".join(paras)
                if len(recent) < 2000:
                    recent.append(text)
                else:
                    recent[rnd.randrange(2000)] = text
            line = (json.dumps({"text": text}, ensure_ascii=False) + "\n").encode("utf-8")
            if rnd.random() < a.bad_utf8_rate:
                cut = line.index(b'"text": "') + 12
                line = line[:cut] + bytes([0xFF, 0xC3, 0x28]) + line[cut:]  # two ill-formed sequences
                counts["bad_utf8_documents"] += 1
            if rnd.random() < a.malformed_rate:
                line = line[: len(line) // 2] + b"\n"  # truncated record
                counts["malformed_lines"] += 1
            else:
                counts["documents"] += 1
            f.write(line)
            line_no += 1
            written += len(line)
    counts["bytes"] = written
    with open(a.out + ".planted.json", "w") as f:
        json.dump(counts, f, indent=1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
