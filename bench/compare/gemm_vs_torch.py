#!/usr/bin/env python3
"""PyTorch's side of the device check's GEMM comparison (gpu-ffm/device-check.sh): n x n x n products in fp32 (TF32
off), TF32 and bf16 (bf16 in and out, fp32 accumulation), each the median of timed runs after warm-up, synchronized
per run, as gpu-ffm's GemmSpeed measures Cortado's. Prints one table with Cortado's figures (read from the file
DeviceCheck wrote) beside PyTorch's and their ratio.

usage: gemm_vs_torch.py CORTADO_GEMM_TXT [n]
"""
import statistics
import sys
import time

import torch


def median_seconds(fn, warmup=3, runs=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_tflops(n):
    out = {}
    for name, dtype, tf32 in (("fp32", torch.float32, False), ("tf32", torch.float32, True), ("bf16", torch.bfloat16, False)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        a = torch.full((n, n), 1 / 64, device="cuda", dtype=dtype)
        b = torch.full((n, n), 1 / 64, device="cuda", dtype=dtype)
        c = torch.empty((n, n), device="cuda", dtype=dtype)
        s = median_seconds(lambda: torch.matmul(a, b, out=c))
        out[name] = 2 * n ** 3 / s / 1e12
        del a, b, c
    torch.backends.cuda.matmul.allow_tf32 = False
    return out


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 8192
    cortado = {}
    tests = "no test line"
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "gemm" and int(parts[2]) == n:
                cortado[parts[1]] = float(parts[3])
            elif parts and parts[0] == "tests":
                tests = line.strip()
    theirs = torch_tflops(n)
    print(f"device: {torch.cuda.get_device_name()}  torch {torch.__version__}  CUDA {torch.version.cuda}")
    print(f"conformance on cuda: {tests}")
    print(f"{'GEMM ' + str(n) + '^3':<14}{'cortado TFLOP/s':>16}{'torch TFLOP/s':>15}{'ratio':>8}")
    for name in ("fp32", "tf32", "bf16"):
        c = cortado.get(name)
        t = theirs[name]
        ratio = f"{c / t:.3f}" if c else "-"
        print(f"{name:<14}{(f'{c:.2f}' if c else 'missing'):>16}{t:>15.2f}{ratio:>8}")


if __name__ == "__main__":
    main()
