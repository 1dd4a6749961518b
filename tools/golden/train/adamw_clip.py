"""Golden values for cortado.train: torch.optim.AdamW (3 steps, decay on the matrix only) and clip_grad_norm_.

Run: /work/venv/bin/python tools/golden/train/adamw_clip.py  (writes train/src/test/resources/golden/adamw_clip.json)
"""
import json
import pathlib

import torch

torch.manual_seed(0)
w = torch.randn(3, 4, dtype=torch.float32, requires_grad=True)
b = torch.randn(4, dtype=torch.float32, requires_grad=True)
w0, b0 = w.detach().clone(), b.detach().clone()
lr, wd = 1e-2, 0.1
opt = torch.optim.AdamW([{"params": [w], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}],
                        lr=lr, betas=(0.9, 0.999), eps=1e-8)
steps = []
for s in range(3):
    gw, gb = torch.randn(3, 4), torch.randn(4)
    w.grad, b.grad = gw.clone(), gb.clone()
    opt.step()
    steps.append({"grad_w": gw.flatten().tolist(), "grad_b": gb.flatten().tolist(),
                  "w": w.detach().flatten().tolist(), "b": b.detach().flatten().tolist()})

# Clipping: two gradients with global norm above max_norm.
g1, g2 = torch.randn(5, 3) * 3, torch.randn(7) * 3
p1, p2 = torch.zeros(5, 3, requires_grad=True), torch.zeros(7, requires_grad=True)
p1.grad, p2.grad = g1.clone(), g2.clone()
norm = torch.nn.utils.clip_grad_norm_([p1, p2], max_norm=1.0)

out = {"lr": lr, "weight_decay": wd, "w0": w0.flatten().tolist(), "b0": b0.flatten().tolist(), "steps": steps,
       "clip": {"g1": g1.flatten().tolist(), "g2": g2.flatten().tolist(), "max_norm": 1.0, "norm": norm.item(),
                "clipped1": p1.grad.flatten().tolist(), "clipped2": p2.grad.flatten().tolist()},
       "torch": torch.__version__}
path = pathlib.Path(__file__).resolve().parents[3] / "train/src/test/resources/golden/adamw_clip.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
