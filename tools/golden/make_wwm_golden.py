#!/usr/bin/env python3
"""Whole-word masking golden: how transformers 5.18's DataCollatorForLanguageModeling(whole_word_mask=True) (the
deprecated DataCollatorForWholeWordMask is the same class) groups WordPiece tokens into words, and which tokens a
given choice of words masks.

The collator's random draws (torch's generator) cannot be matched, so the draw is replaced by a fixed choice: for
each text, the words whose first token is selected are listed, and the collator's own static methods do the rest:
  _calc_word_ids_and_prob_mask(offsets, special_tokens_mask): word ids (-1 for special tokens; a token starts a new
      word unless it begins where the previous one ended and that one was not special) and which tokens may be drawn
      (only a word's first token);
  _whole_word_mask(word_ids, mask): every token of a word whose first token was drawn.
Then, as torch_mask_tokens does with mask_replace_prob forced to 1: labels are the ids there and -100 elsewhere, and
inputs have [MASK] at every masked token.

The tokenizer is a BertTokenizerFast over a fixed vocabulary (written here), lower-casing, so the tokens are fixed.
Texts 0-2 have words separated by spaces, where offsets and WordPiece's "##" give the same words; text 3 has
punctuation touching words ("dog's", "bed."), which the collator's offsets join to the word before and "##" does not
(flagged "punctuation_touches": true).

Writes train/src/test/resources/golden/wwm.json. Run: /work/venv/bin/python tools/golden/make_wwm_golden.py
"""
import json
import os
import tempfile

import numpy as np
import transformers
from transformers import BertTokenizerFast, DataCollatorForLanguageModeling

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "dog", "cat", "sleeps", "on", "bed", "runs",
         "un", "##happi", "##ness", "happy", "##ly", "play", "##ing", "##s", "quick", "##est", "fox", "jump", "##ed",
         "over", "'", "s", ".", ",", "re", "##play", "##able"]

TEXTS = [
    ("the quick fox jumped over the dog", [1, 3, 6]),                      # word indices chosen
    ("unhappiness runs playing the cat sleeps happy", [0, 2, 5]),
    ("a replayable dog sleeps on the quickest bed", [1, 3, 6]),
    ("the dog's bed. the cat, unhappily, sleeps", [1, 2, 4, 5]),
]


def main():
    with tempfile.TemporaryDirectory() as d:
        vocab_file = os.path.join(d, "vocab.txt")
        with open(vocab_file, "w") as f:
            f.write("\n".join(VOCAB) + "\n")
        tok = BertTokenizerFast(vocab_file, do_lower_case=True)
    collator = DataCollatorForLanguageModeling(tok, mlm=True, whole_word_mask=True, mlm_probability=0.15)
    mask_id = tok.convert_tokens_to_ids(tok.mask_token)
    cases = []
    for i, (text, chosen_words) in enumerate(TEXTS):
        enc = tok(text, return_offsets_mapping=True, return_special_tokens_mask=True)
        ids = enc["input_ids"]
        offsets = np.array([enc["offset_mapping"]])
        special = np.array([enc["special_tokens_mask"]])
        word_ids, no_mask = collator._calc_word_ids_and_prob_mask(offsets, special)
        word_ids, no_mask = word_ids[0], no_mask[0]
        # the words' first tokens: the tokens the collator may draw (prob_mask False), special tokens excluded
        starts = [t for t in range(len(ids)) if not no_mask[t] and not special[0][t]]
        drawn = np.zeros((1, len(ids)), dtype=bool)
        for w in chosen_words:
            drawn[0, starts[w]] = True
        masked = collator._whole_word_mask(word_ids[None], drawn)[0]
        labels = [ids[t] if masked[t] else -100 for t in range(len(ids))]
        inputs = [mask_id if masked[t] else ids[t] for t in range(len(ids))]
        cases.append({
            "text": text,
            "tokens": tok.convert_ids_to_tokens(ids),
            "input_ids": ids,
            "special_tokens_mask": enc["special_tokens_mask"],
            "word_ids": [int(w) for w in word_ids],
            "drawn": [int(t) for t in np.nonzero(drawn[0])[0]],
            "labels": labels,
            "masked_inputs": inputs,
            "punctuation_touches": i == 3,
        })
        print(text, "->", tok.convert_ids_to_tokens(ids), "words", list(word_ids))
    out = {"transformers": transformers.__version__, "vocab": VOCAB, "mask_id": mask_id, "cases": cases}
    path = os.path.join(os.path.dirname(__file__), "../../train/src/test/resources/golden/wwm.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
