"""Knowledge-distillation loss and its gradient, from torch, for DistillationLossTest.

loss = alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y)   (Hinton et al. 2015)
KL is summed over the vocabulary and averaged over the tokens whose label is not -100 (CE's mean over the same
tokens), written with torch.nn.functional.kl_div(log_softmax(s/T), log_softmax(t/T), log_target=True). Each case: student
logits s [N, V], teacher logits t [N, V], labels y [N], the loss, its two terms and d loss / d s.
Writes train/src/test/resources/golden/distill.json.
"""
import json, os
import torch
import torch.nn.functional as F

torch.manual_seed(3)
N, V = 6, 11
cases = []
for T, alpha in [(2.0, 0.5), (1.0, 0.9), (4.0, 1.0), (0.5, 0.0)]:
    s = (torch.randn(N, V) * 2).requires_grad_(True)
    t = torch.randn(N, V) * 3
    y = torch.randint(0, V, (N,))
    y[2] = -100
    valid = y != -100
    kl_rows = F.kl_div(F.log_softmax(s / T, -1), F.log_softmax(t / T, -1), log_target=True, reduction="none").sum(-1)
    kl = kl_rows[valid].mean()
    ce = F.cross_entropy(s, y, ignore_index=-100)
    loss = alpha * T * T * kl + (1 - alpha) * ce
    loss.backward()
    cases.append({"temperature": T, "alpha": alpha, "rows": N, "vocab": V,
                  "student": s.detach().flatten().tolist(), "teacher": t.flatten().tolist(), "labels": y.tolist(),
                  "kl": kl.item(), "ce": ce.item(), "loss": loss.item(), "grad": s.grad.flatten().tolist()})
path = os.path.join(os.path.dirname(__file__), "../../train/src/test/resources/golden/distill.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(path, [round(c["loss"], 6) for c in cases])
