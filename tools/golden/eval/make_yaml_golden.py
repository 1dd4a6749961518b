"""Writes eval/src/test/resources/eval/yaml_cases.json: YAML snippets in the subset lm-eval task files use (block
mappings and sequences, quoted and plain scalars with PyYAML's typing, block scalars, flow sequences, comments) with
what PyYAML's safe_load (lm-eval's loader, minus its !function constructor) makes of them.

    /work/venvs/harness/bin/python tools/golden/eval/make_yaml_golden.py --out eval/src/test/resources/eval
"""
import argparse
import json
import os

import yaml

CASES = [
    "task: t\ndataset_path: json\nnum_fewshot: 5\nversion: 1.0\nflag: true\nnothing: null\nempty:\n",
    "doc_to_text: \"Question: {{question}}\\nAnswer:\"\nsingle: 'it''s {{x}}'\ndelim: \"\\n\\n\"\nspace: \" \"\n",
    "# a comment\nmetric_list:\n  - metric: acc\n    aggregation: mean\n    higher_is_better: true\n  - metric: acc_norm  # trailing\n",
    "dataset_kwargs:\n  data_files:\n    test: data/test.jsonl\n    train: data/train.jsonl\nmetadata:\n  version: 2\n",
    "doc_to_choice: [\"A\", 'B', C, 3]\nempty_list: []\ntags:\n- one\n- two\n",
    "doc_to_text: |\n  Line one {{a}}\n  Line two\n\nnext: 1\n",
    "folded: >\n  a b\n  c d\n\n  e\nstrip: |-\n  kept\n  text\nkeep: |+\n  x\n\nlast: y\n",
    "plain: Answer {{q}}\nurl: http://example.com/a#b\nneg: -3\nfloat: 0.5\nexp: 1.0e+3\nstr_num: '5'\n",
    "fewshot_config:\n  sampler: first_n\n  samples:\n    - question: q1\n      answer: a1\n    - question: q2\n      answer: a2\n",
    "unicode: \"caf\\u00e9 \\x41\"\ntab: \"a\\tb\"\n",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = {"pyyaml": yaml.__version__, "cases": [{"yaml": c, "value": yaml.safe_load(c)} for c in CASES]}
    path = os.path.join(a.out, "yaml_cases.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
