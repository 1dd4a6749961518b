#!/usr/bin/env python3
"""Writes the golden files of the metrics module's parity tests (metrics/src/test/resources/metrics/*.json).

References (each run, never re-implemented here):
  * sacreBLEU 2.x (BLEU, chrF, chrF++, TER) and its documented README example;
  * Google's rouge-score (rouge_scorer.py from google-research/rouge, which is not on the package index here:
    point --rouge-src at a directory holding its `rouge` package; it needs nltk and absl-py);
  * NLTK's PorterStemmer() (the stemmer rouge-score uses);
  * scikit-learn (accuracy, precision/recall/F1, matthews_corrcoef) and SciPy (pearsonr, spearmanr);
  * the official SQuAD evaluate-v1.1.py and evaluate-v2.0.py answer scoring, whose few lines are quoted below.

Run: python tools/metrics/make_metric_golden.py --rouge-src DIR  (with a Python that has sacrebleu, nltk, sklearn,
scipy). The corpora are random with a fixed seed, so the files are reproducible.
"""
import argparse
import collections
import json
import os
import random
import re
import string
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "metrics", "src", "test", "resources", "metrics")

# ---- random corpora --------------------------------------------------------------------------------------------

WORDS = ("the a an of to in is was it that he she they we dog cat man woman house car tree river city "
         "bit ran runs running walked walking happy happily quick quickly brown lazy jumps jumped over under "
         "connection connected connecting relational conditional generalization hopefulness agreed feeds "
         "Paris Berlin NATO U.S. e.g. don't it's o'clock rock'n'roll well-known state-of-the-art").split()
UNICODE = "café naïve Zürich Ωmega façade niño Straße smörgåsbord — … « » “quoted” ‘single’ € £ ¥ © ° ±".split() + [
    "😀", "👍🏽!", "𝔘𝔫𝔦", "e\u0301t\u00e9", "non\u00a0breaking", "ideo\u3000space", "thin\u2009space", "tab\there",
    "İstanbul", "ΣΟΦΟΣ", "ǅemal", "ﬁne"]  # supplementary code points, combining marks, Python-only whitespace, case maps
PUNCT = list(".,!?;:\"'()[]{}-/&%$#@*+=<>|~^`")
NUMBERS = ["3.14", "1,000", "2024", "12-3", "-7", "0.5%", "$20", "10:30", "1.", "3,5", "42nd"]
ENTITIES = ["&amp;", "&quot;", "&lt;", "&gt;", "<skipped>"]
CHINESE = list("我们你他她的是在有不这人中大为上个国以要和会到说时年地们出就分对成可主发生") + \
          ["，", "。", "！", "？", "、", "（", "）", "：", "；"]


