"""Writes eval/src/test/resources/eval/python_random.json: CPython's random.Random draws that
cortado.eval.PythonRandom must reproduce exactly (lm-eval-harness samples few-shot examples with
random.Random(1234).sample(docs, k)).

    /work/venv/bin/python tools/golden/eval/make_python_random_golden.py --out eval/src/test/resources/eval
"""
import argparse
import json
import os
import platform
import random

SEEDS = [1234, 0, 1, 42, -7, 2**32 - 1, 2**32, 2**40 + 5, 2**63 - 1]


def case(seed):
    out = {"seed": seed}
    r = random.Random(seed)
    out["random"] = [r.random() for _ in range(5)]
    r = random.Random(seed)
    out["getrandbits"] = [[k, r.getrandbits(k)] for k in (1, 5, 31, 32, 33, 48, 63)]
    r = random.Random(seed)
    out["randbelow"] = [[n, r._randbelow(n)] for n in (1, 2, 3, 7, 100, 1000, 2**31 - 1, 2**40 + 3)]
    shuffles = []
    r = random.Random(seed)
    for n in (0, 1, 2, 10, 50, 700):
        x = list(range(n))
        r.shuffle(x)
        shuffles.append(x)
    out["shuffle"] = shuffles
    samples = []
    r = random.Random(seed)
    # small pools (pool path) and large populations (set path: n > 21 + 4**ceil(log(3k, 4))).
    for n, k in ((5, 0), (5, 5), (20, 3), (20, 6), (30, 5), (30, 6), (100, 25), (1000, 5), (1000, 30), (5000, 200)):
        samples.append([n, k, r.sample(range(n), k)])
    out["sample"] = samples
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    doc = {"python": platform.python_version(), "cases": [case(s) for s in SEEDS]}
    path = os.path.join(a.out, "python_random.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
