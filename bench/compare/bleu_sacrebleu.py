"""sacreBLEU's side of bench/compare/bleu_vs_sacrebleu.sh.

  bleu_sacrebleu.py write DIR LINES   writes DIR/hyp.txt, DIR/ref1.txt, DIR/ref2.txt (a seeded random corpus)
  bleu_sacrebleu.py time DIR REPEATS  one warm-up corpus_score, then REPEATS timed ones; prints one line
"""
import random
import statistics
import sys
import time


def write(d, lines):
    rng = random.Random(20260)
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    vocab = []
    for _ in range(2000):
        w = "".join(letters[min(25, int(abs(rng.gauss(0, 1)) * 8))] for _ in range(rng.randint(2, 9)))
        vocab.append(w.capitalize() if rng.random() < 0.1 else w)
    extras = [",", ".", "!", "?", ";", "\"", "(", ")", "'s", "-", "3.14", "1,000", "2026", "12-3"]

    def perturb(ref):
        out = []
        for w in ref:
            r = rng.randrange(10)
            if r == 0:
                continue
            out += [rng.choice(vocab)] if r == 1 else [w, w] if r == 2 else [w]
        return " ".join(out)

    hyps, r1, r2 = [], [], []
    for _ in range(lines):
        ref = []
        for _ in range(rng.randint(5, 45)):
            w = vocab[min(1999, int(abs(rng.gauss(0, 1)) * 400))]
            if rng.random() < 1 / 8:
                w += rng.choice(extras)
            ref.append(w)
        r1.append(" ".join(ref) + ".")
        r2.append(perturb(ref) + ".")
        hyps.append(perturb(ref))
    for name, lines_ in (("hyp", hyps), ("ref1", r1), ("ref2", r2)):
        with open(f"{d}/{name}.txt", "w", encoding="utf-8") as f:
            f.write("\n".join(lines_) + "\n")


def timed(d, repeats):
    from sacrebleu.metrics import BLEU
    read = lambda n: open(f"{d}/{n}.txt", encoding="utf-8").read().split("\n")[:-1]
    hyps, refs = read("hyp"), [read("ref1"), read("ref2")]
    score = BLEU().corpus_score(hyps, refs).score  # warm-up
    ms = []
    for _ in range(repeats):
        bleu = BLEU()  # a fresh metric: its tokenizer's lru_cache starts empty, as on a new corpus
        t0 = time.perf_counter()
        score = bleu.corpus_score(hyps, refs).score
        ms.append((time.perf_counter() - t0) * 1e3)
    print(f"sacrebleu median_ms={statistics.median(ms):.1f} min_ms={min(ms):.1f} max_ms={max(ms):.1f} score={score:.6f}")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        timed(sys.argv[2], int(sys.argv[3]))
