"""Rates of transformers' DataCollatorForLanguageModeling on the rows MlmMaskingTest corrupts.

torch's random stream is not reproduced in Java, so the parity is on statistics: the fraction of candidate tokens
selected and the mask/random/kept split of the selected ones, over 200 rows of 1002 tokens ([CLS] ... [SEP]).
Writes train/src/test/resources/golden/mlm_masking.json.
"""
import json, os, tempfile
import torch
from transformers import BertTokenizer, DataCollatorForLanguageModeling

VOCAB, CLS, SEP, MASK, N, ROWS = 1000, 101, 102, 103, 1002, 200
words = [f"w{i}" for i in range(VOCAB)]
words[0], words[100], words[CLS], words[SEP], words[MASK] = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "vocab.txt"), "w") as f:
        f.write("\n".join(words) + "\n")
    tok = BertTokenizer(os.path.join(d, "vocab.txt"))
assert len(tok) == VOCAB and tok.mask_token_id == MASK
ids = [CLS] + [200 + (i % 700) for i in range(1, N - 1)] + [SEP]
special = [1] + [0] * (N - 2) + [1]
torch.manual_seed(7)
coll = DataCollatorForLanguageModeling(tok, mlm=True, mlm_probability=0.15)
batch = coll([{"input_ids": ids, "special_tokens_mask": special} for _ in range(ROWS)])
inp, lab = batch["input_ids"], batch["labels"]
orig = torch.tensor(ids).expand(ROWS, N)
sel = lab != -100
assert not sel[:, 0].any() and not sel[:, -1].any(), "special tokens selected"
candidates = ROWS * (N - 2)
out = {
    "transformers": __import__("transformers").__version__,
    "vocab": VOCAB, "rows": ROWS, "tokens_per_row": N, "candidates": candidates,
    "selected_rate": sel.sum().item() / candidates,
    "masked_rate": (sel & (inp == MASK)).sum().item() / sel.sum().item(),
    "replaced_rate": (sel & (inp != MASK) & (inp != orig)).sum().item() / sel.sum().item(),
    "kept_rate": (sel & (inp == orig)).sum().item() / sel.sum().item(),
}
path = os.path.join(os.path.dirname(__file__), "../../train/src/test/resources/golden/mlm_masking.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print(out)
