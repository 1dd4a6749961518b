#!/usr/bin/env python3
"""Must-show 5: Cortado's HNSW against exact search and against faiss-cpu's IndexHNSWFlat, side by side.

    bench/compare/hnsw_vs_faiss.py [--n 100000] [--dim 384] [--clusters 1000] [--queries 1000] [--m 16]
        [--ef-construction 100] [--ef-search 16,32,64,128] [--k 10] [--rounds 3] [--int8]

Draws n base vectors and the queries from one mixture of Gaussian clusters (centres ~ N(0, I), each point its centre
plus N(0, sigma^2 I), sigma 1 by default; numpy seed 0), writes them as raw float32, then on ONE thread each
(faiss.omp_set_num_threads(1); Cortado's search is single-threaded): faiss IndexFlatL2 (exact) and IndexHNSWFlat(d, M)
with the same efConstruction and each efSearch, and Cortado's FlatIndex and HnswIndex (L2) through
cortado.bench.HnswRecallMain. recall@k is each engine's HNSW against its own exact search (the two exact searches are
checked to agree on the first queries); QPS is the median of --rounds passes over all queries after a warm-up pass.
Needs the bench jar (mvn -B -q -pl bench -am package -DskipTests) and PY's faiss-cpu and numpy (default
/work/venv/bin/python runs this script). Timings on a loaded machine move together; compare ratios in one run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import faiss
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def java():
    homes = [os.environ["JAVA_HOME"]] if os.environ.get("JAVA_HOME") else []
    homes += sorted(os.path.join("/usr/lib/jvm", h) for h in os.listdir("/usr/lib/jvm"))
    for h in homes:
        exe = os.path.join(h, "bin", "java")
        try:
            out = subprocess.run([exe, "-version"], capture_output=True, text=True).stderr
        except OSError:
            continue
        v = out.split('"')[1].split(".")[0] if '"' in out else "0"
        if v.isdigit() and int(v) >= 25:
            return exe
    sys.exit("error: no JDK >= 25 found")


def timed_qps(search, queries, rounds):
    search(queries)  # warm-up
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        ids = search(queries)
        rates.append(len(queries) / (time.perf_counter() - t))
    return statistics.median(rates), ids


def one_at_a_time(index, k):
    # One query per call, as Cortado's loop runs them (faiss batches a matrix of queries otherwise).
    def run(queries):
        return np.vstack([index.search(queries[i:i + 1], k)[1] for i in range(len(queries))])
    return run


def recall(found, truth):
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--clusters", type=int, default=1000)
    p.add_argument("--sigma", type=float, default=1.0)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--ef-search", default="16,32,64,128")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--int8", action="store_true", help="also Cortado's HNSW over int8 codes (after the fp32 one)")
    a = p.parse_args()
    efs = [int(e) for e in a.ef_search.split(",")]
    jar = os.path.join(ROOT, "bench/target/benchmarks.jar")
    if not os.path.exists(jar):
        sys.exit("error: build first: mvn -B -q -pl bench -am package -DskipTests")

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((a.clusters, a.dim)).astype(np.float32)

    def draw(n):
        return (centres[rng.integers(0, a.clusters, n)] + a.sigma * rng.standard_normal((n, a.dim))).astype(np.float32)

    base, queries = draw(a.n), draw(a.queries)
    faiss.omp_set_num_threads(1)
    rows = []
    flat = faiss.IndexFlatL2(a.dim)
    flat.add(base)
    exact_qps, truth = timed_qps(one_at_a_time(flat, a.k), queries, a.rounds)
    rows.append({"engine": "faiss", "index": "flat", "qps": exact_qps})
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(a.dim, a.m)
    hnsw.hnsw.efConstruction = a.ef_construction
    hnsw.add(base)
    build = time.perf_counter() - t
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        qps, found = timed_qps(one_at_a_time(hnsw, a.k), queries, a.rounds)
        rows.append({"engine": "faiss", "index": "hnsw", "M": a.m, "efConstruction": a.ef_construction, "efSearch": ef,
                     "recall": recall(found, truth), "qps": qps, "speedup_vs_exact": qps / exact_qps, "build_s": build})

    with tempfile.TemporaryDirectory() as tmp:
        bf, qf = os.path.join(tmp, "base.f32"), os.path.join(tmp, "queries.f32")
        base.astype("<f4").tofile(bf)
        queries.astype("<f4").tofile(qf)
        cmd = [java(), "--add-modules", "jdk.incubator.vector", "-XX:+UseSerialGC", "-Xmx4g", "-cp", jar,
               "cortado.bench.HnswRecallMain", bf, qf, str(a.dim), str(a.m), str(a.ef_construction), a.ef_search,
               str(a.k), str(a.rounds)] + (["int8"] if a.int8 else [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("error: HnswRecallMain failed:\n" + out.stderr)
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                ids = r.pop("exact_ids", None)
                if ids is not None:
                    agree = recall(ids, truth[:len(ids)])
                    r["exact_agrees_with_faiss"] = agree
                rows.append(r)
    if a.int8:
        q8 = [r for r in rows if r["index"] == "hnsw-int8"]
        rows = [r for r in rows if r["index"] != "hnsw-int8"] + q8

    print(f"# {a.n} x {a.dim} from {a.clusters} Gaussian clusters (sigma {a.sigma}), {a.queries} queries, k={a.k}, "
          f"M={a.m}, efConstruction={a.ef_construction}, one thread")
    print(f"{'engine':8} {'index':10} {'efSearch':>8} {'recall@' + str(a.k):>9} {'QPS':>9} {'x exact':>8} {'build s':>8}")
    for r in rows:
        print(f"{r['engine']:8} {r['index']:10} {r.get('efSearch', ''):>8} "
              f"{'' if 'recall' not in r else format(r['recall'], '.4f'):>9} {r['qps']:9.1f} "
              f"{'' if 'speedup_vs_exact' not in r else format(r['speedup_vs_exact'], '.1f'):>8} "
              f"{'' if 'build_s' not in r else format(r['build_s'], '.1f'):>8}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
