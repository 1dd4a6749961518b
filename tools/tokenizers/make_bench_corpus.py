#!/usr/bin/env python3
"""Writes a benchmark corpus of about N MB from text that every Linux machine with python3 has: the Python standard
library's sources (code with docstrings and comments), then the system's man pages (English prose in roff markup).
Files are taken in sorted order, so the corpus is the same on the same machine.  Usage: make_bench_corpus.py OUT MB"""
import glob
import gzip
import sys


def sources():
    for f in sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True)):
        yield f, lambda f=f: open(f, encoding="utf-8").read()
    for f in sorted(glob.glob("/usr/share/man/**/*.gz", recursive=True)):
        yield f, lambda f=f: gzip.open(f, "rt", encoding="utf-8").read()


def main(out, mb):
    target = int(float(mb) * 1_000_000)
    n = 0
    with open(out, "w", encoding="utf-8", newline="\n") as o:
        for name, read in sources():
            try:
                s = read()
            except (UnicodeDecodeError, OSError, EOFError):
                continue
            b = s.encode("utf-8")
            if n + len(b) > target:
                s = b[: target - n].decode("utf-8", "ignore")
                b = s.encode("utf-8")
            o.write(s)
            n += len(b)
            if n >= target:
                break
    print(f"{out}: {n / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
