"""Writes eval/src/test/resources/eval/fewshot_sampler.json: the few-shot draws of lm-eval-harness's own
ContextSampler ("default") and FirstNSampler ("first_n"), which cortado.eval.FewshotSampler must reproduce.
As lm-eval's evaluator does, each case seeds the sampler once (set_rnd, default seed 1234) and then samples for
each evaluation document in order; when the few-shot split is the test split the evaluation document is passed
as eval_doc and excluded.

    /work/venvs/harness/bin/python tools/golden/eval/make_fewshot_sampler_golden.py --out eval/src/test/resources/eval
"""
import argparse
import json
import os

import lm_eval
from lm_eval.api.samplers import get_sampler


def docs(n):
    return [{"question": f"q{i}", "label": i % 3} for i in range(n)]


def run(name, pool, seed, n, evals, exclude):
    sampler = get_sampler(name)(list(pool), rnd=None).set_rnd(seed)
    draws = []
    for e in evals:
        got = sampler.sample(n=n, eval_doc=e if exclude else None)
        draws.append([pool.index(d) for d in got])
    return {"sampler": name, "seed": seed, "n": n, "pool": pool, "evals": evals, "exclude": exclude, "draws": draws}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    small, big = docs(12), docs(400)
    dup = docs(6) + [{"question": "q2", "label": 2}] * 3  # eval doc q2 four times: the resample path
    cases = [
        run("default", small, 1234, 3, small, True),
        run("default", small, 1234, 5, small[:6], False),
        run("default", small, 42, 11, small[:3], True),
        run("default", big, 1234, 8, big[:20], True),  # k=9 from 400: the set path of random.sample
        run("default", dup, 1234, 5, [dup[2], dup[0]], True),
        run("first_n", small, 1234, 4, small[:5], True),
        run("first_n", small, 1234, 4, small[:2], False),
    ]
    doc = {"lm_eval": lm_eval.__version__, "cases": cases}
    path = os.path.join(a.out, "fewshot_sampler.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
