"""Golden files for Cortado's AdamW8bit from the real bitsandbytes (built for the CPU by
tools/quant/build_bitsandbytes.sh): bnb.optim.AdamW8bit stepping CPU tensors, which runs bitsandbytes' CPU
optimizer_update_8bit_blockwise (dequantize both states, the Adam update in fp32 torch ops, requantize with the C++
quantize_cpu, whose rounding goes through a 65536-bin lookup table) for tensors of at least min_8bit_size = 4096
elements and optimizer_update_32bit for smaller ones.

Parameters and gradients come from integer formulas that Java evaluates to the same float32 bits, so the file holds
only results: after steps 1 and 3, each 8-bit tensor's state1/state2 codes and absmax1/absmax2, and every parameter.

Usage: PYTHONPATH=tools/quant/.bnb /work/venv/bin/python tools/train/bnb_adamw8bit_goldens.py \
           [--out train/src/test/resources/train/adamw8bit_goldens.safetensors]
"""
import argparse

import numpy as np
import torch
from safetensors.torch import save_file

import bitsandbytes as bnb

# name -> shape; a: 8-bit, whole blocks; b: 8-bit with a partial last block, 1-D; c: under 4096 elements (fp32 state)
SHAPES = {"a": (64, 80), "b": (4500,), "c": (30, 20)}
LR, BETAS, EPS, WD = 0.01, (0.9, 0.999), 1e-8, 0.01
STEPS = 3


def formula(n, seed, scale):
    """((i*7919 + seed*104729) mod 2001 - 1000) / 1000 * scale in float32, with every 97th element 20x (outliers that
    make the blocks' absmax differ). Java: AdamW8bitParityTest.formula."""
    i = np.arange(n, dtype=np.int64)
    k = ((i * 7919 + seed * 104729) % 2001 - 1000).astype(np.float32)
    x = (k / np.float32(1000)).astype(np.float32) * np.float32(scale)
    x = np.where(i % 97 == 0, x * np.float32(20), x).astype(np.float32)
    return torch.from_numpy(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="train/src/test/resources/train/adamw8bit_goldens.safetensors")
    args = ap.parse_args()
    params = {}
    for j, (name, shape) in enumerate(SHAPES.items()):
        n = int(np.prod(shape))
        params[name] = torch.nn.Parameter(formula(n, 100 + j, 0.5).reshape(shape).clone())
    # Cortado decays matrices only (AdamW.decays); bitsandbytes decays whatever its group says: two groups mirror that.
    groups = [{"params": [p for p in params.values() if p.dim() >= 2], "weight_decay": WD},
              {"params": [p for p in params.values() if p.dim() < 2], "weight_decay": 0.0}]
    opt = bnb.optim.AdamW8bit(groups, lr=LR, betas=BETAS, eps=EPS, min_8bit_size=4096)
    out = {}
    for step in range(1, STEPS + 1):
        for j, (name, p) in enumerate(params.items()):
            p.grad = formula(p.numel(), 1000 * step + j, 0.01 * step).reshape(p.shape).clone()
        opt.step()
        if step in (1, STEPS):
            for name, p in params.items():
                out[f"step{step}.{name}.param"] = p.detach().clone()
                st = opt.state[p]
                if st["state1"].dtype == torch.uint8:
                    out[f"step{step}.{name}.state1"] = st["state1"].reshape(-1).clone()
                    out[f"step{step}.{name}.state2"] = st["state2"].reshape(-1).clone()
                    out[f"step{step}.{name}.absmax1"] = st["absmax1"].clone()
                    out[f"step{step}.{name}.absmax2"] = st["absmax2"].clone()
                else:
                    out[f"step{step}.{name}.exp_avg"] = st["state1"].reshape(-1).clone()
                    out[f"step{step}.{name}.exp_avg_sq"] = st["state2"].reshape(-1).clone()
    meta = {"bitsandbytes": bnb.__version__, "torch": torch.__version__, "lr": str(LR), "eps": str(EPS),
            "weight_decay": str(WD), "betas": f"{BETAS[0]},{BETAS[1]}"}
    save_file(out, args.out, metadata=meta)
    print(f"wrote {args.out}: {len(out)} tensors (bitsandbytes {bnb.__version__})")


if __name__ == "__main__":
    main()
