"""Writes eval/src/test/resources/eval/fewshot_context.json: the prompts and multiple-choice request arguments
lm-eval-harness's ConfigurableTask builds for eval/src/test/resources/eval/tiny_mc.jsonl (Jinja doc_to_text,
doc_to_target/doc_to_choice as field names, a description, few-shot seed 1234), for 0, 1 and 3 shots.

    /work/venvs/harness/bin/python tools/golden/eval/make_fewshot_context_golden.py \
        --data eval/src/test/resources/eval/tiny_mc.jsonl --out eval/src/test/resources/eval
"""
import argparse
import json
import os

import lm_eval
from lm_eval.api.task import ConfigurableTask

CONFIG = dict(task="tiny_mc", dataset_path="json", test_split="test", output_type="multiple_choice",
              doc_to_text="Question: {{question}}\nAnswer:", doc_to_target="label", doc_to_choice="choices",
              description="Arithmetic.\n\n", metric_list=[{"metric": "acc"}])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    cfg = dict(CONFIG, dataset_kwargs={"data_files": {"test": os.path.abspath(a.data)}})
    shots = []
    for k in (0, 1, 3):
        task = ConfigurableTask(config=dict(cfg, num_fewshot=k))
        task.set_fewshot_seed(1234)  # what lm_eval.evaluator does once per task
        rows = []
        for doc in task.test_docs():
            ctx = task.fewshot_context(doc, k)
            reqs = task.construct_requests(doc=doc, ctx=ctx, metadata=("tiny_mc", 0, 1))
            rows.append({"context": ctx, "arguments": [list(r.arguments) for r in reqs]})
        shots.append({"num_fewshot": k, "rows": rows})
    out = {"lm_eval": lm_eval.__version__, "config": CONFIG, "shots": shots}
    path = os.path.join(a.out, "fewshot_context.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
