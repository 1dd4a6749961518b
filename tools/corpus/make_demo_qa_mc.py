"""Writes the built-in task demo_qa (eval/src/main/resources/cortado/eval/tasks/demo_qa.{yaml,jsonl}): the demo's
held-out question/answer pairs (the last 10% of the stories in cli/src/main/resources/cortado/demo/qa.txt, which the
QLoRA stage of `cortado demo` never trains on) as multiple choice: the gold answer and three other answers to the
same question about other held-out stories (random.Random(0)), shuffled. Scores the demo model before and after its
fine-tuning with `cortado eval --tasks demo_qa`.

    python3 tools/corpus/make_demo_qa_mc.py
"""
import json
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
QA = os.path.join(ROOT, "cli", "src", "main", "resources", "cortado", "demo", "qa.txt")
OUT = os.path.join(ROOT, "eval", "src", "main", "resources", "cortado", "eval", "tasks")
HELD_OUT = 0.1  # DemoQa.HELD_OUT

YAML = """# A built-in multiple-choice task written for Cortado (tools/corpus/make_demo_qa_mc.py): the demo's held-out story
# questions, the gold answer among three answers to the same question about other stories (lm-eval-harness's YAML
# shape; data_files are relative to this file).
task: demo_qa
dataset_path: json
dataset_kwargs:
  data_files:
    test: demo_qa.jsonl
test_split: test
output_type: multiple_choice
doc_to_text: "{{story}}\\nQ: {{question}}\\nA:"
doc_to_target: label
doc_to_choice: choices
metric_list:
  - metric: acc
  - metric: acc_norm
metadata:
  version: 1.0
"""


def main():
    blocks = [b for b in open(QA, encoding="utf-8").read().split("\n\n") if b.strip()]
    stories = []
    for b in blocks:
        lines = b.strip("\n").split("\n")
        pairs = [(lines[i][3:], lines[i + 1][3:]) for i in range(1, len(lines), 2)]
        stories.append((lines[0], pairs))
    held = stories[len(stories) - round(len(stories) * HELD_OUT):]
    r = random.Random(0)
    rows = []
    for s, (story, pairs) in enumerate(held):
        for q, (question, answer) in enumerate(pairs):
            others = sorted({p[q][1] for t, (_, p) in enumerate(held) if t != s and q < len(p)} - {answer})
            choices = r.sample(others, 3) + [answer]
            r.shuffle(choices)
            rows.append({"story": story, "question": question, "choices": choices, "label": choices.index(answer)})
    with open(os.path.join(OUT, "demo_qa.jsonl"), "w", encoding="utf-8") as f:
        for x in rows:
            f.write(json.dumps(x) + "\n")
    with open(os.path.join(OUT, "demo_qa.yaml"), "w", encoding="utf-8") as f:
        f.write(YAML)
    print(f"{len(rows)} questions about {len(held)} held-out stories")


if __name__ == "__main__":
    main()
