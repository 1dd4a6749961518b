"""Writes eval/src/test/resources/eval/template_choices.json: the choices and gold index lm-eval-harness 0.4.13's
ConfigurableTask takes from a Jinja doc_to_choice ("{{opts}}", rendered then ast.literal_eval'd) and a Jinja
doc_to_target rendering the answer's text, on template_choices.jsonl (quotes, apostrophes, backslashes, tabs,
newlines, non-ASCII).

    /work/venvs/harness/bin/python tools/golden/eval/make_choice_template_golden.py \
        --data eval/src/test/resources/eval/template_choices.jsonl --out eval/src/test/resources/eval
"""
import argparse
import json
import os

import lm_eval
from lm_eval.api.task import ConfigurableTask

CONFIG = dict(task="tpl", dataset_path="json", test_split="test", output_type="multiple_choice",
              doc_to_text="{{q}}", doc_to_target="{{answer}}", doc_to_choice="{{opts}}", metric_list=[{"metric": "acc"}])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    task = ConfigurableTask(config=dict(CONFIG, dataset_kwargs={"data_files": {"test": os.path.abspath(a.data)}}))
    rows = []
    for doc in task.test_docs():
        choices = task.doc_to_choice(doc)
        target = task.doc_to_target(doc)
        rows.append({"choices": choices, "gold": target if isinstance(target, int) else choices.index(target)})
    path = os.path.join(a.out, "template_choices.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"lm_eval": lm_eval.__version__, "config": CONFIG, "rows": rows}, f, indent=1, ensure_ascii=False)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