def random_sentence(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.62:
            w = rng.choice(WORDS)
            if rng.random() < 0.15:
                w = w.capitalize()
        elif r < 0.72:
            w = rng.choice(UNICODE)
        elif r < 0.84:
            w = rng.choice(NUMBERS)
        elif r < 0.97:
            w = rng.choice(WORDS) + rng.choice(PUNCT)  # punctuation glued to a word
        else:
            w = rng.choice(ENTITIES)
        out.append(w)
    s = " ".join(out)
    if rng.random() < 0.7:
        s += rng.choice([".", "!", "?", " .", "..."])
    return s


def random_chinese(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.8:
            out.append(rng.choice(CHINESE))
        elif r < 0.9:
            out.append(" " + rng.choice(WORDS) + " ")
        else:
            out.append(rng.choice(NUMBERS))
    return "".join(out)


def perturb(rng, s):
    """A hypothesis from a reference: drop, repeat, replace and move words (so TER has shifts to find)."""
    words = s.split()
    if not words:
        return s
    out = []
    for w in words:
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.2:
            out.append(rng.choice(WORDS))
        elif r < 0.25:
            out += [w, w]
        else:
            out.append(w)
    if len(out) > 4 and rng.random() < 0.6:  # move a block of 1-3 words
        k = rng.randint(1, 3)
        i = rng.randrange(0, len(out) - k)
        block = out[i:i + k]
        rest = out[:i] + out[i + k:]
        j = rng.randrange(0, len(rest) + 1)
        out = rest[:j] + block + rest[j:]
    if rng.random() < 0.2:
        out = [w.lower() for w in out]
    return " ".join(out)


def corpus(seed, count, chinese=False):
    rng = random.Random(seed)
    refs1, refs2, hyps = [], [], []
    for i in range(count):
        n = rng.randint(1, 28)
        ref = random_chinese(rng, n) if chinese else random_sentence(rng, n)
        refs1.append(ref)
        refs2.append(perturb(rng, ref))
        hyps.append(perturb(rng, ref))
    # edge cases: empty hypothesis, empty reference, identical, one word, trailing spaces
    special = UNICODE[-12:]
    hyps += ["", "just one", refs1[0], "  spaced   out  \t", "x", " ".join(special) + " ."]
    refs1 += ["something here", "", refs1[0], "spaced out", "y", " ".join(reversed(special))]
    refs2 += ["", "", refs1[0], "spaced   out", "x", "".join(special)]
    return hyps, refs1, refs2


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=0, sort_keys=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


# ---- sacreBLEU ---------------------------------------------------------------------------------------------------

def sacrebleu_goldens():
    import sacrebleu
    from sacrebleu.metrics import BLEU, CHRF, TER

    hyps, r1, r2 = corpus(12, 45)
    zh_hyps, zr1, zr2 = corpus(13, 25, chinese=True)
    # sacreBLEU's README example ("Using the Python API")
    readme_refs = [["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
                   ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."]]
    readme_sys = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
    corpora = {
        "random": {"hyps": hyps, "refs": [r1, r2]},
        "random_zh": {"hyps": zh_hyps, "refs": [zr1, zr2]},
        "readme": {"hyps": readme_sys, "refs": readme_refs},
    }

    def bleu_case(corp, nrefs, **kw):
        c = corpora[corp]
        s = BLEU(**kw).corpus_score(c["hyps"], c["refs"][:nrefs])
        return {"corpus": corp, "nrefs": nrefs, "options": kw, "score": s.score, "counts": list(s.counts),
                "totals": list(s.totals), "precisions": list(s.precisions), "bp": s.bp, "sys_len": s.sys_len,
                "ref_len": s.ref_len}

    bleu = [
        bleu_case("readme", 2),
        bleu_case("random", 1), bleu_case("random", 2),
        bleu_case("random", 2, lowercase=True),
        bleu_case("random", 2, smooth_method="floor"), bleu_case("random", 2, smooth_method="floor", smooth_value=0.5),
        bleu_case("random", 1, smooth_method="add-k"), bleu_case("random", 1, smooth_method="add-k", smooth_value=2),
        bleu_case("random", 1, smooth_method="none"),
        bleu_case("random", 2, tokenize="intl"), bleu_case("random", 1, tokenize="char"),
        bleu_case("random", 1, tokenize="none"),
        bleu_case("random_zh", 2, tokenize="zh"), bleu_case("random_zh", 1, tokenize="13a"),
        bleu_case("random", 1, max_ngram_order=2),
    ]
    # sentence level with effective order (what sentence_bleu recommends), each hypothesis alone
    sentences = []
    for i in range(12):
        refs = [r1[i], r2[i]]
        for kw in ({"effective_order": True}, {"effective_order": True, "smooth_method": "floor"}, {}):
            s = BLEU(**kw).sentence_score(hyps[i], refs)
            sentences.append({"hyp": hyps[i], "refs": refs, "options": kw, "score": s.score, "bp": s.bp,
                              "precisions": list(s.precisions)})
    tokens = []
    for line in hyps + r1 + zh_hyps[:10]:
        tokens.append({"line": line, "13a": sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a()(line),
                       "intl": sacrebleu.tokenizers.tokenizer_intl.TokenizerV14International()(line),
                       "zh": sacrebleu.tokenizers.tokenizer_zh.TokenizerZh()(line),
                       "char": sacrebleu.tokenizers.tokenizer_char.TokenizerChar()(line)})

    def chrf_case(corp, nrefs, **kw):
        c = corpora[corp]
        s = CHRF(**kw).corpus_score(c["hyps"], c["refs"][:nrefs])
        return {"corpus": corp, "nrefs": nrefs, "options": kw, "score": s.score}

    chrf = [
        chrf_case("readme", 2), chrf_case("readme", 2, word_order=2),
        chrf_case("random", 1), chrf_case("random", 2), chrf_case("random", 2, word_order=2),
        chrf_case("random", 1, word_order=2, lowercase=True), chrf_case("random", 1, whitespace=True),
        chrf_case("random", 2, eps_smoothing=True), chrf_case("random", 1, word_order=2, eps_smoothing=True),
        chrf_case("random", 1, beta=1), chrf_case("random_zh", 2), chrf_case("random_zh", 1, word_order=2),
    ]
    chrf_sentences = []
    for i in range(10):
        for kw in ({}, {"word_order": 2}, {"eps_smoothing": True}):
            s = CHRF(**kw).sentence_score(hyps[i], [r1[i], r2[i]])
            chrf_sentences.append({"hyp": hyps[i], "refs": [r1[i], r2[i]], "options": kw, "score": s.score})

    def ter_case(corp, nrefs, **kw):
        c = corpora[corp]
        s = TER(**kw).corpus_score(c["hyps"], c["refs"][:nrefs])
        return {"corpus": corp, "nrefs": nrefs, "options": kw, "score": s.score, "num_edits": s.num_edits,
                "ref_length": s.ref_length}

    # a long hypothesis with far moves (beam and shift limits) and a degenerate length ratio
    rng = random.Random(14)
    long_ref = " ".join(rng.choice(WORDS) for _ in range(90))
    lw = long_ref.split()
    long_hyp = " ".join(lw[45:] + lw[:45])
    # Tercom's limits, each decisive in one line: a 10-word block moved 20 places (max shift size 10), a 5-word block
    # moved 55 places (max distance 50), and a 60-word line over 3 word types (the 1000-candidate budget runs out)
    w30 = [f"w{i}" for i in range(30)]
    w70 = [f"v{i}" for i in range(70)]
    rep_ref = [rng.choice("abc") for _ in range(60)]
    rep_hyp = rep_ref[:]
    rng.shuffle(rep_hyp)
    limit_refs = [" ".join(w30), " ".join(w70), " ".join(rep_ref)]
    limit_hyps = [" ".join(w30[10:] + w30[:10]), " ".join(w70[5:60] + w70[:5] + w70[60:]), " ".join(rep_hyp)]
    corpora["long"] = {"hyps": [long_hyp, "a b", " ".join(lw[:3])] + limit_hyps,
                       "refs": [[long_ref, long_ref, long_ref] + limit_refs]}
    for h, r in zip(limit_hyps, limit_refs):
        print("TER limit line:", TER().sentence_score(h, [r]).num_edits, "edits")
    ter = [
        ter_case("readme", 2), ter_case("random", 1), ter_case("random", 2),
        ter_case("random", 2, normalized=True), ter_case("random", 1, no_punct=True),
        ter_case("random", 1, normalized=True, no_punct=True), ter_case("random", 2, case_sensitive=True),
        ter_case("random_zh", 2, normalized=True, asian_support=True),
        ter_case("random_zh", 1, no_punct=True, asian_support=True),
        ter_case("random_zh", 1), ter_case("long", 1),
    ]
    write("sacrebleu_golden.json", {
        "sacrebleu_version": sacrebleu.__version__,
        "corpora": corpora, "bleu": bleu, "bleu_sentences": sentences, "tokenizers": tokens,
        "chrf": chrf, "chrf_sentences": chrf_sentences, "ter": ter})


# ---- rouge-score and NLTK's Porter stemmer -------------------------------------------------------------------------

STEM_ROOTS = ("connect gener relat happ hop fil run sky agree feed troubl siz cri hope plaster motor condition "
              "rational valen digit radic ton formal sensitiv electr argu bowdler sign analog log theor "
              "adjust depend activ effect predict nation posit hesit generous controll roll fall mess fizz "
              "tann cann inn out proceed exceed succeed news dy ly ty").split()
STEM_SUFFIXES = ("", "s", "es", "ies", "ied", "ed", "ing", "ational", "tional", "enci", "anci", "izer", "bli",
                 "alli", "entli", "eli", "ousli", "ization", "ation", "ator", "alism", "iveness", "fulness",
                 "ousness", "aliti", "iviti", "biliti", "fulli", "logi", "icate", "ative", "alize", "iciti", "ical",
                 "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
                 "sion", "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "e", "ll", "y", "ly", "eed",
                 "ings", "sses", "ss")


def rouge_goldens(rouge_src):
    sys.path.insert(0, rouge_src)
    from rouge import rouge_scorer
    from nltk.stem import porter

    stemmer = porter.PorterStemmer()
    rng = random.Random(21)
    words = sorted({r + s for r in STEM_ROOTS for s in STEM_SUFFIXES})
    words = rng.sample(words, 700)
    words += ["".join(rng.choice("aeiouybcdlmnrsty") for _ in range(rng.randint(3, 11))) for _ in range(300)]
    stems = [[w, stemmer.stem(w)] for w in words]

    def text(n):
        return " ".join(rng.choice(WORDS + [r + s for r in STEM_ROOTS[:20] for s in ("s", "ing", "ed", "ation")])
                        for _ in range(n))

    def reinflect(s):
        """Swap the suffixes of inflected words, so that stemming changes the scores."""
        out = []
        for w in s.split(" "):
            root = next((r for r in STEM_ROOTS[:20] if w.lower().startswith(r)), None)
            if root and rng.random() < 0.5:
                w = root + rng.choice(["", "s", "ing", "ed", "ation", "er", "ness", "ly", "ies", "ational"])
            out.append(w)
        return " ".join(out)

    cases = []
    types = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
    for i in range(40):
        target = "\n".join(text(rng.randint(1, 14)) for _ in range(rng.randint(1, 4)))
        if i % 5 == 0:
            prediction = target.replace("\n", " ")
        else:
            prediction = "\n".join(reinflect(perturb(rng, s)) for s in target.split("\n"))
        if i % 7 == 3:
            prediction = rng.choice(["", "/", "!!! ???", "Café — NAÏVE; 123 4.5"])
        for stem in (False, True):
            scores = rouge_scorer.RougeScorer(types, use_stemmer=stem).score(target, prediction)
            cases.append({"target": target, "prediction": prediction, "stemmer": stem,
                          "scores": {k: list(v) for k, v in scores.items()}})
    write("rouge_golden.json", {"stems": stems, "cases": cases})


# ---- SQuAD --------------------------------------------------------------------------------------------------------
# The answer scoring of the official SQuAD scripts, quoted (evaluate-v1.1.py and evaluate-v2.0.py by the SQuAD
# authors, Rajpurkar et al.; the v2.0 script's normalize_answer and get_tokens are the same up to re.UNICODE).

def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    def remove_articles(text):
        regex = re.compile(r'\b(a|an|the)\b', re.UNICODE)
        return re.sub(regex, ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score_v11(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = collections.Counter(prediction_tokens) & collections.Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score_v11(prediction, ground_truth):
    return (normalize_answer(prediction) == normalize_answer(ground_truth))


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    scores_for_ground_truths = []
    for ground_truth in ground_truths:
        score = metric_fn(prediction, ground_truth)
        scores_for_ground_truths.append(score)
    return max(scores_for_ground_truths)


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def squad_v2_example(pred, golds):
    # evaluate-v2.0.py's get_raw_scores: gold answers that normalize to '' are dropped; none left means no-answer
    gold_answers = [a for a in golds if normalize_answer(a)]
    if not gold_answers:
        gold_answers = ['']
    return (max(compute_exact(a, pred) for a in gold_answers), max(compute_f1(a, pred) for a in gold_answers))


def squad_goldens():
    cases = [
        ("", [""]), ("", ["Paris"]), ("Paris", [""]), ("the", ["a"]), ("The", [""]), ("a an the", ["the"]),
        ("The Eiffel Tower", ["Eiffel Tower"]), ("an apple", ["apple", "the apple"]), ("the the cat", ["cat"]),
        ("Theory", ["theory"]), ("anthem", ["them"]), ("A.B.C.", ["abc"]), ("U.S.", ["US", "United States"]),
        ("rock'n'roll", ["rocknroll"]), ("well-known fact", ["wellknown fact"]), ("1,000", ["1000"]),
        ("  many   spaces  ", ["many spaces"]), ("Hello, World!", ["hello world"]), ("cat cat dog", ["cat dog dog"]),
        ("the cat sat on the mat", ["a cat sat on a mat", "cat on mat"]), ("Paris France", ["Paris", "France"]),
        ("Zürich", ["zürich"]), ("CAFÉ au lait", ["café au lait"]), ("“quoted”", ["quoted"]),
        ("an_the", ["an the"]), ("the1", ["1"]), ("a-b", ["ab"]), ("(a) b", ["b"]), ("éa", ["a"]), ("aé", ["é"]),
        ("über the top", ["über top"]), ("1960s", ["the 1960s"]), ("no", ["yes"]), ("...", ["!!!"]),
        ("THE END", ["end"]), ("a", ["a"]), ("an", [""]), ("x y z", ["z y x"]), ("Denver Broncos", ["Broncos", "Denver"]),
        ("Ω the Ω", ["Ω Ω"]), ("one two three four", ["one two", "three four five"]),
        ("ΣΟΦΟΣ", ["σοφος", "σοφοσ"]), ("İstanbul", ["istanbul"]), ("ﬁne", ["fine"]), ("non\u00a0breaking", ["non breaking"]),
        ("ideo\u3000space", ["ideo space"]), ("😀 the 👍🏽", ["😀 👍🏽"]),
    ]
    out = []
    for pred, golds in cases:
        em2, f12 = squad_v2_example(pred, golds)
        out.append({"prediction": pred, "golds": golds, "normalized": normalize_answer(pred),
                    "v1_em": float(metric_max_over_ground_truths(exact_match_score_v11, pred, golds)),
                    "v1_f1": float(metric_max_over_ground_truths(f1_score_v11, pred, golds)),
                    "v2_em": float(em2), "v2_f1": float(f12)})
    write("squad_golden.json", {"cases": out})


# ---- scikit-learn and SciPy ---------------------------------------------------------------------------------------

def classification_goldens():
    import numpy as np
    import scipy
    import sklearn
    from scipy import stats
    from sklearn import metrics

    rng = np.random.default_rng(31)
    cases = []
    for name, k, n in (("binary", 2, 60), ("three", 3, 80), ("five", 5, 50), ("missing_pred", 4, 30)):
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))
        if name == "missing_pred":
            y_pred = np.where(y_pred == 3, 0, y_pred)  # a label no prediction uses: zero_division
        case = {"name": name, "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
                "accuracy": metrics.accuracy_score(y_true, y_pred),
                "mcc": metrics.matthews_corrcoef(y_true, y_pred)}
        for avg in (["binary"] if k == 2 else []) + ["micro", "macro", "weighted"]:
            p, r, f, _ = metrics.precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=0)
            case[avg] = [float(p), float(r), float(f)]
        cases.append(case)
    const = {"name": "constant_prediction", "y_true": [0, 1, 1, 0, 1], "y_pred": [1, 1, 1, 1, 1]}
    const["mcc"] = metrics.matthews_corrcoef(const["y_true"], const["y_pred"])
    const["accuracy"] = metrics.accuracy_score(const["y_true"], const["y_pred"])
    for avg in ("binary", "micro", "macro", "weighted"):
        p, r, f, _ = metrics.precision_recall_fscore_support(const["y_true"], const["y_pred"], average=avg,
                                                             zero_division=0)
        const[avg] = [float(p), float(r), float(f)]
    cases.append(const)

    corr = []
    for name, n, ties in (("continuous", 40, False), ("ties", 40, True), ("small", 5, True)):
        x = rng.normal(size=n)
        y = 0.6 * x + rng.normal(size=n)
        if ties:
            x = np.round(x * 2) / 2
            y = np.round(y)
        corr.append({"name": name, "x": x.tolist(), "y": y.tolist(),
                     "pearson": float(stats.pearsonr(x, y)[0]), "spearman": float(stats.spearmanr(x, y)[0]),
                     "ranks_x": stats.rankdata(x).tolist()})
    write("classification_golden.json", {"sklearn_version": sklearn.__version__, "scipy_version": scipy.__version__,
                                         "cases": cases, "correlation": corr})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rouge-src", required=True, help="directory holding rouge-score's `rouge` package")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    sacrebleu_goldens()
    rouge_goldens(a.rouge_src)
    squad_goldens()
    classification_goldens()


if __name__ == "__main__":
    main()
