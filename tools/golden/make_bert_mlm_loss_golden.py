"""BertForMaskedLM's masked-LM loss and every parameter's gradient on a fixed masked batch (transformers 5.18).

Reads the committed tiny checkpoint tests/src/test/resources/golden/bert_mlm and the inputs of bert_golden.safetensors
(both from make_bert_golden.py); every third non-padding token is replaced by id 4 (the stand-in [MASK]) and labelled
with its original id, the rest labelled -100. Writes bert_mlm_loss_golden.safetensors next to them.
"""
import os
import torch
from safetensors.torch import load_file, save_file
from transformers import BertForMaskedLM

d = os.path.join(os.path.dirname(__file__), "../../tests/src/test/resources/golden")
model = BertForMaskedLM.from_pretrained(os.path.join(d, "bert_mlm"), attn_implementation="eager").eval()
g = load_file(os.path.join(d, "bert_golden.safetensors"))
ids, mask, types = g["input_ids"].clone(), g["attention_mask"], g["token_type_ids"]
labels = torch.full_like(ids, -100)
pick = (mask == 1) & (torch.arange(ids.numel()).view(ids.shape) % 3 == 0)
labels[pick] = ids[pick]
ids[pick] = 4
out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels)
out.loss.backward()
golden = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "labels": labels,
          "loss": out.loss.detach().reshape(1)}
for name, p in model.named_parameters():
    golden["grad." + name] = p.grad.contiguous()
save_file(golden, os.path.join(d, "bert_mlm_loss_golden.safetensors"))
print("loss", out.loss.item(), "params", len(golden) - 5)
