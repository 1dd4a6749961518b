"""Writes eval/src/test/resources/eval/mc_score.json: lm-eval-harness's multiple-choice scoring (ConfigurableTask
.process_results for acc and acc_norm, then the mean aggregation and mean_stderr) on tiny_mc.jsonl, fed seeded
random per-choice log-likelihoods (some tied, as argmax takes the first maximum).

    /work/venvs/harness/bin/python tools/golden/eval/make_mc_score_golden.py \
        --data eval/src/test/resources/eval/tiny_mc.jsonl --out eval/src/test/resources/eval
"""
import argparse
import json
import os
import random

import lm_eval
from lm_eval.api.metrics import mean, mean_stderr
from lm_eval.api.task import ConfigurableTask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cfg = dict(task="tiny_mc", dataset_path="json", test_split="test", output_type="multiple_choice",
               dataset_kwargs={"data_files": {"test": os.path.abspath(a.data)}},
               doc_to_text="Question: {{question}}\nAnswer:", doc_to_target="label", doc_to_choice="choices",
               metric_list=[{"metric": "acc"}, {"metric": "acc_norm"}])
    task = ConfigurableTask(config=cfg)
    r = random.Random(7)
    rows, acc, acc_norm = [], [], []
    for i, doc in enumerate(task.test_docs()):
        lls = [-r.uniform(0.5, 6.0) for _ in doc["choices"]]
        if i % 4 == 3:
            lls[1] = lls[0]  # a tie
        res = task.process_results(doc, [(ll, False) for ll in lls])
        rows.append({"lls": lls, "acc": res["acc"], "acc_norm": res["acc_norm"]})
        acc.append(res["acc"])
        acc_norm.append(res["acc_norm"])
    out = {"lm_eval": lm_eval.__version__, "rows": rows,
           "acc": mean(acc), "acc_stderr": mean_stderr(acc),
           "acc_norm": mean(acc_norm), "acc_norm_stderr": mean_stderr(acc_norm)}
    path = os.path.join(a.out, "mc_score.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
