#!/usr/bin/env python3
"""PyTorch CPU peer for the kernel JMH benchmarks (AttentionBench, LayerNormBench, CrossEntropyBench).

Times the same shapes through torch at the same thread count and prints one JSON line per case with the median
milliseconds of forward and of forward+backward, so ratios against the JMH medians can be taken from one session:

    java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar 'AttentionBench|LayerNormBench|CrossEntropyBench' -p threads=1
    /work/venv/bin/python tools/bench/torch_kernels.py --threads 1

Cortado's backward benchmarks time backward alone (it takes the forward's saved statistics), so compare
Cortado forward + backward with torch's "fwd_bwd".
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def median_ms(fn, warmup=3, min_time=1.0, max_reps=200):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (time.perf_counter() - start < min_time or len(times) < 5):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def attention(b, h, hkv, t, d):
    g = torch.Generator().manual_seed(42)
    q = torch.randn(b, h, t, d, generator=g)
    k = torch.randn(b, hkv, t, d, generator=g)
    v = torch.randn(b, hkv, t, d, generator=g)
    dout = torch.randn(b, h, t, d, generator=g)
    gqa = h != hkv

    def fwd():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)

    qq, kk, vv = (x.clone().requires_grad_(True) for x in (q, k, v))

    def fwd_bwd():
        out = F.scaled_dot_product_attention(qq, kk, vv, is_causal=True, enable_gqa=gqa)
        out.backward(dout)
        qq.grad = kk.grad = vv.grad = None

    return fwd, fwd_bwd


def layer_norm(rows, c):
    g = torch.Generator().manual_seed(42)
    x = torch.randn(rows, c, generator=g)
    w = torch.randn(c, generator=g)
    bias = torch.randn(c, generator=g)
    dy = torch.randn(rows, c, generator=g)

    def fwd():
        with torch.no_grad():
            F.layer_norm(x, (c,), w, bias, 1e-5)

    xx, ww, bb = (t.clone().requires_grad_(True) for t in (x, w, bias))

    def fwd_bwd():
        F.layer_norm(xx, (c,), ww, bb, 1e-5).backward(dy)
        xx.grad = ww.grad = bb.grad = None

    return fwd, fwd_bwd


def cross_entropy(n, v):
    g = torch.Generator().manual_seed(42)
    logits = torch.randn(n, v, generator=g)
    targets = torch.randint(0, v, (n,), generator=g)

    def fwd():
        with torch.no_grad():
            F.cross_entropy(logits, targets, ignore_index=-100)

    ll = logits.clone().requires_grad_(True)

    def fwd_bwd():
        F.cross_entropy(ll, targets, ignore_index=-100).backward()
        ll.grad = None

    return fwd, fwd_bwd


CASES = [
    ("AttentionBench", "4,12,12,64,64", attention),
    ("AttentionBench", "1,12,12,1024,64", attention),
    ("AttentionBench", "1,32,8,512,128", attention),
    ("LayerNormBench", "256,768", layer_norm),
    ("LayerNormBench", "4096,768", layer_norm),
    ("CrossEntropyBench", "256,50257", cross_entropy),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for bench, shape, make in CASES:
        fwd, fwd_bwd = make(*[int(s) for s in shape.split(",")])
        print(json.dumps({"bench": bench, "shape": shape, "threads": args.threads,
                          "torch_fwd_ms": round(median_ms(fwd), 4), "torch_fwd_bwd_ms": round(median_ms(fwd_bwd), 4)}),
              flush=True)


if __name__ == "__main__":
    main()
