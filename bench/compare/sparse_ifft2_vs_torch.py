"""The peer of SparseIfft2Bench: FourierFT's delta weight as peft computes it (torch.fft.ifft2 of the dense
spectrum, .real) and its backward to the spectrum values, on the same shapes and n_frequency; median ms of 7 runs.

    python3 bench/compare/sparse_ifft2_vs_torch.py [--threads 1]
"""
import argparse
import json
import statistics
import time

import torch


def median_ms(fn, runs=7):
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for m, n in [(384, 128), (2304, 768), (3072, 768)]:
        count = min(1000, m * n)
        g = torch.Generator().manual_seed(42)
        idx = torch.randperm(m * n, generator=g)[:count]
        rows, cols = idx // n, idx % n
        values = torch.randn(count, generator=g, requires_grad=True)
        upstream = torch.randn(m, n, generator=g)

        def delta():   # peft's FourierFTLayer.get_delta_weight, scaling left out
            dense = torch.zeros(m, n, dtype=values.dtype)
            dense = dense.index_put((rows, cols), values)
            return torch.fft.ifft2(dense).real

        def forward():
            with torch.no_grad():
                delta()

        def backward():
            values.grad = None
            delta().backward(upstream)

        print(json.dumps({"shape": f"{m},{n}", "threads": args.threads, "torch_forward_ms": median_ms(forward),
                          "torch_forward_backward_ms": median_ms(backward)}))


if __name__ == "__main__":
    main()
