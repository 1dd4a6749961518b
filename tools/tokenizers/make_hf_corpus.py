#!/usr/bin/env python3
"""Writes the mixed-script corpus for the tokenizer.json parity tests (tokenizer/hf/corpus.jsonl, one {"text": ...}
per line): the hand-written cases of make_corpus.py, then seeded generated lines mixing prose, code, emoji (with ZWJ
sequences and modifiers), CJK, Arabic and Hebrew (RTL, with marks), code points that are unassigned or assigned only
in recent Unicode versions (where libraries' tables disagree), private-use code points, runs of every kind of
whitespace, and special-token strings of every tokenizer family embedded in text (with and without surrounding
spaces, so lstrip/rstrip/single_word matter). Deterministic (seeded). Plain python3.
Run: python3 tools/tokenizers/make_hf_corpus.py"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_corpus import CASES  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data/src/test/resources/tokenizer/hf/corpus.jsonl")

PROSE = ("the quick brown fox jumps over a lazy dog while tokenizers split text into pieces that models read "
         "it's we'll they've I'm don't HELLO World Naïve café résumé coöperate Straße ÉCOLE Ωmega İstanbul").split()
CODE = ["def f(x):\n    return x ** 2", "for (int i = 0; i < n; i++) {", "  }\n", "x += 1;", "if a != b && c <= d:",
        "print(\"héllo\")", "#include <stdio.h>", "let v: Vec<u8> = vec![];", "SELECT * FROM t;", "\t\treturn;",
        "a_b_c = 0x1F + 1e-3", "// comment", "/* block */", "<div class='x'>", "$HOME/.cache", "~/x.py"]
EMOJI = ["\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F1EF\U0001F1F5",
         "\u2764\ufe0f", "\U0001F9D1\u200D\U0001F4BB", "\U0001FA70", "\U0001FAE8", "\U0001F6DC", "\u263A"]
CJK = ["\u4eca\u5929\u5929\u6c14\u5f88\u597d", "\u65e5\u672c\u8a9e", "\u30ab\u30bf\u30ab\u30ca", "\ud55c\uad6d\uc5b4",
       "\u6570\u636e\u6a21\u578b", "\u3001\u3002", "\uff08\u62ec\u5f27\uff09", "\U00020000\U0002A700", "\U00031350"]
RTL = ["\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645", "\u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
       "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", "\u05d1\u05bc\u05b0\u05e8\u05b5\u05d0\u05e9\u05b4\u05c1\u05d9\u05ea",
       "\u0661\u0662\u0663", "\u200f\u0627\u200e", "\u0870\u0871", "\u061f\u060c"]
# Unassigned in Unicode 16 (kept by HF, dropped by a Java C* test), or assigned only recently (Unicode 13-16).
RARE = ["\u0378", "\u2fe0", "\U000e0080", "\U0001fae8", "\U00011f00", "\U0001e290", "\u0b55", "\U0001d2c0",
        "\U000300ff", "\u08a0", "\u1ac0", "\U00016fe4", "\U0001f6dc", "\u0c5d", "\u32ff", "\U000323af", "\U0001faf8",
        # punctuation and nonspacing marks newer than tokenizers' tables (or recategorised since)
        "a\u061db", "x\u2e4fy", "\u2e52", "q\u1b7dq", "\u166d", "\U000111c9", "\u0a76", "e\u0897", "a\u08ca",
        "o\u1ac1", "u\u1df6", "\u0d81", "\u180f"]
PRIVATE = ["\ue000", "\uf8ff", "\U000f0000", "\U0010fffd", "\ue0ff"]
SPACES = [" ", "  ", "    ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2003", "\u200b", " \n ", "\u000b", "\u0085"]
SPECIALS = ["<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<s>", "</s>", "<unk>", "[CLS]",
            "[SEP]", "[MASK]", "[PAD]", "<|im_start|>", "<|im_end|>", "<mask>", "<pad>", "<extra>", "hello world",
            "Hello World", "[DAY]", "<|fim_prefix|>", "<0x41>", "##ing", "\u2581"]


def line(rng):
    kinds = [PROSE, PROSE, CODE, EMOJI, CJK, RTL, RARE, PRIVATE, SPECIALS, SPECIALS]
    parts = []
    for _ in range(rng.randint(2, 14)):
        pool = rng.choice(kinds)
        parts.append(rng.choice(pool))
        parts.append(rng.choice(SPACES) if rng.random() < 0.3 else (" " if rng.random() < 0.7 else ""))
    return "".join(parts)


def main():
    rng = random.Random(20261201)
    lines = list(CASES) + [line(rng) for _ in range(240)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for t in lines:
            f.write(json.dumps({"text": t}, ensure_ascii=True) + "\n")
    print(f"{OUT}: {len(lines)} lines")


if __name__ == "__main__":
    main()
