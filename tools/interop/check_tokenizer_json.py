#!/usr/bin/env python3
"""Interop, Cortado's tokenizer.json -> HF tokenizers: every tokenizer.json Cortado wrote loads with
tokenizers.Tokenizer.from_file and encodes each line of texts.txt to the ids Cortado produced.

Each DIR holds tokenizer.json (written by Cortado), texts.txt (one text per line) and cortado_ids.json (a list, per
line, of Cortado's ids; encoded without special tokens). Prints one JSON line per directory with the lines that differ;
exit status 0 when every line of every directory is identical.

    PYTHON tools/interop/check_tokenizer_json.py DIR [DIR ...]
"""
import json
import os
import sys

from tokenizers import Tokenizer


def check(path):
    try:
        tok = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    except Exception as e:
        print(json.dumps({"dir": os.path.basename(path), "ok": False, "error": f"{type(e).__name__}: {e}"}))
        return False
    with open(os.path.join(path, "texts.txt"), encoding="utf-8") as f:
        texts = f.read().split("\n")
    with open(os.path.join(path, "cortado_ids.json"), encoding="utf-8") as f:
        expected = json.load(f)
    differ = []
    for i, (text, ids) in enumerate(zip(texts, expected)):
        got = tok.encode(text, add_special_tokens=False).ids
        if got != ids:
            differ.append({"line": i, "text": text[:80], "hf": got[:20], "cortado": ids[:20]})
    ok = len(texts) == len(expected) and not differ
    print(json.dumps({"dir": os.path.basename(path), "lines": len(texts), "differ": len(differ),
                      "first_differences": differ[:3], "ok": ok}, ensure_ascii=False))
    return ok


def main():
    results = [check(d) for d in sys.argv[1:]]
    sys.exit(0 if results and all(results) else 1)


if __name__ == "__main__":
    main()
