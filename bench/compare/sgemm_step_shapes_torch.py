#!/usr/bin/env python3
"""PyTorch's side of cortado.bench.SgemmStepShapesMain: the same 15 sgemm shapes of a GPT-2 124M training step
(forward NN, dX NT, dW TN of each Conv1D projection and of the tied head) at M = B*T rows, timed the same way: on one
thread from the thread's CPU time (robust to other processes on a shared machine), median of REPS calls after two
warm-up calls; prints one line per shape and the FLOP-weighted total, in SgemmStepShapesMain's format.

usage: OMP_NUM_THREADS=1 sgemm_step_shapes_torch.py [rows=256] [reps=5]
"""
import statistics
import sys
import time

import torch


def shapes(rows):
    lm = min(rows, 1304)   # Cortado's fused head chunk for a 50257 vocabulary (SgemmStepShapesMain)
    out = []
    for name, n_out, n_in in (("c_attn", 2304, 768), ("attn.proj", 768, 768), ("c_fc", 3072, 768),
                              ("mlp.proj", 768, 3072)):
        out += [(name + " fwd NN", rows, n_out, n_in, False, False, 12),
                (name + " dX  NT", rows, n_in, n_out, False, True, 12),
                (name + " dW  TN", n_in, n_out, rows, True, False, 12)]
    out += [("lm_head fwd NT", lm, 50257, 768, False, True, rows // lm),
            ("lm_head dX  NN", lm, 768, 50257, False, False, rows // lm),
            ("lm_head dW  TN", 50257, 768, lm, True, False, rows // lm)]
    return out


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, rows {rows}, 1 thread (per-thread CPU time)")
    flops_all = seconds_all = 0.0
    for name, m, n, k, ta, tb, count in shapes(rows):
        a = torch.randn(k, m).t() if ta else torch.randn(m, k)   # op(A) [m, k] stored as Cortado stores it
        b = torch.randn(n, k).t() if tb else torch.randn(k, n)
        for _ in range(2):
            torch.matmul(a, b)
        times = []
        for _ in range(reps):
            t0 = time.thread_time()
            torch.matmul(a, b)
            times.append(time.thread_time() - t0)
        sec, flops = statistics.median(times), 2.0 * m * n * k
        flops_all += flops * count
        seconds_all += sec * count
        print(f"{name:<18} m={m:5d} n={n:5d} k={k:5d}  {sec * 1e3:7.2f} ms  {flops / sec / 1e9:6.1f} GFLOP/s  (x{count} per step)")
    print(f"step total: {seconds_all * 1e3:.0f} ms of sgemm, {flops_all / seconds_all / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
