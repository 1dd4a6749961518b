"""Writes a preference set from the demo's QA blocks (cli/src/main/resources/cortado/demo/qa.txt), in TRL's
explicit-prompt layout: prompt = "story\\nQ: question\\nA:" (as cortado.cli.DemoQa builds it), chosen = " right
answer", rejected = " the answer to another question about the same story". The rejected answer is clearly wrong
given the story (it answers a different question: a place for "What did Rosa find?") yet is made of words the story
contains, so copying story words alone does not separate the two: the model must read the question. Chosen and
rejected answers are drawn from the same pool, so they have the same length distribution (printed per file).

The last 10% of the stories (with all their questions) are held out, as DemoQa splits them: held-out pairs ask
about stories the training never read. Deterministic (seed 7, stdlib only):
    python3 tools/corpus/make_demo_preferences.py --out /tmp/prefs
writes OUT/train.jsonl and OUT/heldout.jsonl.
"""
import argparse
import json
import pathlib
import random

QA = pathlib.Path(__file__).resolve().parents[2] / "cli/src/main/resources/cortado/demo/qa.txt"


def blocks(text):
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        qs = [(lines[i][3:], lines[i + 1][3:]) for i in range(1, len(lines), 2)]
        yield lines[0], qs


def pairs(story, qs, rng):
    for q, a in qs:
        wrong = [b for _, b in qs if b != a and b not in a and a not in b]
        yield {"prompt": f"{story}\nQ: {q}\nA:", "chosen": " " + a, "rejected": " " + rng.choice(wrong)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(7)
    stories = list(blocks(QA.read_text()))
    cut = len(stories) - len(stories) // 10
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("train.jsonl", stories[:cut]), ("heldout.jsonl", stories[cut:])):
        rows = [p for s, qs in part for p in pairs(s, qs, rng)]
        (out / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
        # both answers come from the same story's pool, so their lengths are distributed alike: length alone
        # cannot tell chosen from rejected
        c = [len(r["chosen"]) for r in rows]
        j = [len(r["rejected"]) for r in rows]
        longer = sum(a > b for a, b in zip(c, j)) / len(rows)
        shorter = sum(a < b for a, b in zip(c, j)) / len(rows)
        print(f"{out / name}: {len(rows)} pairs; mean characters chosen {sum(c) / len(c):.2f}, rejected"
              f" {sum(j) / len(j):.2f}; chosen longer in {longer:.1%}, shorter in {shorter:.1%}")


if __name__ == "__main__":
    main()
