#!/usr/bin/env python3
"""torch.randperm golden (CPU, seeded generator), the positions FourierFT (peft 0.21) draws for its spectrum:
torch.randperm(n, generator=torch.Generator(device="cpu").manual_seed(seed)) for a few (n, seed), n as
out_features * in_features of small layers and a larger one.

golden/torch_randperm_golden.safetensors holds randperm.<n>.<seed> [n] (I64).

Run (CI has no torch, so the output is committed):
    /work/venv/bin/python tools/golden/make_torch_randperm_golden.py --golden tests/src/test/resources/golden
"""
import argparse
import os

import torch
from safetensors.torch import save_file

CASES = [(1, 0), (2, 5), (10, 0), (1000, 777), (32 * 32, 777), (64 * 32, 2024), (96 * 64, 1 << 31)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden", required=True)
    args = ap.parse_args()
    out = {f"randperm.{n}.{seed}": torch.randperm(n, generator=torch.Generator(device="cpu").manual_seed(seed))
           for n, seed in CASES}
    save_file(out, os.path.join(args.golden, "torch_randperm_golden.safetensors"))


if __name__ == "__main__":
    main()
