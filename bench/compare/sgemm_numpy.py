#!/usr/bin/env python3
"""numpy/OpenBLAS side of the sgemm comparison: square float32 C = A @ B, median GFLOP/s after warm-up.

Prints one JSON line per size, {"size": N, "gflops": G, "threads": T}, matching `cortado bench sgemm`, and first a line
{"blas": ..., "corename": ...} naming the OpenBLAS kernel that actually runs (Haswell = AVX2, SkylakeX/Cooperlake/
Zen = AVX-512 on this machine), read through ctypes from numpy's bundled scipy-openblas (or threadpoolctl if installed).

Usage: sgemm_numpy.py --sizes 256,512,1024,2048 [--repeats R] [--java "JAVA CMD"] [--peak-per-core G]
Threads come from OPENBLAS_NUM_THREADS, set by the caller before numpy is imported (that is when OpenBLAS reads it).

With --java, the command is started once (cortado.cli.SgemmTimer --serve, same thread count) and the two
libraries are timed call by call in alternation, numpy then Cortado, so both see the same machine noise; each size
then prints one JSON line with both medians, their ratio and the fraction of peak.
"""
import argparse
import ctypes
import glob
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np


def openblas_info():
    info = {"numpy": np.__version__, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        import threadpoolctl  # optional
        for p in threadpoolctl.threadpool_info():
            if p.get("internal_api") == "openblas":
                info.update(corename=p.get("architecture"), threads=p.get("num_threads"), version=p.get("version"))
                return info
    except ImportError:
        pass
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*.so*"))
    for lib in libs:
        try:
            dll = ctypes.CDLL(lib)
        except OSError:
            continue
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                fn = getattr(dll, prefix + "get_corename" + suffix, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    info["corename"] = fn().decode()
                    nt = getattr(dll, prefix + "get_num_threads" + suffix, None)
                    if nt is not None:
                        nt.restype = ctypes.c_int
                        info["threads"] = nt()
                    return info
    info["corename"] = "unknown"
    return info


def parse_shape(spec):
    """'N' (square) or 'm,n,k,transA,transB' (transposes 0/1) -> (m, n, k, ta, tb)."""
    f = spec.split(",")
    if len(f) == 1:
        n = int(f[0])
        return n, n, n, False, False
    m, n, k = int(f[0]), int(f[1]), int(f[2])
    return m, n, k, f[3] in ("1", "true", "True"), f[4] in ("1", "true", "True")


def operands(spec):
    """op(A), op(B), C as numpy sees them; a transposed operand is a transposed view, which numpy hands to BLAS
    as a transpose flag without copying (as Cortado's sgemm receives it)."""
    m, n, k, ta, tb = parse_shape(spec)
    rng = np.random.default_rng(m * 31 + n * 7 + k)
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    return (a.T if ta else a), (b.T if tb else b), np.empty((m, n), dtype=np.float32)


def flops(spec):
    m, n, k, _, _ = parse_shape(spec)
    return 2.0 * m * n * k


def warm(a, b, c):
    # Warm-up: at least 3 calls and about half a second, so caches, page faults and thread start-up are out.
    t_end = time.perf_counter() + 0.5
    w = 0
    while w < 3 or time.perf_counter() < t_end:
        np.matmul(a, b, out=c)
        w += 1


def timed(spec, a, b, c):
    """(GFLOP/s by wall clock, GFLOP/s by this thread's CPU time). The second discounts time slices lost to other
    processes; it is meaningful on one thread only (OpenBLAS runs its other threads elsewhere)."""
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    np.matmul(a, b, out=c)
    t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
    return flops(spec) / (t1 - t0), flops(spec) / max(1, c1 - c0)


def median_gflops(spec, repeats):
    a, b, c = operands(spec)
    warm(a, b, c)
    return statistics.median(timed(spec, a, b, c)[0] for _ in range(repeats))


class JavaSide:
    """Cortado's SgemmTimer in --serve mode: one warm-up per size, then one timed call per request."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(shlex.split(cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        out = self.p.stdout.readline().strip()
        if not out or out.startswith("error"):
            raise SystemExit("error: Cortado side answered %r to %r" % (out, line))
        return out

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="256,512,1024,2048",
                    help="comma-separated square sizes; or shapes m:n:k:transA:transB, e.g. 256:50257:768:0:1")
    ap.add_argument("--repeats", type=int, default=0, help="0 = by size (more for small sizes)")
    ap.add_argument("--java", help="command that starts Cortado's SgemmTimer --serve")
    ap.add_argument("--peak-per-core", type=float, default=218.0, help="GFLOP/s per core for the fraction of peak")
    ap.add_argument("--pause", type=float, default=-1.0,
                    help="seconds between timed calls; default 0.2 with several threads, 0 with one")
    ap.add_argument("--measured-peak-per-core", type=float, default=0.0,
                    help="FMA-probe GFLOP/s per core (per CPU second); adds fractions of this measured peak")
    args = ap.parse_args()
    info = openblas_info()
    print(json.dumps({"blas": "numpy/OpenBLAS", **info}), flush=True)
    threads = info.get("threads") or int(os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    # With several threads, each library's idle workers keep spinning for a while after a call (OpenBLAS by default
    # for ~2^28 cycles) and would steal a vCPU from the other library's next call: pause between calls.
    pause = args.pause if args.pause >= 0 else (0.2 if threads > 1 else 0.0)
    java = JavaSide(args.java) if args.java else None
    rows = []
    try:
        for item in args.sizes.split(","):
            spec = item.replace(":", ",")
            label = {"size": int(spec)} if "," not in spec else {"shape": item}
            reps = args.repeats or max(7, min(50, int(4e10 / flops(spec))))
            if java is None:
                print(json.dumps({**label, "gflops": round(median_gflops(spec, reps), 2), "threads": threads}),
                      flush=True)
                continue
            a, b, c = operands(spec)
            warm(a, b, c)
            java.ask("warm " + spec)
            np_rates, cj_rates = [], []
            for _ in range(reps):  # strictly alternating, so slow phases of the machine hit both sides
                time.sleep(pause)
                np_rates.append(timed(spec, a, b, c))
                time.sleep(pause)
                cj_rates.append(tuple(float(x) for x in java.ask("time " + spec).split()))
            g_np, g_cj = statistics.median(r[0] for r in np_rates), statistics.median(r[0] for r in cj_rates)
            peak = args.peak_per_core * threads
            row = {**label, "threads": threads, "repeats": reps,
                   "numpy_gflops": round(g_np, 1), "cortado_gflops": round(g_cj, 1), "ratio": round(g_cj / g_np, 3),
                   "cortado_frac_peak": round(g_cj / peak, 3), "numpy_frac_peak": round(g_np / peak, 3),
                   "peak_gflops": round(peak, 1)}
            measured = args.measured_peak_per_core * threads
            if measured > 0:
                row.update(measured_peak_gflops=round(measured, 1),
                           cortado_frac_measured_peak=round(g_cj / measured, 3))
            if threads == 1:  # CPU-time based rates: the same comparison without other processes' time slices
                c_np, c_cj = statistics.median(r[1] for r in np_rates), statistics.median(r[1] for r in cj_rates)
                row.update(numpy_gflops_cpu=round(c_np, 1), cortado_gflops_cpu=round(c_cj, 1),
                           ratio_cpu=round(c_cj / c_np, 3))
                if measured > 0:
                    row.update(cortado_cpu_frac_measured_peak=round(c_cj / measured, 3),
                               numpy_cpu_frac_measured_peak=round(c_np / measured, 3))
            print(json.dumps(row), flush=True)
            rows.append(row)
    finally:
        if java is not None:
            java.close()
    if rows:  # the same figures as a table, medians of wall-clock time (CPU-time columns on 1 thread)
        print("# %-20s %3s %9s %9s %6s %9s %9s %9s" % ("size/shape", "thr", "numpy", "cortado", "ratio",
                                                   "frac218", "ratio_cpu", "fracmeas"))
        for r in rows:
            print("# %-20s %3d %9.1f %9.1f %6.2f %9.3f %9s %9s" % (
                r.get("size", r.get("shape")), r["threads"], r["numpy_gflops"], r["cortado_gflops"], r["ratio"],
                r["cortado_frac_peak"], r.get("ratio_cpu", "-"),
                r.get("cortado_cpu_frac_measured_peak", r.get("cortado_frac_measured_peak", "-"))))


if __name__ == "__main__":
    sys.exit(main())
