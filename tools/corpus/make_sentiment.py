#!/usr/bin/env python3
"""The embedded sentiment set for `finetune --head classify` (cli/src/main/resources/cortado/tasks/sentiment/).

Short reviews whose label needs more than keywords: every adjective appears in positive and negative rows alike,
because a third of the rows negate it ("the soup was not bad." is positive) and a third put it in the first clause
of a contrast whose second clause decides ("the staff was rude but the room was lovely." is positive; "although the
view was lovely, the bed was awful." is negative). A bag-of-words count of positive minus negative adjectives, and
a bag-of-words logistic regression, are printed as baselines on the test split; both stay far below what a model
that reads word order reaches.

Writes train.jsonl (480 rows), validation.jsonl (120) and test.jsonl (200), {"text", "label"} with label
"positive" or "negative", balanced. Deterministic (seed 2026).

    python3 tools/corpus/make_sentiment.py
"""
import json
import os
import random
from collections import Counter

POS = ["great", "lovely", "excellent", "wonderful", "superb", "delightful", "pleasant", "good", "fantastic", "charming"]
NEG = ["awful", "terrible", "boring", "bad", "dreadful", "poor", "rude", "horrible", "dull", "disappointing"]
SUBJ = ["movie", "food", "service", "hotel", "book", "staff", "room", "soup", "concert", "view", "bed", "waiter",
        "music", "coffee", "trip", "show", "game", "ending", "price", "garden"]
OUT = os.path.join(os.path.dirname(__file__), "../../cli/src/main/resources/cortado/tasks/sentiment")


def adj(rng, positive):
    return rng.choice(POS if positive else NEG)


def row(rng, label):
    """A review of sentiment `label` (True: positive) in one of five shapes."""
    s1, s2 = rng.sample(SUBJ, 2)
    shape = rng.randrange(5)
    if shape == 0:
        return f"the {s1} was {adj(rng, label)}."
    if shape == 1:   # negation flips the adjective
        return f"the {s1} was not {adj(rng, not label)}."
    if shape == 2:
        return f"honestly the {s1} was never {adj(rng, not label)}."
    if shape == 3:   # the clause after "but" decides
        return f"the {s1} was {adj(rng, not label)} but the {s2} was {adj(rng, label)}."
    return f"although the {s1} was {adj(rng, not label)}, the {s2} was {adj(rng, label)}."


def split(rng, n, seen):
    rows = []
    while len(rows) < n:
        label = len(rows) % 2 == 0
        text = row(rng, label)
        if text in seen:
            continue
        seen.add(text)
        rows.append({"text": text, "label": "positive" if label else "negative"})
    rng.shuffle(rows)
    return rows


def keyword_baseline(rows):
    hit = 0
    for r in rows:
        words = r["text"].replace(".", " ").replace(",", " ").split()
        score = sum(w in POS for w in words) - sum(w in NEG for w in words)
        hit += (score > 0) == (r["label"] == "positive") if score != 0 else 0.5
    return hit / len(rows)


def bow_baseline(train, test):
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None
    v = CountVectorizer()
    x = v.fit_transform([r["text"] for r in train])
    clf = LogisticRegression(max_iter=2000).fit(x, [r["label"] for r in train])
    return clf.score(v.transform([r["text"] for r in test]), [r["label"] for r in test])


def main():
    rng = random.Random(2026)
    seen = set()
    parts = {"train": split(rng, 480, seen), "validation": split(rng, 120, seen), "test": split(rng, 200, seen)}
    os.makedirs(OUT, exist_ok=True)
    for name, rows in parts.items():
        with open(os.path.join(OUT, name + ".jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        print(name, len(rows), Counter(r["label"] for r in rows))
    print("keyword baseline on test: %.3f" % keyword_baseline(parts["test"]))
    bow = bow_baseline(parts["train"], parts["test"])
    print("bag-of-words logistic regression on test: " + ("%.3f" % bow if bow is not None else "(no sklearn)"))


if __name__ == "__main__":
    main()
