#!/usr/bin/env python3
"""Converts a rank file shipped by the npm package `tiktoken` (encoders/NAME.json: pat_str, special_tokens and
bpe_ranks in js-tiktoken's compressed form "! OFFSET tok tok ...", one group per line) into OpenAI's .tiktoken format
(one "base64-token rank" per line) plus a small NAME.meta.json with the pattern and special tokens.
Plain python3, no third-party modules (it runs in CI too)."""
import json
import sys


def main(src, dst_tiktoken, dst_meta):
    with open(src, encoding="utf-8") as f:
        d = json.load(f)
    out = []
    for line in d["bpe_ranks"].split("\n"):
        if not line:
            continue
        parts = line.split(" ")
        offset = int(parts[1])
        for i, tok in enumerate(parts[2:]):
            out.append(f"{tok} {offset + i}\n")
    with open(dst_tiktoken, "w", encoding="ascii", newline="\n") as f:
        f.writelines(out)
    with open(dst_meta, "w", encoding="utf-8") as f:
        json.dump({"pat_str": d["pat_str"], "special_tokens": d["special_tokens"]}, f, indent=1)
    print(f"{dst_tiktoken}: {len(out)} ranks")


if __name__ == "__main__":
    main(*sys.argv[1:4])
