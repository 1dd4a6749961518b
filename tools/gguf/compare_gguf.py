#!/usr/bin/env python3
"""Compares two GGUF files with gguf-py (llama.cpp's reader): metadata keys and values (general.name and the like
may differ and are listed as such), tensor names, order, types and shapes, and tensor bytes. Exits 1 on a
difference outside --allow keys.

    /work/venv/bin/python tools/gguf/compare_gguf.py A.gguf B.gguf [--allow general.name,...]
"""
import argparse
import sys

import numpy as np
from gguf import GGUFReader


def fields(r):
    out = {}
    for k, f in r.fields.items():
        if k.startswith("GGUF."):
            continue
        out[k] = f.contents()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--allow", default="general.name")
    a = ap.parse_args()
    allow = set(a.allow.split(",")) if a.allow else set()
    ra, rb = GGUFReader(a.a), GGUFReader(a.b)
    fa, fb = fields(ra), fields(rb)
    bad = 0
    for k in sorted(set(fa) | set(fb)):
        if fa.get(k) != fb.get(k):
            tag = "allowed" if k in allow else "DIFF"
            va, vb = repr(fa.get(k))[:80], repr(fb.get(k))[:80]
            print(f"metadata {tag}: {k}: {va} vs {vb}")
            bad += tag == "DIFF"
    # Records by name: llama-quantize writes them in an order of its own, which does not matter to a reader.
    ta = {t.name: (t.tensor_type.name, tuple(int(x) for x in t.shape)) for t in ra.tensors}
    tb = {t.name: (t.tensor_type.name, tuple(int(x) for x in t.shape)) for t in rb.tensors}
    if [t.name for t in ra.tensors] != [t.name for t in rb.tensors]:
        print("tensor order differs (allowed)")
    for n in sorted(set(ta) | set(tb)):
        if ta.get(n) != tb.get(n):
            print(f"tensor record DIFF: {n}: {ta.get(n)} vs {tb.get(n)}")
            bad += 1
    same = 0
    ya = {t.name: t for t in rb.tensors}
    for x in ra.tensors:
        y = ya.get(x.name)
        if y is None or ta[x.name] != tb[x.name]:
            continue
        if np.array_equal(np.asarray(x.data).view(np.uint8), np.asarray(y.data).view(np.uint8)):
            same += 1
        else:
            print(f"tensor bytes DIFF: {x.name} ({x.tensor_type.name})")
            bad += 1
    print(f"{same}/{len(ra.tensors)} tensors byte-identical, {bad} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
